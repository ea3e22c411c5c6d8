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


# The workspace's composers and forms, each one a slot of the page the live poll can replace.
COMPOSER_SLOTS = ("reply", "macro", "ask", "decide", "reassign")


def _stage(status: str) -> str:
    """What the composers care about in the status: waiting for the freelancer, in second review,
    closed (decided or withdrawn), or otherwise open. Submitted and in review are one stage, so
    the first answer of the freelancer does not replace a question or a decision being typed."""
    if status == Appeal.Status.AWAITING_FREELANCER:
        return "awaiting"
    if status == Appeal.Status.SECOND_REVIEW:
        return "second_review"
    if status in Appeal.CLOSED_STATUSES:
        return status
    return "open"


def composer_keys(status: str, holder_id: int | None, user_id: int) -> dict[str, str]:
    """For each composer slot, a key of what it shows to `user_id` in this state: the live poll
    replaces a slot only when its key changed, so text typed in a composer that still applies
    is never lost, and a form that no longer applies (the question while waiting for the
    freelancer, the decision once decided, the reply once someone else holds the case) goes."""
    stage = _stage(status)
    if stage in Appeal.CLOSED_STATUSES:
        return dict.fromkeys(COMPOSER_SLOTS, stage)
    mine = "mine" if holder_id and holder_id == user_id else f"held-by-{holder_id or 0}"
    return {
        "reply": mine,
        "macro": "mine" if mine == "mine" else "not-mine",
        "ask": f"{mine}:{stage}",
        "decide": f"{'mine' if mine == 'mine' else 'not-mine'}:{stage == 'second_review'}",
        "reassign": f"{holder_id or 0}",
    }


def seen_state(seen: str) -> tuple[str, int | None] | None:
    """The status and holder the open page was rendered with, read from its marker (None when
    the marker is not one of ours)."""
    parts = seen.split("|", 1)[0].split(".")
    if len(parts) < 2 or parts[0] not in Appeal.Status.values or not parts[1].isdigit():
        return None
    return parts[0], int(parts[1]) or None


def slots_to_replace(seen: str, appeal: Appeal, user_id: int) -> set[str]:
    """The composer slots whose content no longer applies since the page was rendered."""
    before = seen_state(seen)
    if before is None:
        return set(COMPOSER_SLOTS)
    old = composer_keys(*before, user_id)
    new = composer_keys(appeal.status, appeal.assigned_to_id, user_id)
    return {slot for slot in COMPOSER_SLOTS if old[slot] != new[slot]}


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
