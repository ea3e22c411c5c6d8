import zoneinfo

from django.utils import timezone, translation


class UserTimeZoneMiddleware:
    """Render dates in the signed-in person's own time zone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.time_zone:
            try:
                timezone.activate(zoneinfo.ZoneInfo(user.time_zone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            # Threads serve many people: never leak one person's zone into the next request.
            timezone.deactivate()


class UserLanguageMiddleware:
    """A signed-in person reads the portal in the language of their setting; everyone else in
    the one LocaleMiddleware picked (the switcher's cookie, else the browser's Accept-Language).
    Sits after AuthenticationMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            language = supported_language(user.preferred_language)
            if language:
                translation.activate(language)
                request.LANGUAGE_CODE = language
        return self.get_response(request)


def supported_language(code: str | None) -> str | None:
    """The shipped language for `code` (its own or its base language's), or None."""
    if not code:
        return None
    try:
        return translation.get_supported_language_variant(code)
    except LookupError:
        return None
