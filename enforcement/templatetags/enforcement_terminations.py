"""How a proposed termination reads on the freelancer's pages and the staff pages."""

from django import template

register = template.Library()


@register.filter
def notice_days(action) -> int:
    """The days of notice a proposed termination gives: from when the freelancer was told until
    it can take effect. 0 under an exception."""
    if action.takes_effect_at is None or action.termination_exception:
        return 0
    return max(0, round((action.takes_effect_at - action.notified_at).total_seconds() / 86400))


@register.filter
def proposed_terminations(actions) -> list:
    """The actions of a list that are proposed and not in effect yet."""
    return [action for action in actions if action.is_pending()]
