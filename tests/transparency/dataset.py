"""A generated history with known answers, written with bulk_create (valid rows copied from
actions issued through the service), for the report's tests and the browser test."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from appeals.models import Appeal, AppealClock, AppealEvent
from enforcement.models import EnforcementAction, IntakeSource
from tests.factories import (
    ReasonCodeFactory,
    ReviewerFactory,
    RuleFactory,
    copy_actions,
    make_action,
    make_queue,
    published_version,
)

D1 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
D2 = datetime(2026, 3, 20, 9, 0, tzinfo=UTC)


def source(name: str) -> IntakeSource:
    src = IntakeSource(name=name)
    src.set_new_token()
    src.save()
    return src


def copies(template: EnforcementAction, count: int, *, sent_by=None, **fields):
    rows = []
    for _ in range(count):
        row = dict(fields)
        if sent_by is not None:
            sent_by.sent = getattr(sent_by, "sent", 0) + 1
            row |= {"intake_source_id": sent_by.pk, "external_id": f"{sent_by.name}-{sent_by.sent}"}
        rows.append(row)
    return copy_actions(template, rows)


def appeals_for(actions, *, submitted_at, decider=None, outcomes=(), queue=None, **fields):
    """One appeal per action; the first len(outcomes) are decided with those outcomes."""
    rows = []
    for i, action in enumerate(actions):
        row = Appeal(
            action=action,
            freelancer_id=action.account_id,
            original_decider_id=action.decided_by_id,
            statement="It was a mistake.",
            requested_outcomes=[Appeal.RequestedOutcome.LIFT],
            submitted_at=submitted_at,
            queue=queue,
            routed_at=submitted_at if queue else None,
            **fields,
        )
        if i < len(outcomes):
            row.status = Appeal.Status.DECIDED
            row.outcome = outcomes[i]
            row.decision_reasons = "Reasons."
            row.decided_by = decider
            row.decided_at = D2 + timedelta(hours=1)
        rows.append(row)
    return Appeal.objects.bulk_create(rows)


def build_history() -> dict:
    """The known history (all in March 2026):

    - 30 temporary suspensions under rule A (reason a), sent by "Detector X", started D1,
      all appealed on D1; decided on D2: 18 overturned, 2 modified, 10 upheld;
      first responses after 2 h (15), 5 h (10) and 30 h (5) against a 24 h target.
    - 40 warnings under rule B (reason b), sent by "Detector Y", started D2, 12 of them
      notified after they started (late); all appealed on D2 and decided: 10 overturned.
    - 4 payout holds by staff under rule B, started D2: 3 appealed and withdrawn on D2.
    """
    rule_a = RuleFactory(key="TOS-1.1", title="Payments on the marketplace")
    rule_b = RuleFactory(key="TOS-2.1", title="One person, one account")
    reason_a = ReasonCodeFactory(
        code="off-platform-payment", title="Off-platform payment", rule=rule_a
    )
    reason_b = ReasonCodeFactory(code="account-sharing", title="Account sharing", rule=rule_b)
    version_a, version_b = published_version(rule_a), published_version(rule_b)
    x, y = source("Detector X"), source("Detector Y")
    decider = ReviewerFactory()
    queue = make_queue("Payments queue")
    template_a = make_action(version=version_a, reason_code=reason_a)
    template_b = make_action(version=version_b, reason_code=reason_b)

    from_x = copies(
        template_a, 30, sent_by=x, starts_at=D1, notified_at=D1, automated_detection=True
    )
    from_y = copies(
        template_b,
        28,
        sent_by=y,
        restriction_type="warning",
        starts_at=D2,
        notified_at=D2,
        automated_detection=False,
    ) + copies(
        template_b,
        12,
        sent_by=y,
        restriction_type="warning",
        starts_at=D2,
        notified_at=D2 + timedelta(hours=3),
        automated_detection=False,
    )
    by_staff = copies(template_b, 4, restriction_type="payout_hold", starts_at=D2, notified_at=D2)

    outcomes_x = ["overturned"] * 18 + ["modified"] * 2 + ["upheld"] * 10
    appeals_x = appeals_for(
        from_x, submitted_at=D1, decider=decider, outcomes=outcomes_x, queue=queue
    )
    appeals_for(
        from_y,
        submitted_at=D2,
        decider=decider,
        outcomes=["overturned"] * 10 + ["upheld"] * 30,
        queue=queue,
    )
    withdrawn = appeals_for(by_staff[:3], submitted_at=D2, status=Appeal.Status.WITHDRAWN)
    AppealEvent.objects.bulk_create(
        AppealEvent(
            appeal=a, from_status="submitted", to_status="withdrawn", at=D2, reason="Withdrawn."
        )
        for a in withdrawn
    )
    hours = [2] * 15 + [5] * 10 + [30] * 5
    AppealClock.objects.bulk_create(
        AppealClock(
            appeal=a,
            kind="first_response",
            started_at=D1,
            stopped_at=D1 + timedelta(hours=h),
            due_at=D1 + timedelta(hours=24),
        )
        for a, h in zip(appeals_x, hours, strict=True)
    )
    return {
        "rule_a": rule_a,
        "rule_b": rule_b,
        "decider": decider,
        "queue": queue,
        "from_x": from_x,
        "appeals_x": appeals_x,
    }
