from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import signed_in
from notifications import services
from notifications.models import Notification


@require_GET
@signed_in
def inbox(request: HttpRequest) -> HttpResponse:
    notifications = Notification.objects.for_recipient(request.user).only(
        "pk", "kind", "language", "subject", "body", "url", "created_at", "read_at"
    )
    page = Paginator(notifications, 25).get_page(request.GET.get("page"))
    return render(request, "notifications/inbox.html", {"page": page})


@require_http_methods(["GET", "HEAD", "POST"])
@signed_in
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """GET shows one of the user's notifications (and changes nothing: a link prefetched by a
    browser, a mail scanner or a proxy must not mark it read); its button POSTs here, which
    marks it read and goes where it points."""
    notification = get_object_or_404(Notification.objects.for_recipient(request.user), pk=pk)
    if request.method != "POST":
        return render(
            request,
            "notifications/detail.html",
            {"notification": notification, "target": _safe_target(notification)},
        )
    services.mark_read(notification)
    return redirect(_safe_target(notification) or "notifications:inbox")


def _safe_target(notification: Notification) -> str:
    target = notification.url
    if not target or not url_has_allowed_host_and_scheme(target, allowed_hosts=None):
        return ""
    return target


@require_POST
@signed_in
def mark_all_read(request: HttpRequest) -> HttpResponse:
    services.mark_all_read(request.user)
    return redirect("notifications:inbox")
