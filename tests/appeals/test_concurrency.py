"""Two people acting on one appeal at the same moment: exactly one of them changes it."""

import threading
import time
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import connection

from appeals import services
from appeals.models import Appeal, AppealEvent
from appeals.services import AppealRefused, decisions
from enforcement.models import ActionEvent, ClientCorrection, EnforcementAction
from notifications.models import Notification
from tests.factories import ReviewerFactory, make_action, make_appeal

# These tests commit, so on_commit hooks queue emails: in memory, not in the project's var/.
pytestmark = pytest.mark.usefixtures("celery_in_memory")

Status = Appeal.Status
Outcome = Appeal.Outcome
REASONS = "The invoice shows the payment went through the marketplace."


def _run_together(*work: Callable[[], object]) -> list[object]:
    """Run each callable in its own thread (own connection), released at the same moment.

    Returns what each returned or raised, in order.
    """
    start_together = threading.Barrier(len(work))
    results: list[object] = [None] * len(work)

    def run(index: int, job: Callable[[], object]) -> None:
        try:
            start_together.wait()
            results[index] = job()
        except BaseException as exc:  # noqa: BLE001 — returned to the test
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(work)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def _decide(appeal_pk: int, reviewer, outcome: str) -> Callable[[], Appeal]:
    # Each thread loads its own copy before the start, as two open browser tabs would.
    appeal = Appeal.objects.select_related("action").get(pk=appeal_pk)
    versions = list(appeal.action.cited_versions.all())

    def decide() -> Appeal:
        return services.decide_appeal(
            appeal, outcome=outcome, reasons=REASONS, versions=versions, decided_by=reviewer
        )

    return decide


def _action_events(action_pk: int, kind: str) -> int:
    return ActionEvent.objects.filter(action_id=action_pk, kind=kind).count()


@pytest.mark.parametrize("second_hand", ["holder-in-a-second-tab", "reviewer-without-the-claim"])
@pytest.mark.django_db(transaction=True)
def test_two_decisions_submitted_at_once_record_exactly_one_decision(freelancer, second_hand):
    """Only the holder decides, so "two reviewers at once" is the holder deciding in two tabs,
    or the holder and a reviewer who opened the appeal without claiming it. Either way exactly
    one decision is recorded and the other gets a clear message."""
    holder, other_reviewer = ReviewerFactory(), ReviewerFactory()
    second = holder if second_hand == "holder-in-a-second-tab" else other_reviewer
    winners = set()
    for round_ in range(6):
        action = make_action(freelancer, client_notices=2)
        appeal = make_appeal(action, claimed_by=holder)
        # Alternate who overturns, so that both outcomes can win (and both get undone or not).
        outcomes = [Outcome.OVERTURNED, Outcome.UPHELD][:: 1 if round_ % 2 else -1]

        results = _run_together(
            _decide(appeal.pk, holder, outcomes[0]),
            _decide(appeal.pk, second, outcomes[1]),
        )

        decided = [r for r in results if isinstance(r, Appeal)]
        refused = [r for r in results if isinstance(r, AppealRefused)]
        assert (len(decided), len(refused)) == (1, 1), results
        if second is holder:
            assert "decided" in refused[0].messages[0]
        else:
            assert isinstance(results[0], Appeal), results
            assert refused[0].messages == [
                "Another reviewer holds this appeal, so nothing was recorded."
            ]
        final = Appeal.objects.get(pk=appeal.pk)
        assert final.status == Status.DECIDED
        assert final.decided_by == decided[0].decided_by == holder
        assert final.outcome == decided[0].outcome
        winners.add(final.outcome)
        assert AppealEvent.objects.filter(appeal=appeal, to_status=Status.DECIDED).count() == 1
        assert Notification.objects.filter(appeal=appeal, kind="decision").count() == 1

        lifted = final.outcome == Outcome.OVERTURNED
        action.refresh_from_db()
        assert action.status == ("lifted" if lifted else "active")
        assert _action_events(action.pk, ActionEvent.Kind.LIFTED) == int(lifted)
        assert _action_events(action.pk, ActionEvent.Kind.FUNDS_RELEASED) == int(lifted)
        assert _action_events(action.pk, ActionEvent.Kind.CLIENTS_CORRECTED) == int(lifted)
        assert ClientCorrection.objects.filter(notice__action=action).count() == 2 * lifted
        assert action.funds_released_amount == (action.funds_held_amount if lifted else 0)
    assert winners <= {Outcome.OVERTURNED, Outcome.UPHELD}
    if second is not holder:
        # The holder always wins, with whichever outcome they chose in that round.
        assert winners == {Outcome.OVERTURNED, Outcome.UPHELD}


def _backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _wait_until_blocked_on_a_lock(pid: int, *, attempts: int = 500) -> bool:
    with connection.cursor() as cursor:
        for _ in range(attempts):
            cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
            row = cursor.fetchone()
            if row and row[0] == "Lock":
                return True
            time.sleep(0.02)
    return False


@pytest.mark.django_db(transaction=True)
def test_a_decision_that_waited_for_another_one_to_commit_is_refused(freelancer, monkeypatch):
    """The holder submits in two tabs: the second waits on the first one's row lock, then finds
    the status changed."""
    action = make_action(freelancer, client_notices=2)
    holder = ReviewerFactory()
    appeal = make_appeal(action, claimed_by=holder)
    first_decided, let_first_commit = threading.Event(), threading.Event()
    second_pid: list[int] = []
    results: dict[str, object] = {}

    decide_first = _decide(appeal.pk, holder, Outcome.OVERTURNED)
    decide_second = _decide(appeal.pk, holder, Outcome.OVERTURNED)

    # decide_appeal is one durable transaction: the first decision is held open at its last
    # step (telling the marketplace, inside the transaction) until the second one waits on it.
    tell_marketplace = decisions._tell_marketplace

    def tell_then_hold(appeal) -> None:
        tell_marketplace(appeal)
        if threading.current_thread().name == "first":
            first_decided.set()
            let_first_commit.wait(timeout=30)

    monkeypatch.setattr(decisions, "_tell_marketplace", tell_then_hold)

    def first_reviewer() -> None:
        try:
            results["first"] = decide_first()
        except BaseException as exc:  # noqa: BLE001
            results["first"] = exc
            first_decided.set()
        finally:
            connection.close()

    def second_reviewer() -> None:
        try:
            second_pid.append(_backend_pid())
            first_decided.wait(timeout=30)
            results["second"] = decide_second()
        except BaseException as exc:  # noqa: BLE001
            results["second"] = exc
        finally:
            connection.close()

    threads = [
        threading.Thread(target=first_reviewer, name="first"),
        threading.Thread(target=second_reviewer, name="second"),
    ]
    for thread in threads:
        thread.start()
    first_decided.wait(timeout=30)
    while not second_pid:
        time.sleep(0.01)
    blocked = _wait_until_blocked_on_a_lock(second_pid[0])
    let_first_commit.set()
    for thread in threads:
        thread.join()

    assert blocked
    assert isinstance(results["first"], Appeal)
    assert isinstance(results["second"], AppealRefused)
    assert results["second"].messages == ["This appeal was changed meanwhile; it is now decided."]
    final = Appeal.objects.get(pk=appeal.pk)
    assert (final.status, final.decided_by) == (Status.DECIDED, holder)
    assert AppealEvent.objects.filter(appeal=appeal, to_status=Status.DECIDED).count() == 1
    assert _action_events(action.pk, ActionEvent.Kind.LIFTED) == 1
    assert _action_events(action.pk, ActionEvent.Kind.FUNDS_RELEASED) == 1
    assert ClientCorrection.objects.filter(notice__action=action).count() == 2


@pytest.mark.django_db(transaction=True)
def test_withdrawing_and_deciding_at_once_do_exactly_one_of_the_two(freelancer):
    reviewer = ReviewerFactory()
    for _round in range(3):
        action = make_action(freelancer)
        appeal = make_appeal(action, claimed_by=reviewer)
        own_copy = Appeal.objects.get(pk=appeal.pk)

        results = _run_together(
            lambda own_copy=own_copy: services.withdraw_appeal(own_copy, by=freelancer),
            _decide(appeal.pk, reviewer, Outcome.OVERTURNED),
        )

        assert sum(isinstance(r, Appeal) for r in results) == 1, results
        assert sum(isinstance(r, AppealRefused) for r in results) == 1, results
        final = Appeal.objects.get(pk=appeal.pk)
        closing_events = AppealEvent.objects.filter(
            appeal=appeal, to_status__in=[Status.DECIDED, Status.WITHDRAWN]
        )
        assert list(closing_events.values_list("to_status", flat=True)) == [final.status]
        action.refresh_from_db()
        lifted = final.status == Status.DECIDED
        assert action.status == ("lifted" if lifted else "active")
        assert _action_events(action.pk, ActionEvent.Kind.LIFTED) == int(lifted)


@pytest.mark.django_db(transaction=True)
def test_approving_and_returning_at_once_do_exactly_one_of_the_two(freelancer):
    proposer, approver, returner = ReviewerFactory(), ReviewerFactory(), ReviewerFactory()
    action = make_action(
        freelancer,
        restriction_type=EnforcementAction.RestrictionType.PERMANENT_TERMINATION,
        ends_at=None,
        funds_held_amount=Decimal("10.00"),
    )
    appeal = make_appeal(action, claimed_by=proposer)
    _decide(appeal.pk, proposer, Outcome.UPHELD)()
    approver_copy = Appeal.objects.get(pk=appeal.pk)
    returner_copy = Appeal.objects.get(pk=appeal.pk)
    assert approver_copy.status == Status.SECOND_REVIEW

    results = _run_together(
        lambda: services.approve_decision(approver_copy, approver=approver),
        lambda: services.return_decision(returner_copy, approver=returner, reason="Unclear."),
    )

    assert sum(isinstance(r, Appeal) for r in results) == 1, results
    [refused] = [r for r in results if isinstance(r, AppealRefused)]
    assert "No proposed decision is waiting" in refused.messages[0]
    final = Appeal.objects.get(pk=appeal.pk)
    assert final.status in (Status.DECIDED, Status.IN_REVIEW)
    after_proposal = AppealEvent.objects.filter(appeal=appeal, from_status=Status.SECOND_REVIEW)
    assert list(after_proposal.values_list("to_status", flat=True)) == [final.status]
    decisions = Notification.objects.filter(appeal=appeal, kind="decision").count()
    assert decisions == int(final.status == Status.DECIDED)


@pytest.mark.django_db(transaction=True)
def test_a_message_racing_a_decision_is_either_taken_before_it_or_refused(freelancer):
    reviewer = ReviewerFactory()
    for _round in range(3):
        appeal = make_appeal(make_action(freelancer), claimed_by=reviewer)
        services.request_information(appeal, reviewer=reviewer, question="The invoice?")
        answering_copy = Appeal.objects.get(pk=appeal.pk)
        # Deciding needs the appeal in review: the decision races with the next answer.
        services.post_message(answering_copy, author=freelancer, body="Coming.")
        answering_copy = Appeal.objects.get(pk=appeal.pk)

        results = _run_together(
            lambda copy=answering_copy: services.post_message(
                copy, author=freelancer, body="Here it is."
            ),
            _decide(appeal.pk, reviewer, Outcome.UPHELD),
        )

        assert isinstance(results[1], Appeal), results
        answers = appeal.messages.filter(body="Here it is.").count()
        if isinstance(results[0], AppealRefused):
            assert results[0].messages == ["This appeal is decided."]
            assert answers == 0
        else:
            assert answers == 1, results
