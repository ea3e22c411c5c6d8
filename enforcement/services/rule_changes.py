"""Telling people about a new version of a rule their action relies on (guarantee 10).

Publishing a version notifies every freelancer with an action in force (or a termination
proposed) that cites any version of that rule: one inbox entry and email per person, with the
change summary and the word-level diff of the text. A version marked as narrowing the rule
also offers those actions without an appeal a fresh review: an appeal may be filed until
`fresh_review_until`, even after the six-month window, and is filed and routed like any other.

The queries are a fixed number whatever the number of people affected (bulk writes).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from enforcement.diff import Segment, word_diff
from enforcement.models import ActionEvent, EnforcementAction, RuleVersion
from infra.dates import format_day, format_when
from notifications.models import Notification
from notifications.services import in_language_of, language_of, notify_many

LIVE_STATUSES = (
    EnforcementAction.Status.PENDING,
    EnforcementAction.Status.ACTIVE,
    EnforcementAction.Status.MODIFIED,
)


def diff_as_text(segments: list[Segment]) -> str:
    """[-removed words-] and {+added words+}, the convention of `git diff --word-diff`."""
    marks = {"same": ("", ""), "removed": ("[-", "-]"), "added": ("{+", "+}")}
    return "".join(marks[s.kind][0] + s.text + marks[s.kind][1] for s in segments)


def notify_rule_change(version: RuleVersion, *, by) -> int:
    """Notify the freelancers affected by a newly published version. Returns how many."""
    previous = (
        RuleVersion.objects.published()
        .filter(rule_id=version.rule_id, number__lt=version.number)
        .order_by("-number")
        .first()
    )
    if previous is None:
        return 0  # a first version: no action can cite the rule yet
    affected = list(
        EnforcementAction.objects.filter(
            status__in=LIVE_STATUSES, cited_versions__rule_id=version.rule_id
        )
        .exclude(cited_versions=version)
        .distinct()
        .values_list(
            "pk",
            "account_id",
            "appeal_deadline",
            "appeal__id",
            "account__time_zone",
            "account__preferred_language",
        )
    )
    if not affected:
        return 0
    now = timezone.now()
    offered: set[int] = set()
    review_until = None
    if version.narrows:
        review_until = max(version.effective_from, now) + timedelta(
            days=settings.APPEAL_WINDOW_DAYS
        )
        # Only actions without an appeal: an open appeal is already being reviewed, and an
        # action has exactly one appeal.
        offered = {row[0] for row in affected if row[3] is None}
        EnforcementAction.objects.filter(pk__in=offered).filter(
            Q(fresh_review_until__isnull=True) | Q(fresh_review_until__lt=review_until)
        ).update(fresh_review_until=review_until, fresh_review_version=version, updated_at=now)

    ActionEvent.objects.bulk_create(
        ActionEvent(
            action_id=pk,
            kind=ActionEvent.Kind.REVIEW_OFFERED
            if pk in offered
            else ActionEvent.Kind.RULE_CHANGED,
            actor=by,
            reason=f"{version} published"
            + (f"; fresh review open until {review_until:%Y-%m-%d}" if pk in offered else ""),
        )
        for pk, _account, _deadline, _appeal, _zone, _lang in affected
    )

    by_account: dict[int, list[int]] = defaultdict(list)
    zones: dict[int, str] = {}
    languages: dict[int, str] = {}
    for pk, account, _deadline, _appeal, zone, language in affected:
        by_account[account].append(pk)
        zones[account] = zone
        languages[account] = language
    diff = diff_as_text(word_diff(previous.text, version.text))
    notifications = [
        Notification(
            recipient_id=account,
            kind=Notification.Kind.RULE_CHANGED,
            language=language_of(languages[account]),
            subject=_in(
                languages[account],
                gettext_lazy("Rule {key} changed: version {number}"),
                key=version.rule.key,
                number=version.number,
            ),
            body=_body(
                version,
                previous,
                diff,
                sorted(pks),
                offered,
                review_until,
                zones[account],
                languages[account],
            ),
            url=_url(version, pks, offered),
        )
        for account, pks in by_account.items()
    ]
    notify_many(notifications)
    return len(notifications)


def _url(version: RuleVersion, pks: list[int], offered: set[int]) -> str:
    mine_offered = [pk for pk in pks if pk in offered]
    if len(mine_offered) == 1:
        return reverse("appeals:case-detail", args=[mine_offered[0]]) + "#appeal"
    return version.get_absolute_url()


def _in(language: str, text, **kwargs) -> str:
    with in_language_of(language):
        return str(format_lazy(text, **kwargs)) if kwargs else str(text)


def _body(
    version,
    previous,
    diff: str,
    pks: list[int],
    offered: set[int],
    review_until,
    zone: str,
    language: str,
) -> str:
    """The notice, in the freelancer's language, with dates in their own time zone (as on
    their pages)."""
    with in_language_of(language):
        return _compose_body(version, previous, diff, pks, offered, review_until, zone)


def _compose_body(
    version, previous, diff: str, pks: list[int], offered: set[int], review_until, zone: str
) -> str:
    actions = ", ".join(f"#{pk}" for pk in pks)
    lines = [
        _(
            "The rule %(key)s “%(title)s”, which your decision %(actions)s relies on, has a new "
            "version: version %(number)s, in force from %(since)s. Your decision keeps citing "
            "version %(previous)s, the text that applied when it was taken."
        )
        % {
            "key": version.rule.key,
            "title": version.rule.title,
            "actions": actions,
            "number": version.number,
            "since": format_when(version.effective_from, zone),
            "previous": previous.number,
        },
        "",
        _("What changed: %(summary)s") % {"summary": version.change_summary},
        "",
        _("The text, word by word ([-removed-] {+added+}):"),
        diff,
    ]
    mine_offered = [pk for pk in pks if pk in offered]
    if mine_offered:
        lines += [
            "",
            _(
                "This change narrows the rule. You may ask for a fresh review of %(actions)s "
                "until %(day)s, even if your time to appeal has ended: open the decision and "
                "file an appeal. A person who did not take the decision will review it, like "
                "any other appeal."
            )
            % {
                "actions": ", ".join(f"#{pk}" for pk in mine_offered),
                "day": format_day(review_until, zone),
            },
        ]
    return "\n".join(lines)
