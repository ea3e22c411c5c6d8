"""The conversation of an appeal: messages, internal notes and requests for information."""

from __future__ import annotations

from django.db import transaction
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from appeals.models import (
    Appeal,
    AppealClock,
    InvalidTransition,
    Message,
)
from appeals.operations import claims, sla
from appeals.services.shared import (
    AppealRefused,
    notify_freelancer,
    notify_holder,
    require_claim,
    require_reviewer,
    store_attachments,
)
from appeals.uploads import CleanUpload
from notifications.models import Notification


@transaction.atomic(durable=True)
def post_message(
    appeal: Appeal, *, author, body: str, uploads: list[CleanUpload] = (), internal: bool = False
) -> Message:
    """Add to the conversation. A freelancer's answer to a request moves the appeal back to
    review; a reviewer's first message starts the review; internal notes change nothing."""
    body = body.strip()
    if not body:
        raise AppealRefused({"body": _("Write a message first.")})
    if len(body) > 10_000:
        raise AppealRefused({"body": _("Messages are limited to 10,000 characters.")})
    # The status decides whether the message is accepted and what kind it is, so read it under
    # a lock: a decision or withdrawal committed since `appeal` was loaded must win.
    appeal.status = (
        Appeal.objects.select_for_update().values_list("status", flat=True).get(pk=appeal.pk)
    )
    if not appeal.is_open():
        raise AppealRefused(f"This appeal is {appeal.get_status_display().lower()}.")

    is_freelancer = author.pk == appeal.freelancer_id
    if is_freelancer:
        if internal:
            raise AppealRefused("Only reviewers can write internal notes.")
        kind = Message.Kind.REPLY if appeal.awaits_freelancer() else Message.Kind.MESSAGE
    else:
        require_reviewer(author)
        kind = Message.Kind.INTERNAL_NOTE if internal else Message.Kind.MESSAGE
        if not internal:
            # Only the claim holder speaks to the freelancer; any reviewer may add a note.
            require_claim(appeal, author)
        elif not Appeal.objects.for_reviewer(author).filter(pk=appeal.pk).exists():
            # ...to an appeal they may open: the same scope as every staff page (the views
            # answer 404 before this; a caller that skips them is refused here).
            raise AppealRefused("You cannot work on this appeal.")

    message = Message.objects.create(appeal=appeal, author=author, kind=kind, body=body)
    store_attachments(appeal, uploads, uploaded_by=author, message=message)

    if kind == Message.Kind.REPLY:
        appeal.transition(
            Appeal.Status.IN_REVIEW, actor=author, reason="The freelancer answered the request."
        )
        sla.resume_clocks(appeal, actor=author)
        claims.renew_lease_after_reply(appeal)
    if is_freelancer:
        notify_holder(
            appeal,
            Notification.Kind.FREELANCER_REPLIED,
            subject=(
                f"The freelancer answered your question on appeal #{appeal.pk}"
                if kind == Message.Kind.REPLY
                else f"The freelancer wrote about appeal #{appeal.pk}"
            ),
            body=message.body,
        )
    elif kind == Message.Kind.MESSAGE and not is_freelancer:
        sla.stop_clocks(appeal, AppealClock.Kind.FIRST_RESPONSE)
        if appeal.status == Appeal.Status.SUBMITTED:
            appeal.transition(Appeal.Status.IN_REVIEW, actor=author, reason="Review started.")
        notify_freelancer(
            appeal,
            Notification.Kind.NEW_MESSAGE,
            subject=format_lazy(
                gettext_lazy("New message about your appeal #{number}"), number=appeal.pk
            ),
            body=message.body,
        )
    return message


@transaction.atomic(durable=True)
def request_information(appeal: Appeal, *, reviewer, question: str) -> Message:
    require_reviewer(reviewer)
    question = question.strip()
    if not question:
        raise AppealRefused({"question": "Write the question for the freelancer."})
    require_claim(appeal, reviewer)
    try:
        appeal.transition(
            Appeal.Status.AWAITING_FREELANCER, actor=reviewer, reason="Information requested."
        )
    except InvalidTransition as exc:
        raise AppealRefused(str(exc)) from exc
    # The question is the first response; the decision clock waits for the answer.
    sla.stop_clocks(appeal, AppealClock.Kind.FIRST_RESPONSE)
    sla.pause_clocks(appeal, actor=reviewer)
    message = Message.objects.create(
        appeal=appeal, author=reviewer, kind=Message.Kind.INFO_REQUEST, body=question
    )
    notify_freelancer(
        appeal,
        Notification.Kind.INFO_REQUESTED,
        subject=format_lazy(
            gettext_lazy("We need information for your appeal #{number}"), number=appeal.pk
        ),
        body=question,
    )
    return message
