"""Use cases of the enforcement area, one module per concern. Each use case is one transaction
and writes its audit trail; callers use them as `services.issue_action(...)`.

- `catalogue`: drafting and publishing rule versions
- `issuing`: issuing actions (the only way one is created) and the staff form's entry point
- `intake`: detection systems' sources and their idempotent intake
- `terminations`: confirming, withdrawing and taking effect of proposed terminations
- `reversal`: lifting and reducing actions, releasing funds, correcting client notices
- `client_notices`: notices the marketplace records later, and its acknowledgements
- `expiry`: restrictions that reach their end date
- `submission`: submitting statements to the DSA Transparency Database (optional)
"""

from enforcement.services.catalogue import (
    draft_rule_version,
    publish_rule_translation,
    publish_rule_version,
)
from enforcement.services.client_notices import (
    NothingToAcknowledge,
    NoticeConflict,
    acknowledge_correction,
    record_client_notice,
)
from enforcement.services.expiry import expire_ended_actions, release_scheduled_funds
from enforcement.services.intake import (
    IntakeConflict,
    create_intake_source,
    replace_intake_token,
    revoke_intake_source,
    submit_from_source,
)
from enforcement.services.issuing import (
    PREVIEW_MAX_AGE,
    SUBMISSION_VERB,
    ActionRefused,
    ActionRequest,
    ClientNoticeInput,
    EvidenceInput,
    action_row,
    client_notice_rows,
    evidence_rows,
    issue_action,
    issue_once,
    needs_lead_review,
    termination_takes_effect_at,
    usable_lead_review,
)
from enforcement.services.reversal import (
    ActionNotChanged,
    correction_preview,
    lift_action,
    reduce_action,
    reduction_errors,
)
from enforcement.services.submission import submit_batch, submit_statements
from enforcement.services.terminations import (
    ConfirmationRefused,
    confirm_termination,
    record_lead_review,
    take_effect_due,
    withdraw_termination,
)

__all__ = [
    "NoticeConflict",
    "NothingToAcknowledge",
    "acknowledge_correction",
    "record_client_notice",
    "PREVIEW_MAX_AGE",
    "SUBMISSION_VERB",
    "ActionNotChanged",
    "ActionRefused",
    "ActionRequest",
    "ClientNoticeInput",
    "ConfirmationRefused",
    "EvidenceInput",
    "IntakeConflict",
    "action_row",
    "client_notice_rows",
    "confirm_termination",
    "correction_preview",
    "create_intake_source",
    "draft_rule_version",
    "evidence_rows",
    "expire_ended_actions",
    "issue_action",
    "issue_once",
    "needs_lead_review",
    "usable_lead_review",
    "lift_action",
    "publish_rule_translation",
    "publish_rule_version",
    "record_lead_review",
    "reduce_action",
    "reduction_errors",
    "release_scheduled_funds",
    "replace_intake_token",
    "revoke_intake_source",
    "submit_batch",
    "submit_from_source",
    "submit_statements",
    "take_effect_due",
    "termination_takes_effect_at",
    "withdraw_termination",
]
