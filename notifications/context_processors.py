from django.utils.functional import SimpleLazyObject

from notifications.models import Notification


def unread_count(request) -> dict:
    user = getattr(request, "user", None)
    if not (user and user.is_authenticated):
        return {}
    # Lazy: evaluated only where the header renders it, one COUNT query per page.
    return {
        "unread_notifications": SimpleLazyObject(
            lambda: Notification.objects.for_recipient(user).unread().count()
        )
    }
