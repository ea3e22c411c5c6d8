"""Display helpers for the freelancer's appeal panel on the case page."""

from django import template

from appeals.models import Appeal, AppealEvent, Message

register = template.Library()


@register.filter
def author_for_freelancer(message: Message) -> str:
    """Shows "You" or the team: a freelancer never sees a reviewer's personal account details."""
    return message.author_label(for_freelancer=True)


@register.filter
def event_actor_for_freelancer(event: AppealEvent) -> str:
    if event.actor_id is None:
        return "Automated system"
    if event.actor_id == event.appeal.freelancer_id:
        return "You"
    return "Trust & Safety team"


@register.filter
def event_reason_for_freelancer(event: AppealEvent) -> str:
    """The reason as the freelancer may read it.

    Until a second reviewer confirms it, a proposed decision is not the freelancer's to see (they
    are told "decision under second review"), and neither is why a second reviewer returned it:
    both reasons describe the unconfirmed proposal.
    """
    if event.to_status == Appeal.Status.SECOND_REVIEW:
        return "A reviewer proposed a decision; a second reviewer must confirm it."
    if (
        event.from_status == Appeal.Status.SECOND_REVIEW
        and event.to_status != Appeal.Status.DECIDED
    ):
        return "The second reviewer sent the proposed decision back for more review."
    return event.reason
