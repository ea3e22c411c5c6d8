from datetime import datetime, time, timedelta

from django.contrib import messages
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import i18n
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import public, signed_in, staff_required
from accounts.forms import AuditFilterForm, ProfileForm
from accounts.middleware import supported_language
from accounts.models import AuditEvent, User, record_audit
from accounts.roles import VIEW_AUDIT

AUDIT_PAGE_SIZE = 50


@signed_in
@require_http_methods(["GET", "HEAD", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your settings are saved."))
        return redirect("accounts:profile")
    return render(request, "accounts/profile.html", {"form": form})


def _audit_cursor(event: AuditEvent) -> str:
    return f"{event.created_at.isoformat()}~{event.pk}"


def _after_cursor(value: str) -> Q | None:
    """Rows older than the cursor (keyset pagination on created_at, id), or None if unreadable."""
    moment, _sep, pk = value.partition("~")
    try:
        created_at, pk = datetime.fromisoformat(moment), int(pk)
    except ValueError:
        return None
    if timezone.is_naive(created_at):
        return None
    return Q(created_at__lt=created_at) | Q(created_at=created_at, pk__lt=pk)


def _changes(event: AuditEvent) -> list[tuple[str, object, object]]:
    """(field, before, after) for a configuration event; empty for other events."""
    data = event.data if isinstance(event.data, dict) else {}
    before, after = data.get("before"), data.get("after")
    if not isinstance(before, dict) or not isinstance(after, dict):
        return []
    return [(name, before.get(name, ""), after.get(name, "")) for name in {**before, **after}]


@staff_required(VIEW_AUDIT)
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    """Every audited change, newest first: who, when, what, before → after (leads, admins)."""
    object_types = list(
        AuditEvent.objects.order_by("object_type").values_list("object_type", flat=True).distinct()
    )
    form = AuditFilterForm(request.GET or None, object_types=object_types)
    events = AuditEvent.objects.select_related("actor").order_by("-created_at", "-pk")
    status = 200
    if form.is_bound and not form.is_valid():
        events, status = events.none(), 400
    elif form.is_bound:
        data = form.cleaned_data
        if data["object_type"]:
            events = events.filter(object_type=data["object_type"])
        if data["actor"].lower() == "system":
            events = events.filter(actor__isnull=True)
        elif data["actor"]:
            events = events.filter(actor__email__iexact=data["actor"])
        zone = timezone.get_current_timezone()
        if data["since"]:
            events = events.filter(created_at__gte=datetime.combine(data["since"], time.min, zone))
        if data["until"]:
            end = datetime.combine(data["until"] + timedelta(days=1), time.min, zone)
            events = events.filter(created_at__lt=end)
    after = request.GET.get("after", "")
    if after:
        older = _after_cursor(after)
        if older is None:
            events, status = events.none(), 400
        else:
            events = events.filter(older)
    page = list(events[: AUDIT_PAGE_SIZE + 1])
    more = len(page) > AUDIT_PAGE_SIZE
    page = page[:AUDIT_PAGE_SIZE]
    next_query = None
    if more:
        query = request.GET.copy()
        query["after"] = _audit_cursor(page[-1])
        next_query = query.urlencode()
    return render(
        request,
        "accounts/audit_log.html",
        {
            "form": form,
            "rows": [(event, _changes(event)) for event in page],
            "next_query": next_query,
            "paged": bool(after),
        },
        status=status,
    )


@public
@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """The language switcher: Django's own `set_language` (a cookie, then back to `next`), and
    for a signed-in person their setting too, so that pages and emails follow it."""
    language = supported_language(request.POST.get("language"))
    if language and request.user.is_authenticated:
        changed = User.objects.filter(pk=request.user.pk).exclude(preferred_language=language)
        if changed.update(preferred_language=language):
            record_audit(
                actor=request.user,
                verb="account.language_changed",
                obj=request.user,
                summary=f"Language set to {language}",
                data={"language": language},
            )
    return i18n.set_language(request)
