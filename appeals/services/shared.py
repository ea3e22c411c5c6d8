"""What the appeal use cases share: the refusal, who may act, attachments, notices."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.urls import reverse

from accounts.models import User
from accounts.roles import REVIEW_APPEALS
from appeals.models import (
    Appeal,
    Attachment,
    Message,
)
from appeals.operations import claims
from notifications.services import notify


class AppealRefused(ValidationError):
    """The request cannot be carried out; the message says why, in plain words."""


def require_claim(appeal: Appeal, reviewer) -> None:
    """Only the reviewer holding the claim works the appeal (and their activity renews it).

    A claim that lapsed (no activity for APPEAL_LEASE_MINUTES) or was released or reassigned
    is gone: the former holder's action is refused until they claim the appeal again.
    """
    holder_id = (
        Appeal.objects.select_for_update().values_list("assigned_to", flat=True).get(pk=appeal.pk)
    )
    if holder_id == reviewer.pk:
        claims.renew_lease(appeal, reviewer)
        return
    if holder_id is None:
        raise AppealRefused(
            "You do not hold this appeal: claim it first. If you held it, your claim ended "
            "(released, reassigned, or no activity for "
            f"{settings.APPEAL_LEASE_MINUTES} minutes), so nothing was recorded."
        )
    raise AppealRefused("Another reviewer holds this appeal, so nothing was recorded.")


def require_reviewer(user) -> None:
    if not user.has_perm(REVIEW_APPEALS):
        raise AppealRefused("Only Trust & Safety reviewers can do this.")


def store_attachments(
    appeal: Appeal, uploads, *, uploaded_by, message: Message | None = None
) -> list[Attachment]:
    stored = []
    for upload in uploads:
        attachment = Attachment(
            appeal=appeal,
            message=message,
            uploaded_by=uploaded_by,
            display_name=upload.display_name,
            content_type=upload.content_type,
            size=upload.size,
            sha256=upload.sha256,
        )
        attachment.file.save("upload", ContentFile(upload.data), save=False)
        attachment.save()
        stored.append(attachment)
    return stored


def notify_staff(recipients, appeal: Appeal, kind: str, *, subject: str, body: str) -> None:
    """Tell each staff member of a step on `appeal` that waits on them, linking to its review
    page."""
    url = reverse("appeals:review-detail", args=[appeal.pk])
    for recipient in recipients:
        notify(recipient, kind=kind, appeal=appeal, subject=subject, body=body, url=url)


def notify_holder(appeal: Appeal, kind: str, *, subject: str, body: str) -> None:
    """Tell the reviewer holding `appeal`, if anyone does (otherwise it waits in its queue,
    where its status shows)."""
    holder_id = Appeal.objects.values_list("assigned_to", flat=True).get(pk=appeal.pk)
    if holder_id is not None:
        notify_staff(User.objects.filter(pk=holder_id), appeal, kind, subject=subject, body=body)


def eligible_approvers(appeal: Appeal):
    """Who may give a proposed decision its second review: active reviewers who neither
    proposed it nor took part in the decision appealed."""
    barred = appeal.decision_takers() | {appeal.proposed_by_id}
    return (
        User.objects.active()
        .with_role_permission(REVIEW_APPEALS)
        .exclude(pk__in=barred - {None})
        .order_by("display_name", "pk")
    )


def notify_freelancer(appeal: Appeal, kind: str, *, subject: str, body: str) -> None:
    notify(
        appeal.freelancer,
        kind=kind,
        appeal=appeal,
        subject=subject,
        body=body,
        url=appeal.get_absolute_url(),
    )
