"""Decisions: reasoned, by a human who did not take the original decision, applied completely."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from appeals import services
from appeals.models import Appeal, AppealEvent
from appeals.services import AppealRefused
from enforcement import services as enforcement_services
from enforcement.choices import AutomatedDecision
from enforcement.models import ClientCorrection, EnforcementAction
from enforcement.services import reversal as enforcement_reversal
from notifications import services as notification_services
from notifications.models import Notification, WebhookEvent
from tests.factories import (
    ReviewerFactory,
    RuleVersionFactory,
    UserFactory,
    claim,
    hand_over,
    make_action,
    make_appeal,
)

Status = Appeal.Status
Outcome = Appeal.Outcome
Restriction = EnforcementAction.RestrictionType
REASONS = "The payment went through the marketplace: the invoice of 3 May shows it. We were wrong."


@pytest.fixture
def original_decider(db):
    return ReviewerFactory(display_name="Olga Original")


@pytest.fixture
def second_reviewer(db):
    return ReviewerFactory(display_name="Sam Second")


def _told_clients_on_different_days(action: EnforcementAction) -> None:
    # The factory tells each client on another day (notices are append-only, fixed at issue).
    shown = list(action.client_notices.values_list("shown_at", flat=True))
    assert len(set(shown)) == len(shown)


@pytest.fixture
def action(freelancer, original_decider):
    action = make_action(freelancer, decided_by=original_decider, client_notices=2)
    _told_clients_on_different_days(action)
    return action


@pytest.fixture
def termination(freelancer, original_decider):
    action = make_action(
        freelancer,
        decided_by=original_decider,
        client_notices=2,
        restriction_type=Restriction.PERMANENT_TERMINATION,
        ends_at=None,
    )
    _told_clients_on_different_days(action)
    return action


@pytest.fixture
def appeal(action, reviewer):
    """An appeal the `reviewer` persona holds: only the holder decides."""
    return make_appeal(action, claimed_by=reviewer)


def _decide(appeal: Appeal, by, outcome: str = Outcome.OVERTURNED, **kwargs) -> Appeal:
    kwargs.setdefault("reasons", REASONS)
    kwargs.setdefault("versions", list(appeal.action.cited_versions.all()))
    return services.decide_appeal(appeal, outcome=outcome, decided_by=by, **kwargs)


def _event_kinds(action: EnforcementAction) -> list[str]:
    return list(action.events.order_by("id").values_list("kind", flat=True))


def _snapshot(appeal: Appeal) -> dict:
    """Everything a decision may change, to prove that a refused one changed none of it."""
    action = EnforcementAction.objects.get(pk=appeal.action_id)
    fresh = Appeal.objects.get(pk=appeal.pk)
    return {
        "appeal": (fresh.status, fresh.outcome, fresh.decision_reasons, fresh.proposed_by_id),
        "appeal_versions": list(fresh.decided_versions.values_list("pk", flat=True)),
        "appeal_events": AppealEvent.objects.filter(appeal=appeal).count(),
        "action": (
            action.status,
            action.restriction_type,
            action.ends_at,
            action.funds_released_amount,
            action.funds_released_at,
        ),
        "action_events": _event_kinds(action),
        "corrections": ClientCorrection.objects.filter(notice__action=action).count(),
        "notifications": list(
            Notification.objects.filter(appeal=appeal).values_list("kind", flat=True)
        ),
    }


# --- Overturn -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_overturn_lifts_the_action_releases_all_funds_and_corrects_every_client(
    appeal, reviewer
):
    _decide(appeal, reviewer)

    action = EnforcementAction.objects.get(pk=appeal.action_id)
    assert action.status == EnforcementAction.Status.LIFTED
    assert action.funds_released_amount == action.funds_held_amount == Decimal("1240.50")
    assert action.funds_still_held() == 0
    assert action.funds_released_at is not None
    assert _event_kinds(action) == ["issued", "lifted", "funds_released", "clients_corrected"]
    assert {event.actor for event in action.events.exclude(kind="issued")} == {reviewer}

    notices = list(action.client_notices.order_by("id"))
    assert len(notices) == 2
    for notice in notices:
        told_on = f"{notice.shown_at.day} {notice.shown_at:%B %Y}"  # one format: no leading zero
        assert notice.correction.text == (
            "Correction: the restriction on this freelancer's account that we told you about on "
            f"{told_on} was reviewed and lifted. No other restriction applies to their account."
        )
        assert notice.correction.created_by == reviewer
    assert notices[0].correction.text != notices[1].correction.text


@pytest.mark.django_db
def test_the_marketplace_hears_of_the_decision_with_the_action_as_it_left_it(appeal, reviewer):
    # The reviewer's page loads the action with the appeal, before the decision changes it.
    loaded = Appeal.objects.select_related("action__account").get(pk=appeal.pk)

    _decide(loaded, reviewer)

    [event] = WebhookEvent.objects.filter(kind=WebhookEvent.Kind.APPEAL_DECIDED)
    assert event.action_id == appeal.action_id
    assert event.payload["action"]["status"] == EnforcementAction.Status.LIFTED
    assert event.payload["appeal"]["outcome"] == Outcome.OVERTURNED


@pytest.mark.django_db
def test_an_overturn_records_the_decision_with_reasons_versions_and_notifies(appeal, reviewer):
    version = appeal.action.cited_versions.get()
    _decide(appeal, reviewer, reasons=f"  {REASONS}\n")

    decided = Appeal.objects.get(pk=appeal.pk)
    assert (decided.status, decided.outcome, decided.decision_reasons) == (
        Status.DECIDED,
        Outcome.OVERTURNED,
        REASONS,
    )
    assert (decided.decided_by, decided.proposed_by, decided.approved_by) == (
        reviewer,
        reviewer,
        None,
    )
    assert decided.decided_at is not None
    assert list(decided.decided_versions.all()) == [version]
    event = decided.events.latest("id")
    assert (event.actor, event.to_status) == (reviewer, Status.DECIDED)
    [notification] = Notification.objects.filter(appeal=appeal, kind=Notification.Kind.DECISION)
    assert notification.recipient == appeal.freelancer
    assert REASONS in notification.body
    assert "Overturned" in notification.subject


@pytest.mark.django_db
def test_an_overturn_of_an_action_without_funds_or_notices_only_lifts_it(freelancer, reviewer):
    action = make_action(
        freelancer, client_notices=0, funds_held_amount=Decimal("0"), funds_currency=""
    )
    _decide(make_appeal(action, claimed_by=reviewer), reviewer)

    action.refresh_from_db()
    assert action.status == EnforcementAction.Status.LIFTED
    assert _event_kinds(action) == ["issued", "lifted"]


@pytest.mark.django_db
def test_a_failure_while_correcting_clients_leaves_the_appeal_open_and_the_action_untouched(
    appeal, reviewer, monkeypatch
):
    before = _snapshot(appeal)

    def broken(*args, **kwargs):
        raise RuntimeError("the correction outbox is unavailable")

    monkeypatch.setattr(enforcement_reversal, "correct_client_notices", broken)
    with pytest.raises(RuntimeError):
        _decide(appeal, reviewer)

    assert _snapshot(appeal) == before
    assert before["appeal"][0] == Status.SUBMITTED


@pytest.mark.django_db
def test_the_decision_email_is_queued_only_once_the_decision_commits(
    appeal, reviewer, django_capture_on_commit_callbacks, monkeypatch, celery_in_memory
):
    queued: list[int] = []
    monkeypatch.setattr(notification_services, "_enqueue", queued.append)

    with django_capture_on_commit_callbacks(execute=True):
        _decide(appeal, reviewer)
        assert queued == []

    assert queued == [Notification.objects.get(appeal=appeal, kind="decision").pk]


# --- Modify ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_modification_turns_a_termination_into_a_suspension_and_releases_part_of_the_funds(
    termination, reviewer
):
    appeal = make_appeal(termination, claimed_by=reviewer)
    ends_at = timezone.now() + timedelta(days=30)

    _decide(
        appeal,
        reviewer,
        Outcome.MODIFIED,
        restriction_type=Restriction.TEMPORARY_SUSPENSION,
        ends_at=ends_at,
        release_amount=Decimal("500.00"),
    )

    action = EnforcementAction.objects.get(pk=termination.pk)
    assert action.status == EnforcementAction.Status.MODIFIED
    assert (action.restriction_type, action.ends_at) == (Restriction.TEMPORARY_SUSPENSION, ends_at)
    assert action.funds_released_amount == Decimal("500.00")
    assert action.funds_still_held() == Decimal("740.50")
    assert _event_kinds(action) == [
        "issued",
        "confirmed",
        "took_effect",
        "modified",
        "funds_released",
        "clients_corrected",
    ]
    modified = action.events.get(kind="modified")
    assert "Permanent termination → Temporary suspension until" in modified.reason
    for notice in action.client_notices.all():
        assert notice.correction.text == (
            "Correction: the restriction on this freelancer's account that we told you about on "
            f"{notice.shown_at.day} {notice.shown_at:%B %Y} was reviewed and reduced: it is now a temporary "
            f"suspension until {action.ends_at.day} {action.ends_at:%B %Y} (restricted: sending proposals, "
            "messaging clients)."
        )
    decided = Appeal.objects.get(pk=appeal.pk)
    assert (decided.status, decided.outcome, decided.approved_by) == (
        Status.DECIDED,
        Outcome.MODIFIED,
        None,
    )


@pytest.mark.django_db
def test_a_modification_may_only_release_funds(appeal, reviewer):
    _decide(appeal, reviewer, Outcome.MODIFIED, release_amount=Decimal("0.50"))

    action = EnforcementAction.objects.get(pk=appeal.action_id)
    assert action.restriction_type == Restriction.TEMPORARY_SUSPENSION
    assert action.funds_released_amount == Decimal("0.50")


def _later(days: int):
    return timezone.now() + timedelta(days=days)


@pytest.mark.parametrize(
    ("field", "change"),
    [
        ("restriction_type", {"restriction_type": Restriction.PERMANENT_TERMINATION}),
        ("ends_at", {"ends_at": "extend"}),
        ("ends_at", {"ends_at": "before-start"}),
        ("release_amount", {"release_amount": Decimal("1240.51")}),
        ("release_amount", {"release_amount": Decimal("-1")}),
        ("restriction_type", {"restriction_type": "banishment"}),
        ("restriction_type", {}),
    ],
    ids=[
        "termination-instead-of-suspension",
        "longer-suspension",
        "end-before-start",
        "release-more-than-held",
        "negative-release",
        "unknown-restriction",
        "changes-nothing",
    ],
)
@pytest.mark.django_db
def test_a_modification_that_is_not_a_reduction_is_refused_and_changes_nothing(
    appeal, reviewer, field, change
):
    if change.get("ends_at") == "extend":
        change = {"ends_at": appeal.action.ends_at + timedelta(days=1)}
    elif change.get("ends_at") == "before-start":
        change = {"ends_at": appeal.action.starts_at - timedelta(hours=1)}
    before = _snapshot(appeal)

    with pytest.raises(AppealRefused) as refused:
        _decide(appeal, reviewer, Outcome.MODIFIED, **change)

    assert field in refused.value.message_dict
    assert _snapshot(appeal) == before
    assert appeal.status == Status.SUBMITTED
    assert appeal.outcome == ""


@pytest.mark.django_db
def test_a_permanent_termination_cannot_be_modified_into_itself_with_an_end_date(
    termination, reviewer
):
    appeal = make_appeal(termination, claimed_by=reviewer)
    before = _snapshot(appeal)

    with pytest.raises(AppealRefused) as refused:
        _decide(appeal, reviewer, Outcome.MODIFIED, ends_at=_later(30))

    assert "ends_at" in refused.value.message_dict
    assert _snapshot(appeal) == before


@pytest.mark.django_db
def test_a_modification_refused_under_the_lock_rolls_back_the_decision(
    appeal, reviewer, monkeypatch
):
    """The funds are released elsewhere between the first check and the one under the lock."""
    real_check = enforcement_services.reduction_errors
    checked: list[int] = []

    def check_then_release_everything(action, **kwargs):
        errors = real_check(action, **kwargs)
        if not checked:
            EnforcementAction.objects.filter(pk=action.pk).update(
                funds_released_amount=action.funds_held_amount
            )
        checked.append(action.pk)
        return errors

    # The decision checks first, then reduce_action (in its own module) checks again.
    monkeypatch.setattr(enforcement_services, "reduction_errors", check_then_release_everything)
    monkeypatch.setattr(enforcement_reversal, "reduction_errors", check_then_release_everything)
    with pytest.raises(AppealRefused) as refused:
        _decide(appeal, reviewer, Outcome.MODIFIED, release_amount=Decimal("100"))

    assert "release_amount" in refused.value.message_dict
    assert len(checked) == 2
    fresh = Appeal.objects.get(pk=appeal.pk)
    assert (fresh.status, fresh.outcome) == (Status.SUBMITTED, "")
    action = EnforcementAction.objects.get(pk=appeal.action_id)
    assert (action.status, action.funds_released_amount) == ("active", Decimal("0"))
    assert _event_kinds(action) == ["issued"]


# --- What every decision needs -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "change"),
    [
        ("reasons", {"reasons": ""}),
        ("reasons", {"reasons": "  \n "}),
        ("versions", {"versions": []}),
        ("versions", {"versions": "draft"}),
        ("outcome", {"outcome": "quashed"}),
    ],
    ids=["no-reasons", "blank-reasons", "no-versions", "draft-version", "unknown-outcome"],
)
@pytest.mark.django_db
def test_a_decision_without_reasons_or_a_published_version_is_refused(
    appeal, reviewer, field, change
):
    if change.get("versions") == "draft":
        change = {"versions": [RuleVersionFactory(rule=appeal.action.reason_code.rule, draft=True)]}
    before = _snapshot(appeal)

    with pytest.raises(AppealRefused) as refused:
        services.decide_appeal(
            appeal,
            **{
                "outcome": Outcome.OVERTURNED,
                "reasons": REASONS,
                "versions": list(appeal.action.cited_versions.all()),
                "decided_by": reviewer,
                **change,
            },
        )

    assert list(refused.value.message_dict) == [field]
    assert _snapshot(appeal) == before


# --- Who may decide ------------------------------------------------------------------------------


@pytest.mark.parametrize("outcome", [Outcome.OVERTURNED, Outcome.UPHELD, Outcome.MODIFIED])
@pytest.mark.django_db
def test_the_original_decider_cannot_decide_the_appeal(appeal, original_decider, outcome):
    assert appeal.original_decider == original_decider
    before = _snapshot(appeal)

    with pytest.raises(AppealRefused, match="took the original decision"):
        _decide(appeal, original_decider, outcome, release_amount=Decimal("1"))
    assert _snapshot(appeal) == before


@pytest.mark.parametrize("column", ["decided_by", "proposed_by"])
@pytest.mark.django_db
def test_the_database_refuses_the_original_decider_as_decider_or_proposer(
    appeal, original_decider, column
):
    with pytest.raises(IntegrityError, match="original_decider"), transaction.atomic():
        Appeal.objects.filter(pk=appeal.pk).update(**{column: original_decider})
    assert Appeal.objects.filter(pk=appeal.pk, **{f"{column}__isnull": True}).exists()


@pytest.mark.django_db
def test_the_database_refuses_an_approver_who_is_the_proposer_or_the_original_decider(
    appeal, reviewer, original_decider, second_reviewer
):
    Appeal.objects.filter(pk=appeal.pk).update(proposed_by=reviewer)
    for approver in (reviewer, original_decider):
        with pytest.raises(IntegrityError, match="approver"), transaction.atomic():
            Appeal.objects.filter(pk=appeal.pk).update(approved_by=approver)
    with pytest.raises(IntegrityError, match="approver"), transaction.atomic():
        Appeal.objects.filter(pk=appeal.pk).update(proposed_by=None, approved_by=second_reviewer)


@pytest.mark.django_db
def test_the_database_refuses_a_decided_appeal_without_outcome_reasons_or_decider(appeal, reviewer):
    complete = {"outcome": "upheld", "decision_reasons": REASONS, "decided_by": reviewer}
    for missing in ({"outcome": ""}, {"decision_reasons": ""}, {"decided_by": None}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Appeal.objects.filter(pk=appeal.pk).update(status="decided", **(complete | missing))
    assert Appeal.objects.get(pk=appeal.pk).status == Status.SUBMITTED


@pytest.mark.django_db
def test_a_fully_automated_action_is_decided_only_by_a_person_allowed_to_review(
    freelancer, other_freelancer, reviewer
):
    action = make_action(freelancer, automated_decision=AutomatedDecision.FULLY)
    appeal = make_appeal(action)
    assert (action.decided_by, appeal.original_decider) == (None, None)
    staff_without_permission = UserFactory(is_staff=True)

    for not_a_reviewer in (freelancer, other_freelancer, staff_without_permission):
        with pytest.raises(AppealRefused, match="Only Trust & Safety reviewers"):
            _decide(appeal, not_a_reviewer)
    assert Appeal.objects.get(pk=appeal.pk).status == Status.SUBMITTED

    claim(appeal, reviewer)
    _decide(appeal, reviewer)
    decided = Appeal.objects.get(pk=appeal.pk)
    assert (decided.status, decided.decided_by) == (Status.DECIDED, reviewer)
    assert decided.decided_by.has_perm("accounts.review_appeals")


@pytest.mark.django_db
def test_a_deactivated_reviewer_cannot_decide(appeal, reviewer):
    # Even while still holding the claim they made before they were deactivated.
    assert Appeal.objects.get(pk=appeal.pk).assigned_to == reviewer
    reviewer.is_active = False
    reviewer.save()
    with pytest.raises(AppealRefused, match="Only Trust & Safety reviewers"):
        _decide(appeal, reviewer)
    assert Appeal.objects.get(pk=appeal.pk).status == Status.SUBMITTED


# --- Upholding and the second review ----------------------------------------------------------


@pytest.mark.django_db
def test_upholding_a_suspension_is_final_at_once_and_leaves_the_action(appeal, reviewer):
    _decide(appeal, reviewer, Outcome.UPHELD)

    decided = Appeal.objects.get(pk=appeal.pk)
    assert (decided.status, decided.outcome, decided.decided_by) == (
        Status.DECIDED,
        Outcome.UPHELD,
        reviewer,
    )
    action = EnforcementAction.objects.get(pk=appeal.action_id)
    assert action.status == EnforcementAction.Status.ACTIVE
    assert _event_kinds(action) == ["issued"]
    assert Notification.objects.filter(appeal=appeal, kind="decision").count() == 1


@pytest.fixture
def proposed(termination, reviewer):
    """A permanent termination whose upholding waits for a second reviewer."""
    appeal = make_appeal(termination, claimed_by=reviewer)
    _decide(appeal, reviewer, Outcome.UPHELD)
    return Appeal.objects.get(pk=appeal.pk)


@pytest.mark.django_db
def test_upholding_a_termination_waits_for_a_second_review(proposed, reviewer, freelancer):
    assert proposed.status == Status.SECOND_REVIEW
    assert (proposed.proposed_by, proposed.decided_by, proposed.decided_at) == (
        reviewer,
        None,
        None,
    )
    assert proposed.outcome == Outcome.UPHELD
    assert list(proposed.decided_versions.all()) == list(proposed.action.cited_versions.all())
    assert not Notification.objects.filter(appeal=proposed, kind="decision").exists()
    assert proposed.action.status == EnforcementAction.Status.ACTIVE

    seen = Appeal.objects.for_freelancer(freelancer).with_thread(internal=False).get()
    assert seen.get_status_display() == "Decision under second review"
    assert seen.is_open()


@pytest.mark.django_db
def test_the_first_reviewer_cannot_approve_their_own_proposal(proposed, reviewer):
    with pytest.raises(AppealRefused, match="different reviewer"):
        services.approve_decision(proposed, approver=reviewer)
    assert Appeal.objects.get(pk=proposed.pk).status == Status.SECOND_REVIEW


@pytest.mark.django_db
def test_the_original_decider_cannot_approve(proposed, original_decider):
    with pytest.raises(AppealRefused, match="took the original decision"):
        services.approve_decision(proposed, approver=original_decider)
    assert Appeal.objects.get(pk=proposed.pk).status == Status.SECOND_REVIEW


@pytest.mark.django_db
def test_a_freelancer_cannot_approve(proposed, freelancer):
    with pytest.raises(AppealRefused, match="Only Trust & Safety reviewers"):
        services.approve_decision(proposed, approver=freelancer)


@pytest.mark.django_db
def test_a_third_reviewer_approves_and_the_decision_becomes_final(
    proposed, reviewer, second_reviewer
):
    services.approve_decision(proposed, approver=second_reviewer)

    decided = Appeal.objects.get(pk=proposed.pk)
    assert (decided.status, decided.outcome) == (Status.DECIDED, Outcome.UPHELD)
    assert (decided.proposed_by, decided.decided_by, decided.approved_by) == (
        reviewer,
        reviewer,
        second_reviewer,
    )
    assert decided.decided_at is not None
    event = decided.events.latest("id")
    assert (event.actor, event.from_status, event.to_status) == (
        second_reviewer,
        Status.SECOND_REVIEW,
        Status.DECIDED,
    )
    [notification] = Notification.objects.filter(appeal=proposed, kind="decision")
    assert REASONS in notification.body
    assert EnforcementAction.objects.get(pk=proposed.action_id).status == "active"


@pytest.mark.django_db
def test_the_freelancer_reads_that_a_second_reviewer_approved_and_a_direct_decision_its_outcome(
    proposed, second_reviewer, freelancer, original_decider
):
    from django.utils import translation

    from appeals.templatetags.freelancer_appeal import event_reason_for_freelancer

    services.approve_decision(proposed, approver=second_reviewer)
    approved = Appeal.objects.get(pk=proposed.pk).events.latest("id")
    with translation.override("en"):
        assert event_reason_for_freelancer(approved) == "Second reviewer approved the decision."
    with translation.override("ru"):
        assert event_reason_for_freelancer(approved) == "Второй проверяющий утвердил решение."

    reviewer = ReviewerFactory()
    direct = make_appeal(make_action(freelancer, decided_by=original_decider), claimed_by=reviewer)
    _decide(direct, reviewer, Outcome.OVERTURNED)
    decided = Appeal.objects.get(pk=direct.pk).events.latest("id")
    with translation.override("en"):
        assert event_reason_for_freelancer(decided) == (
            f"Decision: {Appeal.Outcome(Outcome.OVERTURNED).label}."
        )


@pytest.mark.django_db
def test_nobody_can_decide_over_a_proposal_waiting_for_second_review(
    proposed, reviewer, second_reviewer
):
    before = _snapshot(proposed)
    # Neither the proposer, who still holds the appeal, nor anyone else.
    for someone in (reviewer, second_reviewer):
        for outcome in (Outcome.OVERTURNED, Outcome.MODIFIED, Outcome.UPHELD):
            with pytest.raises(AppealRefused, match="waiting for a second reviewer"):
                _decide(proposed, someone, outcome, release_amount=Decimal("1"))
    assert _snapshot(proposed) == before


@pytest.mark.parametrize("status", [Status.SUBMITTED, Status.IN_REVIEW, Status.AWAITING_FREELANCER])
@pytest.mark.django_db
def test_approving_or_returning_needs_a_proposal(appeal, second_reviewer, status):
    Appeal.objects.filter(pk=appeal.pk).update(status=status)
    appeal.refresh_from_db()
    before = _snapshot(appeal)

    with pytest.raises(AppealRefused, match="No proposed decision"):
        services.approve_decision(appeal, approver=second_reviewer)
    with pytest.raises(AppealRefused, match="No proposed decision"):
        services.return_decision(appeal, approver=second_reviewer, reason="Not convinced.")
    assert _snapshot(appeal) == before


@pytest.mark.django_db
def test_the_second_reviewer_returns_the_proposal_to_review(proposed, second_reviewer):
    services.return_decision(
        proposed, approver=second_reviewer, reason="The invoice was not considered."
    )

    returned = Appeal.objects.get(pk=proposed.pk)
    assert returned.status == Status.IN_REVIEW
    assert (returned.outcome, returned.decision_reasons, returned.proposed_by) == ("", "", None)
    assert list(returned.decided_versions.all()) == []
    event = returned.events.latest("id")
    assert (event.actor, event.from_status, event.to_status) == (
        second_reviewer,
        Status.SECOND_REVIEW,
        Status.IN_REVIEW,
    )
    # The disagreement is kept for reviewers as an internal note, not in the freelancer's timeline.
    assert "The invoice was not considered." not in event.reason
    note = returned.messages.get(kind="internal_note")
    assert note.author == second_reviewer
    assert "The invoice was not considered." in note.body
    assert not Notification.objects.filter(appeal=proposed, kind="decision").exists()


@pytest.mark.django_db
def test_after_a_return_another_reviewer_can_overturn(proposed, reviewer, second_reviewer):
    services.return_decision(proposed, approver=second_reviewer, reason="Look at the invoice.")
    returned = Appeal.objects.get(pk=proposed.pk)
    # Returning needs no claim, and leaves the appeal with its holder, the first reviewer: the
    # second reviewer decides once the appeal is handed over to them.
    assert returned.assigned_to == reviewer
    with pytest.raises(AppealRefused, match="Another reviewer holds this appeal"):
        _decide(returned, second_reviewer, Outcome.OVERTURNED)
    hand_over(returned, second_reviewer)
    _decide(returned, second_reviewer, Outcome.OVERTURNED)

    decided = Appeal.objects.get(pk=proposed.pk)
    assert (decided.status, decided.decided_by) == (Status.DECIDED, second_reviewer)
    assert EnforcementAction.objects.get(pk=proposed.action_id).status == "lifted"


@pytest.mark.django_db
def test_returning_needs_a_reason_and_someone_other_than_the_proposer_or_original_decider(
    proposed, reviewer, second_reviewer, original_decider
):
    with pytest.raises(AppealRefused):
        services.return_decision(proposed, approver=second_reviewer, reason=" ")
    with pytest.raises(AppealRefused, match="different reviewer"):
        services.return_decision(proposed, approver=reviewer, reason="Second thoughts.")
    with pytest.raises(AppealRefused, match="took the original decision"):
        services.return_decision(proposed, approver=original_decider, reason="I was right.")
    assert Appeal.objects.get(pk=proposed.pk).status == Status.SECOND_REVIEW


@pytest.mark.django_db
def test_a_stale_approval_names_the_proposer_of_the_proposal_in_force(
    proposed, reviewer, second_reviewer
):
    """Returned and proposed again by someone else since the approver loaded the page."""
    approver = ReviewerFactory()
    loaded_by_approver = Appeal.objects.get(pk=proposed.pk)
    services.return_decision(proposed, approver=second_reviewer, reason="Reword the reasons.")
    returned = hand_over(Appeal.objects.get(pk=proposed.pk), second_reviewer)
    _decide(returned, second_reviewer, Outcome.UPHELD, reasons="New.")

    services.approve_decision(loaded_by_approver, approver=approver)

    decided = Appeal.objects.get(pk=proposed.pk)
    assert (decided.decided_by, decided.approved_by, decided.decision_reasons) == (
        second_reviewer,
        approver,
        "New.",
    )
    assert Notification.objects.get(appeal=proposed, kind="decision").body.endswith("New.")


@pytest.mark.django_db
def test_a_decided_appeal_cannot_be_decided_again(appeal, reviewer, second_reviewer):
    _decide(appeal, reviewer)
    before = _snapshot(appeal)
    for stale_or_fresh in (appeal, Appeal.objects.get(pk=appeal.pk)):
        # The decider still holds the appeal, so what refuses them is the decision on record.
        with pytest.raises(AppealRefused, match="decided"):
            _decide(stale_or_fresh, reviewer, Outcome.UPHELD)
        with pytest.raises(AppealRefused):
            _decide(stale_or_fresh, second_reviewer, Outcome.UPHELD)
    assert _snapshot(appeal) == before
