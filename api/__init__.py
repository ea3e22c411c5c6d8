"""The intake API (JSON, /api/v1/): detection systems send enforcement actions and read them.

Each detection system is an `IntakeSource` with its own bearer token (created and revoked by
admins). The OpenAPI document is served at /api/v1/openapi.json; there is no docs page (the
usual ones load scripts from a CDN, which the site's CSP forbids).
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest
from django.utils import timezone
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError
from ninja.security import HttpBearer

from enforcement.models import IntakeSource

# last_used_at is for people ("used a minute ago"), so a busy source writes it once a minute,
# not on every request.
LAST_USED_RESOLUTION = timedelta(minutes=1)
# Tokens are 4 + 43 characters; anything much longer is not one of ours.
MAX_TOKEN_LENGTH = 200

# How views of the API declare their access (see accounts/decorators.py and
# tests/test_access_declared.py): the operations need a source's bearer token; the OpenAPI
# document and the API root (a 404) are public.
TOKEN_ACCESS = "api-token"
# The transparency report (mounted by config/urls.py) is public too.
PUBLIC_URL_NAMES = ("openapi-json", "api-root", "transparency_report")


class SourceToken(HttpBearer):
    """`Authorization: Bearer <token>` of an intake source that has not been revoked."""

    def authenticate(self, request: HttpRequest, token: str) -> IntakeSource | None:
        if not token or len(token) > MAX_TOKEN_LENGTH:
            return None
        source = IntakeSource.objects.filter(token_hash=IntakeSource.hash_token(token)).first()
        if source is None or not source.is_active:
            return None
        now = timezone.now()
        if source.last_used_at is None or now - source.last_used_at >= LAST_USED_RESOLUTION:
            IntakeSource.objects.filter(pk=source.pk).update(last_used_at=now)
            source.last_used_at = now
        return source


api = NinjaAPI(
    title="Recourse intake API",
    version="1",
    description=(
        "Detection systems send enforcement actions with their complete statement of reasons, "
        "and read each action's state and appeal. Authenticate with the bearer token an admin "
        "created for your source."
    ),
    urls_namespace="api-v1",
    auth=SourceToken(),
    docs_url=None,
)

from api.accounts import router as accounts_router  # noqa: E402
from api.actions import router  # noqa: E402  (the router needs nothing from here)

api.add_router("", router)
api.add_router("", accounts_router)


def _body_path(loc: tuple) -> list:
    """["body", "payload", "evidence", 0] → ["body", "evidence", 0]: the JSON body is the
    schema itself, not an object with a "payload" key."""
    loc = list(loc)
    if len(loc) >= 2 and loc[0] == "body" and loc[1] == "payload":
        del loc[1]
    return loc


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError):
    detail = [
        {
            "loc": _body_path(error["loc"]),
            # Our own validators' messages are sentences already.
            "msg": str(error["msg"]).removeprefix("Value error, "),
            "type": str(error["type"]),
        }
        for error in exc.errors
    ]
    return api.create_response(request, {"detail": detail}, status=422)


@api.exception_handler(AuthenticationError)
def authentication_error(request: HttpRequest, exc: AuthenticationError):
    response = api.create_response(
        request,
        {"detail": "Send the bearer token of an intake source that has not been revoked."},
        status=401,
    )
    response["WWW-Authenticate"] = 'Bearer realm="recourse-intake"'
    return response


@api.exception_handler(RequestDataTooBig)
def body_too_large(request: HttpRequest, exc: RequestDataTooBig):
    """A body over DATA_UPLOAD_MAX_MEMORY_SIZE that declared no length (the middleware answers
    the ones that did, before reading)."""
    return api.create_response(
        request,
        {
            "detail": (
                f"The request body is larger than the {settings.API_MAX_BODY_BYTES} bytes "
                "this API accepts. Send fewer or smaller items per request."
            )
        },
        status=413,
    )


@api.exception_handler(Exception)
def unexpected_error(request: HttpRequest, exc: Exception):
    """Anything else: logged with its traceback, answered in JSON with no detail of ours (in
    DEBUG too: a client of the API never gets an HTML page or a traceback)."""
    logging.getLogger("api").error("Unhandled error in %s", request.path, exc_info=exc)
    return api.create_response(
        request,
        {"detail": "Internal error: the request was not carried out. Try again later."},
        status=500,
    )


def urls():
    """The API's URL patterns, each view marked with its access for the deny-by-default test."""
    patterns, app_name, namespace = api.urls
    for pattern in patterns:
        pattern.callback.access = "public" if pattern.name in PUBLIC_URL_NAMES else TOKEN_ACCESS
    return patterns, app_name, namespace
