"""An account's track record and its full enforcement history, as the reviewer sees it beside a
case and a lead before agreeing that a long-standing account may be terminated: the
marketplace's synced record (tenure, earnings, contracts, badges, feedback) and every action on
the account with its appeal and outcome and the strikes it carried over time.

Read in a fixed number of queries whatever the length of the history (at most two; none
when the caller already loaded the record and the actions).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils import timezone

from accounts.models import TrackRecord, User
from enforcement.models import EnforcementAction


@dataclass
class AccountHistory:
    account: User
    record: TrackRecord | None
    actions: list[EnforcementAction] = field(default_factory=list)

    @property
    def appeals(self) -> list:
        return [a.appeal for a in self.actions if getattr(a, "appeal", None) is not None]

    def outcome_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for appeal in self.appeals:
            if appeal.status == appeal.Status.DECIDED and appeal.outcome:
                label = appeal.get_outcome_display()
                counts[label] = counts.get(label, 0) + 1
        return counts

    def strikes_now(self) -> int:
        today = timezone.localdate()
        return sum(action.active_strike_count(today) for action in self.actions)

    def strikes_ever(self) -> int:
        return sum(action.strike_count for action in self.actions)

    def strike_rows(self) -> list[EnforcementAction]:
        """Actions that carried strikes, oldest first: strikes over time."""
        today = timezone.localdate()
        rows = [a for a in self.actions if a.strike_count]
        for action in rows:
            action.strikes_counting = action.active_strike_count(today)
        return sorted(rows, key=lambda a: (a.starts_at, a.pk))


_NOT_LOADED = object()


def account_history(
    account: User,
    *,
    actions: list[EnforcementAction] | None = None,
    record: TrackRecord | None | object = _NOT_LOADED,
) -> AccountHistory:
    """The account's history. A caller that already loaded the account's actions (with their
    reason code, rule and appeal, newest first) passes them as `actions`, and its track record
    (or None: never synced) as `record`: the reviewer's case page reads neither twice."""
    if record is _NOT_LOADED:
        record = TrackRecord.objects.filter(user=account).first()
    if record is not None:
        record.user = account  # tenure reads member_since from the account already loaded
    if actions is None:
        actions = list(
            EnforcementAction.objects.for_account(account)
            .select_related("reason_code__rule", "appeal")
            .order_by("-starts_at", "-id")
        )
    return AccountHistory(account=account, record=record, actions=actions)
