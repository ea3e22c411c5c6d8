from django.conf import settings


def roles(request) -> dict:
    user = getattr(request, "user", None)
    signed_in = bool(user and user.is_authenticated)
    return {
        "is_freelancer": signed_in and user.is_freelancer(),
        "is_staff_member": signed_in and user.is_staff_member(),
        "require_staff_mfa": settings.REQUIRE_STAFF_MFA,
    }
