"""A permanent termination is proposed first: notice period, exceptions, a second person."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accounts.models import AuditEvent
from appeals.operations import claims
from appeals.operations.claims import ClaimRefused
from appeals.services import AppealRefused
from enforcement import services
from enforcement.choices import AutomatedDecision, DecisionAccount
from enforcement.models import ActionEvent, ClientCorrection, EnforcementAction
from notifications.models import Notification, WebhookEvent
from tests.factories import (
    EnforcerFactory,
    FreelancerFactory,
    ReasonCodeFactory,
    ReviewerFactory,
    action_request,
    make_appeal,
    published_version,
)

pytestmark = pytest.mark.django_db

Status = EnforcementAction.Status
Exception_ = EnforcementAction.TerminationException


def termination(**overrides) -> services.ActionRequest:
    return action_request(
        restriction_type=EnforcementAction.RestrictionType.PERMANENT_TERMINATION,
        ends_at=None,
        decision_account=DecisionAccount.TERMINATED,
        **overrides,
    )


@pytest.fixture
def issuer(db):
    return EnforcerFactory(email="sam@example.test")


@pytest.fixture
def second(db):
    return EnforcerFactory(email="lena@example.test")


def test_a_termination_is_proposed_with_thirty_days_notice_and_restricts_nothing_yet(issuer):
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        action = services.issue_action(termination(starts_at=now), issued_by=issuer)

    assert action.status == Status.PENDING
    assert action.takes_effect_at == now + timedelta(days=30)
    assert not action.is_restricting()
    assert not action.restricts_account()
    assert action.awaits_confirmation()
    issued = action.events.get(kind=ActionEvent.Kind.ISSUED)
    assert issued.to_status == Status.PENDING
    assert issued.reason.startswith("Proposed: Permanent termination under")
    # The freelancer is told of the proposal at once, and can read and appeal it.
    notice = Notification.objects.get(recipient=action.account)
    assert (notice.kind, notice.subject) == (
        Notification.Kind.ACTION_ISSUED,
        "We propose to terminate your account",
    )
    assert action.appeal_window_open()


def test_the_notice_period_is_a_setting(issuer, settings):
    settings.TERMINATION_NOTICE_DAYS = 45
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        action = services.issue_action(termination(starts_at=now), issued_by=issuer)
    assert action.takes_effect_at == now + timedelta(days=45)


def test_a_notice_period_runs_from_the_notice_even_for_a_start_in_the_past(issuer):
    now = timezone.now()
    version = published_version(
        published_at=now - timedelta(days=31), effective_from=now - timedelta(days=30)
    )
    with time_machine.travel(now, tick=False):
        # Told now of a start ten days ago (the request factory would otherwise date the notice
        # at the start): a notice after the start says why it comes late.
        action = services.issue_action(
            termination(
                version=version,
                starts_at=now - timedelta(days=10),
                notified_at=now,
                late_notice_reason="The decision was reviewed before the freelancer was told.",
            ),
            issued_by=issuer,
        )
    assert action.notified_at == now
    assert action.takes_effect_at == now + timedelta(days=30)


def test_a_termination_set_to_start_after_the_notice_period_takes_effect_at_its_start(issuer):
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        action = services.issue_action(
            termination(starts_at=now + timedelta(days=40)), issued_by=issuer
        )
    assert action.takes_effect_at == now + timedelta(days=40)


def test_confirmed_by_another_person_it_takes_effect_when_the_notice_period_ends(issuer, second):
    action = services.issue_action(termination(), issued_by=issuer)

    services.confirm_termination(action, by=second)

    action.refresh_from_db()
    assert (action.status, action.confirmed_by) == (Status.PENDING, second)
    assert services.take_effect_due(now=action.takes_effect_at - timedelta(seconds=1)) == 0
    assert services.take_effect_due(now=action.takes_effect_at) == 1
    assert services.take_effect_due(now=action.takes_effect_at) == 0
    action.refresh_from_db()
    assert action.status == Status.ACTIVE
    assert action.restricts_account()
    kinds = list(action.events.order_by("id").values_list("kind", flat=True))
    assert kinds == [
        ActionEvent.Kind.ISSUED,
        ActionEvent.Kind.CONFIRMED,
        ActionEvent.Kind.TOOK_EFFECT,
    ]
    assert Notification.objects.filter(
        recipient=action.account, kind=Notification.Kind.ACTION_TOOK_EFFECT
    ).exists()
    assert AuditEvent.objects.filter(verb="action.confirmed", object_id=str(action.pk)).exists()


def test_an_unconfirmed_termination_never_takes_effect_however_late(issuer):
    action = services.issue_action(termination(), issued_by=issuer)

    assert services.take_effect_due(now=action.takes_effect_at + timedelta(days=365)) == 0
    action.refresh_from_db()
    assert action.status == Status.PENDING


def test_the_issuer_cannot_confirm_their_own_termination(issuer):
    action = services.issue_action(termination(), issued_by=issuer)

    with pytest.raises(services.ConfirmationRefused, match="someone other than"):
        services.confirm_termination(action, by=issuer)

    action.refresh_from_db()
    assert action.confirmed_at is None


def test_the_database_refuses_a_confirmation_by_the_issuer(issuer):
    action = services.issue_action(termination(), issued_by=issuer)
    with pytest.raises(IntegrityError), transaction.atomic():
        EnforcementAction.objects.filter(pk=action.pk).update(
            confirmed_by=issuer, confirmed_at=timezone.now()
        )


def test_a_confirmation_after_the_notice_period_takes_effect_at_once(issuer, second):
    action = services.issue_action(termination(), issued_by=issuer)

    with time_machine.travel(action.takes_effect_at + timedelta(days=2), tick=False):
        services.confirm_termination(action, by=second)

    action.refresh_from_db()
    assert action.status == Status.ACTIVE


def test_a_termination_can_be_confirmed_once(issuer, second):
    action = services.issue_action(termination(), issued_by=issuer)
    services.confirm_termination(action, by=second)

    with pytest.raises(services.ConfirmationRefused, match="no longer waiting"):
        services.confirm_termination(action, by=EnforcerFactory())
    assert action.events.filter(kind=ActionEvent.Kind.CONFIRMED).count() == 1


@pytest.mark.parametrize("exception", Exception_.values)
def test_under_an_exception_it_takes_effect_at_its_start_once_confirmed(exception, issuer, second):
    now = timezone.now()
    action = services.issue_action(
        termination(
            starts_at=now,
            termination_exception=exception,
            termination_exception_reason="Third chargeback fraud case this year.",
        ),
        issued_by=issuer,
    )
    assert (action.status, action.takes_effect_at) == (Status.PENDING, now)

    services.confirm_termination(action, by=second)

    action.refresh_from_db()
    assert action.status == Status.ACTIVE
    took_effect = action.events.get(kind=ActionEvent.Kind.TOOK_EFFECT)
    assert str(Exception_(exception).label) in took_effect.reason


REFUSED_EXCEPTIONS = {
    "an exception without a reason": (
        {"termination_exception": Exception_.LEGAL_OBLIGATION, "termination_exception_reason": " "},
        "termination_exception_reason",
    ),
    "a reason without an exception": (
        {"termination_exception_reason": "Because."},
        "termination_exception",
    ),
    "an exception not on the list": (
        {"termination_exception": "ceo_said_so", "termination_exception_reason": "Because."},
        "termination_exception",
    ),
    "an overlong reason": (
        {
            "termination_exception": Exception_.REPEATED_INFRINGEMENT,
            "termination_exception_reason": "x" * 2001,
        },
        "termination_exception_reason",
    ),
}


@pytest.mark.parametrize("case", REFUSED_EXCEPTIONS)
def test_an_exception_must_be_listed_and_explained(case, issuer):
    fields, key = REFUSED_EXCEPTIONS[case]
    before = EnforcementAction.objects.count()
    with pytest.raises(services.ActionRefused) as refused:
        services.issue_action(termination(**fields), issued_by=issuer)
    assert key in refused.value.message_dict
    assert EnforcementAction.objects.count() == before


def test_an_exception_is_refused_on_anything_but_a_termination(issuer):
    request = action_request(
        termination_exception=Exception_.IMMINENT_FRAUD_RISK,
        termination_exception_reason="Chargebacks are coming in.",
    )
    with pytest.raises(services.ActionRefused) as refused:
        services.issue_action(request, issued_by=issuer)
    assert "termination_exception" in refused.value.message_dict


def test_a_fully_automated_termination_waits_for_a_human_confirmation(second):
    action = services.issue_action(
        termination(automated_decision=AutomatedDecision.FULLY), issued_by=None
    )
    assert action.decided_by is None
    assert services.take_effect_due(now=action.takes_effect_at + timedelta(days=1)) == 0

    services.confirm_termination(action, by=second)
    assert services.take_effect_due(now=action.takes_effect_at) == 1
    action.refresh_from_db()
    assert (action.status, action.confirmed_by) == (Status.ACTIVE, second)


def test_a_fully_automated_termination_under_an_exception_still_waits_for_a_human(second):
    action = services.issue_action(
        termination(
            automated_decision=AutomatedDecision.FULLY,
            termination_exception=Exception_.IMMINENT_FRAUD_RISK,
            termination_exception_reason="Card testing from this account right now.",
        ),
        issued_by=None,
    )
    assert services.take_effect_due(now=timezone.now() + timedelta(days=1)) == 0
    assert EnforcementAction.objects.get(pk=action.pk).status == Status.PENDING

    services.confirm_termination(action, by=second)
    assert EnforcementAction.objects.get(pk=action.pk).status == Status.ACTIVE


def test_a_withdrawn_termination_releases_funds_and_tells_the_marketplace(issuer, second):
    action = services.issue_action(
        termination(
            funds_held_amount=Decimal("250.00"),
            funds_currency="EUR",
            funds_release_condition="Released when the review ends.",
        ),
        issued_by=issuer,
    )

    services.withdraw_termination(
        action, by=second, reason="The chargebacks were the bank's error."
    )

    action.refresh_from_db()
    assert action.status == Status.WITHDRAWN
    assert action.funds_still_held() == 0
    assert action.events.filter(kind=ActionEvent.Kind.WITHDRAWN).exists()
    told = Notification.objects.get(kind=Notification.Kind.ACTION_WITHDRAWN)
    assert (told.recipient, told.url) == (action.account, action.get_absolute_url())
    assert "the bank's error" in told.body
    assert list(
        WebhookEvent.objects.filter(action=action).order_by("id").values_list("kind", flat=True)
    ) == [
        WebhookEvent.Kind.ACTION_CREATED,
        # One correction per client told of it, then the withdrawal itself.
        *[WebhookEvent.Kind.CLIENT_NOTICE_CORRECTED] * action.client_notices.count(),
        WebhookEvent.Kind.ACTION_WITHDRAWN,
    ]
    with pytest.raises(services.ConfirmationRefused):
        services.confirm_termination(action, by=second)
    with pytest.raises(services.ConfirmationRefused):
        services.withdraw_termination(action, by=second, reason="Again.")


def test_a_withdrawal_needs_a_reason(issuer, second):
    action = services.issue_action(termination(), issued_by=issuer)
    with pytest.raises(services.ConfirmationRefused):
        services.withdraw_termination(action, by=second, reason="  ")
    assert EnforcementAction.objects.get(pk=action.pk).status == Status.PENDING


def test_other_actions_take_effect_at_once(issuer):
    action = services.issue_action(action_request(), issued_by=issuer)
    assert (action.status, action.takes_effect_at) == (Status.ACTIVE, None)


@pytest.mark.django_db(transaction=True)
def test_two_people_confirming_at_once_record_one_confirmation(issuer):
    action = services.issue_action(termination(), issued_by=issuer)
    people = [EnforcerFactory(), EnforcerFactory()]
    start_together = threading.Barrier(2)
    outcomes: list[str] = []

    def confirm(person) -> None:
        try:
            start_together.wait()
            services.confirm_termination(EnforcementAction.objects.get(pk=action.pk), by=person)
            outcomes.append("confirmed")
        except services.ConfirmationRefused:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=confirm, args=(p,)) for p in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["confirmed", "refused"]
    assert action.events.filter(kind=ActionEvent.Kind.CONFIRMED).count() == 1


# --- A statement is never empty, whichever kind of action -------------------------------------


def test_a_reason_code_without_an_explanation_is_refused(issuer):
    version = published_version()
    code = ReasonCodeFactory(rule=version.rule, explanation="  ")
    with pytest.raises(services.ActionRefused) as refused:
        services.issue_action(action_request(version=version, reason_code=code), issued_by=issuer)
    assert "has no explanation" in " ".join(refused.value.message_dict["reason_code"])


def test_an_evidence_item_without_a_summary_is_refused(issuer):
    request = termination()
    request.evidence[0].summary = " "
    with pytest.raises(services.ActionRefused) as refused:
        services.issue_action(request, issued_by=issuer)
    assert "evidence.0.summary" in refused.value.message_dict


def test_an_action_for_a_freelancer_is_told_to_them(issuer):
    account = FreelancerFactory()
    action = services.issue_action(action_request(account), issued_by=issuer)
    [notice] = Notification.objects.filter(recipient=account)
    assert notice.kind == Notification.Kind.ACTION_ISSUED
    assert notice.url == action.get_absolute_url()


def test_a_proposed_termination_cannot_be_reduced_into_an_immediate_restriction(issuer):
    action = services.issue_action(termination(), issued_by=issuer)

    errors = services.reduction_errors(
        action,
        restriction_type=EnforcementAction.RestrictionType.TEMPORARY_SUSPENSION,
        ends_at=timezone.now() + timedelta(days=7),
    )

    assert "only proposed" in errors["restriction_type"][0]


def test_an_overturned_proposal_is_lifted_before_it_ever_takes_effect(issuer, second):
    action = services.issue_action(termination(), issued_by=issuer)
    services.confirm_termination(action, by=second)

    with transaction.atomic():
        services.lift_action(
            EnforcementAction.objects.select_for_update().get(pk=action.pk),
            by=second,
            reason="Appeal upheld.",
        )

    assert services.take_effect_due(now=action.takes_effect_at) == 0
    assert EnforcementAction.objects.get(pk=action.pk).status == Status.LIFTED


def test_strikes_count_only_for_an_action_in_effect(issuer, second):
    today = timezone.localdate()
    action = services.issue_action(
        termination(strike_count=2, strikes_expire_on=today + timedelta(days=90)),
        issued_by=issuer,
    )
    assert action.active_strike_count(today) == 0  # only proposed
    services.confirm_termination(action, by=second)
    services.take_effect_due(now=action.takes_effect_at)
    action.refresh_from_db()
    assert action.active_strike_count(today) == 2
    with transaction.atomic():
        services.lift_action(action, by=second, reason="Appeal upheld.")
    assert action.active_strike_count(today) == 0


def test_the_marketplace_hears_when_a_termination_takes_effect(issuer, second):
    action = services.issue_action(termination(), issued_by=issuer)
    services.confirm_termination(action, by=second)
    services.take_effect_due(now=action.takes_effect_at)

    took_effect = WebhookEvent.objects.get(action=action, kind=WebhookEvent.Kind.ACTION_TOOK_EFFECT)
    assert took_effect.payload["action"]["status"] == Status.ACTIVE


def test_a_withdrawal_corrects_what_clients_were_told(issuer, second):
    action = services.issue_action(termination(client_notices=2), issued_by=issuer)

    services.withdraw_termination(action, by=second, reason="Wrong account.")

    corrections = ClientCorrection.objects.filter(notice__action=action)
    assert corrections.count() == 2
    assert all("withdrawn before it took effect" in c.text for c in corrections)


def test_a_termination_under_appeal_is_decided_by_its_reviewer_not_withdrawn(issuer, second):
    action = services.issue_action(termination(), issued_by=issuer)
    make_appeal(action)

    with pytest.raises(services.ConfirmationRefused, match="appealed"):
        services.withdraw_termination(action, by=second, reason="Changed our mind.")
    assert EnforcementAction.objects.get(pk=action.pk).status == Status.PENDING


def test_a_withdrawn_termination_cannot_be_appealed_or_lifted(issuer, second):
    action = services.issue_action(termination(), issued_by=issuer)
    services.withdraw_termination(action, by=second, reason="Wrong account.")

    with pytest.raises(AppealRefused, match="withdrawn"):
        make_appeal(action)
    with pytest.raises(services.ActionNotChanged), transaction.atomic():
        services.lift_action(action, by=second, reason="Again.")


def test_the_holder_of_its_appeal_cannot_confirm_a_termination(issuer):
    action = services.issue_action(termination(), issued_by=issuer)
    holder = ReviewerFactory()
    make_appeal(action, claimed_by=holder)

    with pytest.raises(services.ConfirmationRefused, match="hold the freelancer's appeal"):
        services.confirm_termination(action, by=holder)


def test_the_person_who_confirmed_a_termination_never_works_its_appeal(issuer):
    confirmer = ReviewerFactory()
    action = services.issue_action(
        termination(automated_decision=AutomatedDecision.FULLY), issued_by=None
    )
    services.confirm_termination(action, by=confirmer)
    appeal = make_appeal(EnforcementAction.objects.get(pk=action.pk))

    assert appeal.decision_takers() == {confirmer.pk}
    with pytest.raises(ClaimRefused, match="original decision"):
        claims.claim_appeal(appeal, confirmer)


def test_actions_are_only_taken_against_active_freelancers(issuer):
    for account in (ReviewerFactory(), FreelancerFactory(is_active=False)):
        with pytest.raises(services.ActionRefused) as refused:
            services.issue_action(action_request(account), issued_by=issuer)
        assert "account" in refused.value.message_dict


def test_the_notice_shown_counts_from_when_the_freelancer_was_told(issuer):
    from enforcement.templatetags.enforcement_terminations import notice_days

    now = timezone.now()
    with time_machine.travel(now, tick=False):
        later = services.issue_action(
            termination(starts_at=now + timedelta(days=40)), issued_by=issuer
        )
        soon = services.issue_action(termination(starts_at=now), issued_by=issuer)
    assert (notice_days(later), notice_days(soon)) == (40, 30)
