"""Macros: applying one to a case (its effect), and leads managing them (every change audited)."""

from __future__ import annotations

from django.db import transaction
from django.forms.models import model_to_dict

from accounts.models import record_audit
from accounts.roles import MANAGE_QUEUES
from appeals.models import Appeal, Macro, Message
from appeals.services.conversation import post_message, request_information
from appeals.services.shared import AppealRefused


def apply_macro(appeal: Appeal, macro: Macro, *, reviewer, body: str) -> Message:
    """Do what the macro does with the text the reviewer previewed (and perhaps edited):
    send it, ask it as a question (the decision clock pauses), or keep it as an internal note.

    Each effect goes through the same use case as the hand-written one, with its own checks
    (only the holder speaks to the freelancer; anyone may note)."""
    if not Macro.objects.for_appeal(appeal).filter(pk=macro.pk).exists():
        raise AppealRefused("This canned reply is retired or not meant for this appeal.")
    if macro.effect == Macro.Effect.INFO_REQUEST:
        return request_information(appeal, reviewer=reviewer, question=body)
    return post_message(
        appeal, author=reviewer, body=body, internal=macro.effect == Macro.Effect.INTERNAL_NOTE
    )


def _require_lead(user) -> None:
    if not user.has_perm(MANAGE_QUEUES):
        raise AppealRefused("Only leads manage canned replies.")


def _snapshot(macro: Macro) -> dict:
    return model_to_dict(
        macro, fields=["title", "body", "effect", "queue", "language", "is_active"]
    )


@transaction.atomic(durable=True)
def save_macro(macro: Macro, *, by) -> Macro:
    """Create or change a macro (a lead's form already validated it), with its audit event."""
    _require_lead(by)
    created = macro.pk is None
    before = {} if created else _snapshot(Macro.objects.get(pk=macro.pk))
    macro.save()
    after = _snapshot(macro)
    changed = {k: v for k, v in after.items() if before.get(k) != v}
    record_audit(
        actor=by,
        verb="macro.created" if created else "macro.changed",
        obj=macro,
        summary=(
            f"Canned reply “{macro.title}” created"
            if created
            else f"Canned reply “{macro.title}” changed: {', '.join(changed) or 'nothing'}"
        ),
        data={"before": {k: before.get(k) for k in changed}, "after": changed},
    )
    return macro


@transaction.atomic(durable=True)
def set_macro_active(macro: Macro, *, active: bool, by) -> Macro:
    """Retire a macro (reviewers no longer see it; messages sent with it stay) or restore it."""
    _require_lead(by)
    # Locked and saved (not `QuerySet.update`), so the configuration audit sees the change too;
    # a second click on the same state changes nothing and records nothing.
    locked = Macro.objects.select_for_update().get(pk=macro.pk)
    updated = locked.is_active != active
    if updated:
        locked.is_active = active
        locked.save(update_fields=["is_active"])
    macro.refresh_from_db()
    if updated:
        record_audit(
            actor=by,
            verb="macro.restored" if active else "macro.retired",
            obj=macro,
            summary=f"Canned reply “{macro.title}” {'restored' if active else 'retired'}",
        )
    return macro
