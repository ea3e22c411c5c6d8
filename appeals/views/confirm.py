"""The confirm step of an irreversible move (release, reassign), shared by the reviewer's case
page and the lead's dashboard: a page of its own, so it works without JavaScript.

The first post (from the case or the dashboard) answers this page and changes nothing; only a
post that carries `confirm=yes` (its button) does the move. A post made around the form, without
the confirmation, is therefore refused: it gets the question again.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

CONFIRMED = "yes"


def is_confirmed(request: HttpRequest) -> bool:
    return request.POST.get("confirm") == CONFIRMED


def confirm_step(
    request: HttpRequest,
    *,
    title: str,
    explanation: str,
    url: str,
    confirm_label: str,
    back_url: str,
    back_label: str,
    **fields,
) -> HttpResponse:
    """The page that asks before an irreversible step; "No" is a link back where it came from.
    `fields` are posted again with the confirmation (hidden inputs)."""
    context = {
        "title": title,
        "explanation": explanation,
        "confirm_url": url,
        "confirm_label": confirm_label,
        "back_url": back_url,
        "back_label": back_label,
        "fields": {name: value for name, value in fields.items() if value not in (None, "")},
    }
    return render(request, "appeals/review_confirm.html", context)
