"""Filing an appeal (once per action, whatever the retries) and withdrawing it."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from appeals.models import (
    Appeal,
    AppealClock,
    AppealEvent,
    Attachment,
    InvalidTransition,
)
from appeals.operations import sla
from appeals.services.shared import (
    AppealRefused,
    notify_holder,
    store_attachments,
)
from appeals.uploads import CleanUpload
from enforcement.models import EnforcementAction
from infra.dates import format_day
from infra.queueing import enqueue
from notifications.models import Notification

logger = logging.getLogger(__name__)


def file_appeal(
    action: EnforcementAction,
    *,
    statement: str,
    requested_outcomes: Iterable[str],
    uploads: list[CleanUpload],
    filed_by,
) -> tuple[Appeal, bool]:
    """File the one appeal of an action. A repeat (double click, second tab, retried request)
    returns the existing appeal with created=False, never an error and never a second appeal."""
    if action.account_id != filed_by.pk:
        raise AppealRefused(_("Only the account holder can appeal this action."))
    existing = Appeal.objects.filter(action=action).first()
    if existing is not None:
        return existing, False
    if action.status == EnforcementAction.Status.WITHDRAWN:
        raise AppealRefused(
            _("This proposed termination was withdrawn: there is nothing to appeal.")
        )
    if not action.appeal_window_open():
        raise AppealRefused(
            _("The appeal window closed on %(day)s, six months after you were notified.")
            % {"day": format_day(action.appeal_deadline)}
        )
    statement = statement.strip()
    if not statement:
        raise AppealRefused({"statement": _("Tell us why the decision is wrong.")})
    if len(statement) > 10_000:
        raise AppealRefused({"statement": _("Your statement is limited to 10,000 characters.")})
    requested_outcomes = list(requested_outcomes)
    outcomes = Appeal.normalise_outcomes(requested_outcomes)
    if not outcomes or len(outcomes) != len(set(requested_outcomes)):
        raise AppealRefused(
            {"requested_outcomes": _("Choose what you ask for: one or more of the options.")}
        )

    stored: list[Attachment] = []
    try:
        with transaction.atomic(durable=True):
            appeal = Appeal.objects.create(
                action=action,
                freelancer=filed_by,
                original_decider_id=action.decided_by_id,
                statement=statement,
                requested_outcomes=outcomes,
                language=filed_by.preferred_language,
                region=filed_by.country,
            )
            stored = store_attachments(appeal, uploads, uploaded_by=filed_by)
            sla.start_clocks(appeal)
            AppealEvent.objects.create(
                appeal=appeal,
                actor=filed_by,
                to_status=appeal.status,
                reason="Appeal filed.",
            )
    except IntegrityError:
        # Another request filed the appeal between our check and our insert.
        for attachment in stored:
            attachment.file.storage.delete(attachment.file.name)
        return Appeal.objects.get(action=action), False
    # Routing happens in a worker once the appeal is committed, and tells the freelancer the
    # appeal was received with the deadlines of its queue (so no date is promised before it is
    # final). If the broker is down, the empty `routed_at` is the durable marker the periodic
    # re-drive picks up.
    transaction.on_commit(lambda: enqueue("appeals.tasks.route_appeal", appeal.pk))
    return appeal, True


@transaction.atomic(durable=True)
def withdraw_appeal(appeal: Appeal, *, by, reason: str = "") -> Appeal:
    if by.pk != appeal.freelancer_id:
        raise AppealRefused(_("Only the person who appealed can withdraw the appeal."))
    try:
        appeal.transition(Appeal.Status.WITHDRAWN, actor=by, reason=reason or "Withdrawn.")
    except InvalidTransition as exc:
        raise AppealRefused(str(exc)) from exc
    sla.stop_clocks(appeal, AppealClock.Kind.FIRST_RESPONSE, AppealClock.Kind.DECISION)
    notify_holder(
        appeal,
        Notification.Kind.APPEAL_WITHDRAWN,
        subject=f"The freelancer withdrew appeal #{appeal.pk}",
        body=f"Their reason: {reason}" if reason else "They gave no reason.",
    )
    return appeal
