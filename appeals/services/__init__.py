"""Use cases of the case itself, one module per concern; callers use `services.file_appeal(...)`.

- `filing`: filing the one appeal of an action, withdrawing it
- `conversation`: messages, internal notes, requests for information
- `decisions`: deciding with reasons, the second review of an upheld termination
- `macros`: applying a canned reply's effect to a case; leads managing them (audited)
- `case_files`: the case bundle as a PDF or ZIP, prepared by a worker (used as a module)
- `shared`: the refusal they raise, who may act, attachments, telling the freelancer

Each is one transaction with its events; side effects (emails, webhooks, routing) are queued
after commit. They call the operations below them (`appeals.operations`) and enforcement.
"""

from appeals.services.conversation import post_message, request_information
from appeals.services.decisions import (
    approve_decision,
    corrections_if_decided,
    decide_appeal,
    return_decision,
)
from appeals.services.filing import file_appeal, withdraw_appeal
from appeals.services.macros import apply_macro, save_macro, set_macro_active
from appeals.services.shared import AppealRefused, eligible_approvers

__all__ = [
    "AppealRefused",
    "apply_macro",
    "approve_decision",
    "corrections_if_decided",
    "decide_appeal",
    "eligible_approvers",
    "file_appeal",
    "post_message",
    "request_information",
    "return_decision",
    "save_macro",
    "set_macro_active",
    "withdraw_appeal",
]
