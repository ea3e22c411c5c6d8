"""What the appeal use cases share: the refusal, who may act, attachments, notices."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile

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


def notify_freelancer(appeal: Appeal, kind: str, *, subject: str, body: str) -> None:
    notify(
        appeal.freelancer,
        kind=kind,
        appeal=appeal,
        subject=subject,
        body=body,
        url=appeal.get_absolute_url(),
    )
