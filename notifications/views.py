from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import signed_in
from notifications import services
from notifications.models import Notification


@require_GET
@signed_in
def inbox(request: HttpRequest) -> HttpResponse:
    notifications = Notification.objects.for_recipient(request.user).only(
        "pk", "kind", "subject", "body", "url", "created_at", "read_at"
    )
    page = Paginator(notifications, 25).get_page(request.GET.get("page"))
    return render(request, "notifications/inbox.html", {"page": page})


@require_GET
@signed_in
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one of the user's notifications read and go where it points."""
    notification = get_object_or_404(Notification.objects.for_recipient(request.user), pk=pk)
    services.mark_read(notification)
    target = notification.url
    if not target or not url_has_allowed_host_and_scheme(target, allowed_hosts=None):
        return redirect("notifications:inbox")
    return redirect(target)


@require_POST
@signed_in
def mark_all_read(request: HttpRequest) -> HttpResponse:
    services.mark_all_read(request.user)
    return redirect("notifications:inbox")
