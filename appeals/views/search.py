"""Staff search (/staff/search/?q=...) and the saved views of it (save, rename, delete).

Any member of staff may search; what they find is their role's scope (`appeals.models`:
appeals through `Appeal.objects.for_reviewer`, actions and freelancers through
`actions_visible_to` / `freelancers_visible_to`). Saved views belong to their owner: another
person's id is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from accounts.decorators import staff_required
from accounts.roles import ISSUE_ACTIONS, USE_STAFF_PAGES
from appeals import search as engine
from appeals.models import SavedSearch
from appeals.search_forms import SavedSearchNameForm, SearchForm
from appeals.services import saved_searches


def _render(request: HttpRequest, form: SearchForm, *, name_form=None, status: int = 200):
    pages, filters = {}, engine.Filters()
    if form.is_valid():
        filters = form.filters()
        if not filters.is_empty():
            pages = engine.search(request.user, filters, cursor=request.GET.get("after", ""))
    elif form.is_bound:  # an empty search page is not an error
        status = 422 if status == 200 else status
    views = list(SavedSearch.objects.for_owner(request.user))
    for view in views:
        view.rename_form = SavedSearchNameForm(
            owner=request.user, instance=view, initial={"name": view.name}, prefix=f"v{view.pk}"
        )
    return render(
        request,
        "appeals/search.html",
        {
            "form": form,
            "filters": filters,
            "params": filters.params(),
            "pages": pages,
            "full_text": engine.full_text(),
            "saved_views": views,
            "name_form": name_form or SavedSearchNameForm(owner=request.user),
            "can_open_actions": request.user.has_perm(ISSUE_ACTIONS),
            "page_size": engine.PAGE_SIZE,
        },
        status=status,
    )


@require_safe
@staff_required(USE_STAFF_PAGES)
def search(request: HttpRequest) -> HttpResponse:
    return _render(request, SearchForm(request.GET or None))


def _filters_posted(request: HttpRequest) -> dict:
    form = SearchForm(request.POST)
    return form.filters().params() if form.is_valid() else {}


@require_POST
@staff_required(USE_STAFF_PAGES)
def saved_search_create(request: HttpRequest) -> HttpResponse:
    params = _filters_posted(request)
    name_form = SavedSearchNameForm(request.POST, owner=request.user)
    if not params:
        name_form.add_error(None, "Search for something first, then save the view.")
    if not name_form.is_valid():
        return _render(request, SearchForm(params or None), name_form=name_form, status=422)
    saved = saved_searches.save_search(
        owner=request.user, name=name_form.cleaned_data["name"], params=params
    )
    messages.success(request, f"Saved the view “{saved.name}”.")
    return redirect(saved.get_absolute_url())


@require_POST
@staff_required(USE_STAFF_PAGES)
def saved_search_rename(request: HttpRequest, pk: int) -> HttpResponse:
    saved = get_object_or_404(SavedSearch.objects.for_owner(request.user), pk=pk)
    form = SavedSearchNameForm(request.POST, owner=request.user, instance=saved, prefix=f"v{pk}")
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("name", ["Give the view a name."])))
        return redirect(saved.get_absolute_url())
    saved_searches.rename_search(saved, name=form.cleaned_data["name"], by=request.user)
    messages.success(request, f"Renamed the view to “{saved.name}”.")
    return redirect(saved.get_absolute_url())


@require_POST
@staff_required(USE_STAFF_PAGES)
def saved_search_delete(request: HttpRequest, pk: int) -> HttpResponse:
    saved = get_object_or_404(SavedSearch.objects.for_owner(request.user), pk=pk)
    saved_searches.delete_search(saved, by=request.user)
    messages.success(request, f"Deleted the view “{saved.name}”.")
    return redirect(reverse("appeals:search"))
