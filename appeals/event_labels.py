"""How the freelancer reads an appeal event: who acted and why, in their language.

Used by the case page's filters (`appeals.templatetags.freelancer_appeal`) and by the case
bundle (`appeals.bundle`), which a worker renders below the views and templatetags."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from appeals.models import Appeal, AppealEvent

# Reasons the system writes on appeal events (stored in English): shown in the reader's language.
SYSTEM_REASONS = {
    gettext_noop("Appeal filed."),
    gettext_noop("Withdrawn."),
    gettext_noop("The freelancer answered the request."),
    gettext_noop("Review started."),
    gettext_noop("Information requested."),
    gettext_noop("Claimed."),
    gettext_noop("Second reviewer approved the decision."),
}


def event_actor_for_freelancer(event: AppealEvent) -> str:
    if event.actor_id is None:
        return _("Automated system")
    if event.actor_id == event.appeal.freelancer_id:
        return _("You")
    return _("Trust & Safety team")


def event_reason_for_freelancer(event: AppealEvent) -> str:
    """The reason as the freelancer may read it.

    Until a second reviewer confirms it, a proposed decision is not the freelancer's to see (they
    are told "decision under second review"), and neither is why a second reviewer returned it:
    both reasons describe the unconfirmed proposal.
    """
    if event.to_status == Appeal.Status.SECOND_REVIEW:
        return _("A reviewer proposed a decision; a second reviewer must confirm it.")
    if (
        event.from_status == Appeal.Status.SECOND_REVIEW
        and event.to_status != Appeal.Status.DECIDED
    ):
        return _("The second reviewer sent the proposed decision back for more review.")
    if (
        event.to_status == Appeal.Status.DECIDED
        and event.from_status != Appeal.Status.SECOND_REVIEW
        and event.appeal.outcome
    ):
        # Stored as "Decision: <outcome>." in the language of the reviewer's request. A decision
        # confirmed in second review keeps its own system reason (translated below).
        outcome = Appeal.Outcome(event.appeal.outcome).label
        return _("Decision: %(outcome)s.") % {"outcome": outcome}
    return _(event.reason) if event.reason in SYSTEM_REASONS else event.reason
