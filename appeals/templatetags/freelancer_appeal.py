"""Display helpers for the freelancer's appeal panel on the case page."""

from django import template

from appeals.event_labels import event_actor_for_freelancer, event_reason_for_freelancer
from appeals.models import Message

register = template.Library()


@register.filter
def author_for_freelancer(message: Message) -> str:
    """Shows "You" or the team: a freelancer never sees a reviewer's personal account details."""
    return message.author_label(for_freelancer=True)


# Shared with the case bundle (appeals/bundle.py), which a worker renders outside any template.
register.filter("event_actor_for_freelancer", event_actor_for_freelancer)
register.filter("event_reason_for_freelancer", event_reason_for_freelancer)
