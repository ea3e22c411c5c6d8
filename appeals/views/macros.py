"""Leads manage canned replies: list, create, edit, retire and restore (each change audited)."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from accounts.decorators import staff_required
from accounts.roles import MANAGE_QUEUES
from appeals import services
from appeals.forms import MacroForm
from appeals.macros import PLACEHOLDERS
from appeals.models import Macro


@require_http_methods(["GET"])
@staff_required(MANAGE_QUEUES)
def macro_list(request: HttpRequest) -> HttpResponse:
    macros = Macro.objects.select_related("queue").order_by("-is_active", "title")
    return render(request, "appeals/macro_list.html", {"macros": macros})


def _edit(request: HttpRequest, macro: Macro) -> HttpResponse:
    form = MacroForm(request.POST or None, instance=macro)
    if request.method == "POST" and form.is_valid():
        created = macro.pk is None
        services.save_macro(form.instance, by=request.user)
        messages.success(
            request, f"Canned reply “{macro.title}” {'created' if created else 'saved'}."
        )
        return redirect(reverse("appeals:macro-list"))
    status = 422 if request.method == "POST" else 200
    context = {"form": form, "macro": macro, "placeholders": PLACEHOLDERS}
    return render(request, "appeals/macro_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
@staff_required(MANAGE_QUEUES)
def macro_create(request: HttpRequest) -> HttpResponse:
    return _edit(request, Macro())


@require_http_methods(["GET", "POST"])
@staff_required(MANAGE_QUEUES)
def macro_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _edit(request, get_object_or_404(Macro, pk=pk))


@require_POST
@staff_required(MANAGE_QUEUES)
def macro_set_active(request: HttpRequest, pk: int) -> HttpResponse:
    macro = get_object_or_404(Macro, pk=pk)
    active = request.POST.get("active") == "yes"
    services.set_macro_active(macro, active=active, by=request.user)
    messages.success(
        request, f"Canned reply “{macro.title}” {'restored' if active else 'retired'}."
    )
    return redirect(reverse("appeals:macro-list"))
