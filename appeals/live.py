"""The live case: a marker of everything the workspace shows that others can change.

The reviewer's page polls with the marker it was rendered with; the marker is read in one query
(the appeal's status, holder and last update, and its newest message and event ids, each an
index lookup), so an idle poll answers 204 after that query alone.
"""

from __future__ import annotations

from django.db.models import Max, OuterRef, Subquery

from appeals.models import Appeal, AppealEvent, Message


def _newest(model, field: str = "id") -> Subquery:
    return Subquery(
        model.objects.filter(appeal=OuterRef("pk"))
        .order_by()
        .values("appeal")
        .annotate(newest=Max(field))
        .values("newest")[:1]
    )


def case_marker(appeals, pk: int) -> str | None:
    """The marker of appeal `pk` among `appeals` (a reviewer's scope), or None if not in it."""
    row = (
        appeals.filter(pk=pk)
        .annotate(last_message=_newest(Message), last_event=_newest(AppealEvent))
        .values_list("status", "assigned_to_id", "updated_at", "last_message", "last_event")
        .first()
    )
    if row is None:
        return None
    status, holder, updated_at, last_message, last_event = row
    return (
        f"{status}.{holder or 0}.{updated_at.timestamp():.6f}.{last_message or 0}.{last_event or 0}"
    )


def marker_with_presence(marker: str, others: list[str]) -> str:
    """The page's marker also covers who else is here, so the banner changes with the poll."""
    return marker + "|" + ",".join(others)


def appeal_marker(appeal: Appeal) -> str:
    """The marker of an appeal loaded with its thread and events (no query)."""
    messages = [m.pk for m in appeal.messages.all()]
    events = [e.pk for e in appeal.events.all()]
    return (
        f"{appeal.status}.{appeal.assigned_to_id or 0}.{appeal.updated_at.timestamp():.6f}."
        f"{max(messages, default=0)}.{max(events, default=0)}"
    )
