"""The rule catalogue: drafting a rule version and publishing it (immutable from then on)."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from accounts.models import record_audit
from enforcement.models import (
    ReasonCodeTranslation,
    Rule,
    RuleVersion,
    RuleVersionTranslation,
)
from enforcement.services.rule_changes import notify_rule_change


@transaction.atomic
def draft_rule_version(
    rule: Rule,
    *,
    text: str,
    examples: str = "",
    change_summary: str = "",
    narrows: bool = False,
    effective_from: datetime | None = None,
    drafted_by,
) -> RuleVersion:
    if not text.strip():
        raise ValidationError({"text": "A rule version needs its text."})
    version = RuleVersion.objects.create(
        rule=rule,
        text=text,
        examples=examples,
        change_summary=change_summary,
        narrows=narrows,
        effective_from=effective_from,
    )
    record_audit(actor=drafted_by, verb="rule_version.drafted", obj=version, summary=str(version))
    return version


@transaction.atomic
def publish_rule_version(version: RuleVersion, *, published_by) -> RuleVersion:
    """Publish a draft: it gets the next number and can never change again.

    Rules are never retroactive: the text applies from its effective date, which cannot lie
    before the moment of publication.
    """
    now = timezone.now()
    # Lock the rule so two publications of the same rule cannot take the same number.
    Rule.objects.select_for_update().get(pk=version.rule_id)
    current = RuleVersion.objects.get(pk=version.pk)
    if current.is_published:
        raise ValidationError(f"{current} is already published.")
    effective_from = current.effective_from or now
    if effective_from < now:
        raise ValidationError(
            {"effective_from": "A rule cannot apply before it is published; pick a later date."}
        )
    # The first version needs no change summary; every later one says what changed.
    if current.rule.versions.published().exists() and not current.change_summary.strip():
        raise ValidationError({"change_summary": "Say what changed from the previous version."})
    number = (current.rule.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    RuleVersion.objects.filter(pk=current.pk, published_at__isnull=True).update(
        number=number, published_at=now, published_by=published_by, effective_from=effective_from
    )
    current.refresh_from_db()
    current.notified_count = notify_rule_change(current, by=published_by)
    record_audit(
        actor=published_by,
        verb="rule_version.published",
        obj=current,
        summary=f"Published {current} effective {effective_from:%Y-%m-%d %H:%M}"
        + (" (narrows the rule)" if current.narrows else "")
        + f"; {current.notified_count} freelancer(s) notified",
    )
    return current


@transaction.atomic
def publish_rule_translation(
    translation: RuleVersionTranslation, *, published_by
) -> RuleVersionTranslation:
    """Publish a translation of a published rule version, with its reason codes' translations:
    from then on the database refuses any change to them. The English version stays binding."""
    current = RuleVersionTranslation.objects.select_for_update().get(pk=translation.pk)
    if current.is_published:
        raise ValidationError(f"{current} is already published.")
    version = current.version
    if not version.is_published:
        raise ValidationError("Publish the rule version before its translations.")
    if not current.title.strip() or not current.text.strip():
        raise ValidationError("A translation needs the rule's title and text.")
    strays = current.reasons.exclude(reason_code__rule_id=version.rule_id)
    if strays.exists():
        raise ValidationError("A translation covers only the reason codes of its own rule.")
    now = timezone.now()
    ReasonCodeTranslation.objects.filter(translation=current).update(published_at=now)
    RuleVersionTranslation.objects.filter(pk=current.pk, published_at__isnull=True).update(
        published_at=now, published_by=published_by
    )
    current.refresh_from_db()
    record_audit(
        actor=published_by,
        verb="rule_version_translation.published",
        obj=current,
        summary=f"Published the {current.language} translation of {version}",
        data={"version": version.pk, "language": current.language},
    )
    return current
