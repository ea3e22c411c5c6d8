"""The case bundle a freelancer can take to an out-of-court dispute settlement body: one JSON,
one PDF and a ZIP with the attachments, all built from the same dictionary.

It is the freelancer's view of the case, whoever downloads it (staff too): the conversation
without internal notes, evidence summaries without internal detail, the timeline without
routing, and a decision only once it was taken (a proposal under second review is not one).

The JSON is built in the request (it is fast). The PDF and the ZIP are prepared by a worker
(`appeals.services.case_files`), in the language of whoever asked for them: the labels, headings
and redress texts are translated, the rule versions' binding English text is not."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import datetime

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from appeals.event_labels import event_actor_for_freelancer, event_reason_for_freelancer
from appeals.models import Appeal
from enforcement.models import ActionEvent, EnforcementAction, RuleVersion
from enforcement.redress import out_of_court_bodies, register_url

FORMAT = "recourse-case-bundle/1"


def load_case(action_pk: int, **scope) -> tuple[EnforcementAction, Appeal | None]:
    """The action (with its statement) and its appeal as the freelancer sees it, in a fixed
    number of queries. `scope` narrows the action (e.g. `account=user`)."""
    action = (
        EnforcementAction.objects.with_statement()
        .select_related("appeal")
        .get(pk=action_pk, **scope)
    )
    appeal = (
        Appeal.objects.with_thread(internal=False)
        .prefetch_related("attachments")
        .filter(action=action)
        .first()
    )
    return action, appeal


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _version(version: RuleVersion) -> dict:
    return {
        "rule": version.rule.key,
        "title": version.rule.title,
        "version": version.number,
        "text": version.text,
        "effective_from": _when(version.effective_from),
        "url": version.public_url(),
    }


def _attachment(attachment) -> dict:
    return {
        "file": f"attachments/{attachment.pk}-{attachment.display_name}",
        "name": attachment.display_name,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "sha256": attachment.sha256,
        "uploaded_at": _when(attachment.created_at),
    }


def _action_event(event: ActionEvent) -> dict:
    # The confirming staff member is named in the reason; the freelancer sees a role.
    reason = (
        _("A second member of our team confirmed the proposed termination.")
        if event.kind == ActionEvent.Kind.CONFIRMED
        else event.reason
    )
    return {
        "at": _when(event.at),
        "about": "action",
        "what": event.get_kind_display(),
        "by": event.actor_label(),
        "reason": reason,
    }


def build_bundle(action: EnforcementAction, appeal: Appeal | None) -> dict:
    decided = appeal is not None and appeal.status == Appeal.Status.DECIDED
    timeline = [_action_event(event) for event in action.events.all()]
    if appeal is not None:
        timeline += [
            {
                "at": _when(event.at),
                "about": "appeal",
                "what": event.to_label(),
                "by": event_actor_for_freelancer(event),
                "reason": event_reason_for_freelancer(event),
            }
            for event in appeal.events.all()
        ]
    timeline.sort(key=lambda entry: entry["at"])
    attachments = []
    conversation = []
    if appeal is not None:
        attachments = [_attachment(item) for item in appeal.statement_attachments]
        for message in appeal.messages.all():
            files = [_attachment(item) for item in message.attachments.all()]
            attachments += files
            conversation.append(
                {
                    "at": _when(message.created_at),
                    "kind": message.get_kind_display(),
                    "by": _("Freelancer")
                    if message.author_id == appeal.freelancer_id
                    else _("Trust & Safety reviewer"),
                    "text": message.body,
                    "attachments": [item["file"] for item in files],
                }
            )
    return {
        "format": FORMAT,
        "generated_at": _when(timezone.now()),
        "platform": settings.SITE_URL,
        "statement_of_reasons": {
            "puid": action.puid,
            "restriction": action.get_restriction_type_display(),
            "status": action.get_status_display(),
            "restricted_capabilities": action.capability_labels(),
            "decision_visibility": action.decision_visibility,
            "decision_visibility_other": action.decision_visibility_other,
            "decision_monetary": action.decision_monetary,
            "decision_monetary_other": action.decision_monetary_other,
            "decision_provision": action.decision_provision,
            "decision_account": action.decision_account,
            "account_type": action.account_type,
            "decision_ground": action.decision_ground,
            "incompatible_content_ground": action.incompatible_content_ground,
            "incompatible_content_explanation": action.incompatible_content_explanation,
            "category": action.category,
            "content_type": action.content_type,
            "territorial_scope": action.territorial_scope,
            "source_type": action.source_type,
            "automated_detection": "Yes" if action.automated_detection else "No",
            "automated_decision": action.automated_decision,
            "facts": action.facts,
            "reason_code": {
                "code": action.reason_code.code,
                "title": action.reason_title,
                "explanation": action.reason_explanation,
                "what_you_can_do": action.reason_what_you_can_do,
            },
            "rules": [_version(version) for version in action.cited_versions.all()],
            "evidence": [
                {
                    "signal": item.get_signal_category_display(),
                    "observed_at": _when(item.observed_at),
                    "summary": item.summary,
                    "redaction": item.get_redaction_display(),
                    "redaction_reason": item.redaction_reason,
                }
                for item in action.evidence_items.all()
            ],
            "notified_at": _when(action.notified_at),
            "starts_at": _when(action.starts_at),
            "ends_at": _when(action.ends_at),
            "takes_effect_at": _when(action.takes_effect_at),
            "appeal_deadline": _when(action.appeal_deadline),
            "funds": {
                "held": str(action.funds_held_amount),
                "released": str(action.funds_released_amount),
                "currency": action.funds_currency,
                "release_condition": action.funds_release_condition,
                "released_at": _when(action.funds_released_at),
            },
        },
        "appeal": None
        if appeal is None
        else {
            "submitted_at": _when(appeal.submitted_at),
            "status": appeal.get_status_display(),
            "requested_outcomes": appeal.requested_outcome_labels(),
            "statement": appeal.statement,
            "attachments": [item.pk for item in appeal.statement_attachments],
        },
        "conversation": conversation,
        "decision": None
        if not decided
        else {
            "outcome": appeal.get_outcome_display(),
            "decided_at": _when(appeal.decided_at),
            "reasons": appeal.decision_reasons,
            "second_reviewer_confirmed": appeal.approved_by_id is not None,
            "rules": [_version(version) for version in appeal.decided_versions.all()],
        },
        "timeline": timeline,
        "client_notices": [
            {
                "client": notice.client_name,
                "contract": notice.contract_reference,
                "shown_at": _when(notice.shown_at),
                "text": notice.text,
                "correction": None
                if not hasattr(notice, "correction")
                else {
                    "sent_at": _when(notice.correction.created_at),
                    "text": notice.correction.text,
                },
            }
            for notice in action.client_notices.all()
        ],
        "redress": {
            "internal_complaint": _(
                "Appeal inside Recourse: free, online, decided by a person who did not take "
                "the original decision."
            ),
            "out_of_court_bodies": [body.as_json() for body in out_of_court_bodies()],
            "out_of_court_bodies_register": register_url(),
            "courts": _(
                "The decision can be brought before a court under the law that applies to the "
                "contract with the marketplace."
            ),
            "digital_services_coordinator": _(
                "A complaint about the marketplace's compliance with the Digital Services Act "
                "can be lodged with the Digital Services Coordinator of the member state where "
                "the freelancer lives or is established."
            ),
        },
        "attachments": attachments,
    }


def bundle_json(bundle: dict) -> bytes:
    return json.dumps(bundle, ensure_ascii=False, indent=2).encode()


def _restricted_fetcher():
    """WeasyPrint fetches nothing but `data:` URLs (the template inlines its style)."""
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols={"data"}, allow_redirects=False, timeout=1)


def bundle_pdf(bundle: dict) -> bytes:
    # Imported here: WeasyPrint loads pango and fonts at import, which no other page needs.
    from weasyprint import HTML

    html = render_to_string("appeals/bundle/case_bundle.pdf.html", {"bundle": bundle})
    return HTML(string=html, base_url="data:,", url_fetcher=_restricted_fetcher()).write_pdf()


def bundle_zip(bundle: dict, appeal: Appeal | None, *, pdf: bytes | None = None) -> bytes:
    """The JSON, the PDF (`pdf` if it was rendered already) and every attachment the freelancer
    may see, under the names the JSON lists (each with its SHA-256)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("case.json", bundle_json(bundle))
        archive.writestr("case.pdf", pdf if pdf is not None else bundle_pdf(bundle))
        if appeal is not None:
            visible = {item["file"] for item in bundle["attachments"]}
            for attachment in appeal.attachments.all():
                name = f"attachments/{attachment.pk}-{attachment.display_name}"
                if name in visible:
                    with attachment.file.open("rb") as handle:
                        archive.writestr(name, handle.read())
    return buffer.getvalue()
