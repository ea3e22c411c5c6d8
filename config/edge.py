"""Limits at the edge of the application: request bodies refused before they are read or stored,
and every answer under /api/ in JSON, whatever went wrong and whether DEBUG is on or off.

- `RequestLimitsMiddleware` refuses a request whose declared `Content-Length` exceeds its cap
  before a byte of the body is read: `API_MAX_BODY_BYTES` under /api/ (JSON 413 with a `detail`),
  `UPLOAD_MAX_REQUEST_BYTES` elsewhere (a short HTML 413 page). It also turns any error answer
  under /api/ that is not JSON (Django's 404 or 400 pages, a DEBUG traceback) into JSON.
- `CappedUploadHandler` (first in `FILE_UPLOAD_HANDLERS`) counts the bytes of a multipart body
  as they stream in and stops at `UPLOAD_MAX_REQUEST_BYTES`, for a client that sends no length
  or a false one: at most that much is ever spooled to disk.
- `DATA_UPLOAD_MAX_MEMORY_SIZE` (= `API_MAX_BODY_BYTES`) caps any non-file body Django reads.

gunicorn's `limit_request_*` (gunicorn.conf.py) cap the request line and headers before Django.
"""

import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils import translation

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"


def is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g} MB"


def api_too_large(limit: int) -> JsonResponse:
    return JsonResponse(
        {
            "detail": (
                f"The request body is larger than the {_megabytes(limit)} ({limit} bytes) this "
                "API accepts. Send fewer or smaller items per request."
            )
        },
        status=413,
    )


def upload_too_large(request: HttpRequest) -> HttpResponse:
    limit = settings.UPLOAD_MAX_REQUEST_BYTES
    # No request context: this answers before sessions and sign-in have run, so the language is
    # the switcher's cookie or the browser's Accept-Language (not yet the signed-in setting).
    with translation.override(translation.get_language_from_request(request)):
        body = render_to_string("413.html", {"limit": _megabytes(limit), "back": request.path})
    return HttpResponse(body, status=413)


class RequestLimitsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        api = is_api(request)
        declared = _content_length(request)
        if api and declared > settings.API_MAX_BODY_BYTES:
            return api_too_large(settings.API_MAX_BODY_BYTES)
        if not api and declared > settings.UPLOAD_MAX_REQUEST_BYTES:
            return upload_too_large(request)
        response = self.get_response(request)
        if getattr(request, "_upload_cut_off", False):
            # The upload handler stopped reading a body without (or with a false) length.
            return api_too_large(settings.API_MAX_BODY_BYTES) if api else upload_too_large(request)
        if api and response.status_code >= 400 and not _is_json(response):
            return _as_json(response)
        return response


def _content_length(request: HttpRequest) -> int:
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


def _is_json(response: HttpResponse) -> bool:
    return response.get("Content-Type", "").split(";")[0].strip() == "application/json"


# Headers an error answer carries that say what to do next; the rest describe the HTML body.
_KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")


def _as_json(response: HttpResponse) -> JsonResponse:
    status = response.status_code
    if status == 413:
        return api_too_large(settings.API_MAX_BODY_BYTES)
    detail = {
        400: "The request could not be read (malformed or too large).",
        404: "Not found.",
        405: "Method not allowed.",
    }.get(status, response.reason_phrase or "Error.")
    if status >= 500:
        detail = "Internal error: the request was not carried out. Try again later."
    converted = JsonResponse({"detail": detail}, status=status)
    for header in _KEPT_HEADERS:
        if header in response:
            converted[header] = response[header]
    return converted


class CappedUploadHandler(FileUploadHandler):
    """Stops a multipart upload once `UPLOAD_MAX_REQUEST_BYTES` have streamed in.

    Before any byte when the declared length is over (the middleware answers that first);
    after the cap otherwise. Raising RequestDataTooBig ends the parse; the middleware turns the
    resulting 400 into a 413 with a clear message.
    """

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.received = 0
        if content_length and content_length > settings.UPLOAD_MAX_REQUEST_BYTES:
            self._cut_off()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received = getattr(self, "received", 0) + len(raw_data)
        if self.received > settings.UPLOAD_MAX_REQUEST_BYTES:
            self._cut_off()
        return raw_data

    def file_complete(self, file_size: int):
        return None

    def _cut_off(self):
        if self.request is not None:
            self.request._upload_cut_off = True
        raise RequestDataTooBig(
            f"Upload larger than UPLOAD_MAX_REQUEST_BYTES={settings.UPLOAD_MAX_REQUEST_BYTES}."
        )
