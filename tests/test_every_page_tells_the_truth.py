"""Issue #12, "Every page tells the truth": one regression test per bullet of what was found,
named after it. Each failed on the code the issue was written against."""

import re
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from appeals import services
from appeals.models import Appeal, AppealClock
from appeals.operations import routing
from enforcement.models import EnforcementAction
from notifications.models import Notification
from tests.factories import (
    FreelancerFactory,
    LeadFactory,
    ReviewerFactory,
    make_action,
    make_appeal,
)

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")  # the factories' time zone for every person
Restriction = EnforcementAction.RestrictionType
REASONS = "The invoice shows the client paid through the marketplace. We were wrong."


def _shown(moment) -> str:
    local = timezone.localtime(moment, BERLIN)
    return f"{local.day} {local:%B %Y, %H:%M} {local.tzname()}"


def _get(client, url: str, **headers) -> str:
    response = client.get(url, **headers)
    assert response.status_code == 200
    return response.content.decode()


def _case(client, action) -> str:
    return _get(client, reverse("appeals:case-detail", args=[action.pk]))


def _decide(appeal: Appeal, by, outcome=Appeal.Outcome.OVERTURNED) -> Appeal:
    return services.decide_appeal(
        appeal,
        outcome=outcome,
        reasons=REASONS,
        versions=list(appeal.action.cited_versions.all()),
        decided_by=by,
    )


# --- "Deadlines move after filing" ---------------------------------------------------------


def test_deadlines_move_after_filing_no_longer_happens_the_page_waits_for_the_final_dates(
    client, freelancer
):
    action = make_action(freelancer)
    appeal = make_appeal(action)  # filed, not routed yet (routing runs after commit)
    default_due = AppealClock.objects.get(appeal=appeal, kind=AppealClock.Kind.DECISION).due_at
    client.force_login(freelancer)

    page = _case(client, action)
    facts = page[page.index('id="appeal-facts"') :]
    facts = facts[: facts.index("</dl>")]
    assert "Being set" in facts
    assert _shown(default_due) not in page
    assert 'hx-trigger="every 3s"' in facts  # asks for itself until the dates are final

    routing.route_appeal(appeal.pk)
    fragment = _get(
        client,
        reverse("appeals:case-detail", args=[action.pk]),
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="appeal-facts",
    )
    final = AppealClock.objects.get(appeal=appeal, kind=AppealClock.Kind.DECISION).due_at
    assert fragment.lstrip().startswith('<dl class="facts" id="appeal-facts"')
    assert _shown(final) in fragment
    assert "Being set" not in fragment
    assert "hx-trigger" not in fragment  # final: polling stops
    # The email and the page give the same date, in the same words.
    received = Notification.objects.get(appeal=appeal, kind=Notification.Kind.APPEAL_RECEIVED)
    assert _shown(final) in received.body


# --- "A lifted action still shows its strike and end date" ---------------------------------


def test_a_lifted_action_still_shows_its_strike_and_end_date_no_more(client, freelancer):
    action = make_action(freelancer)  # 1 strike counting for a year, ends in 13 days
    reviewer = ReviewerFactory()
    appeal = make_appeal(action)
    from tests.factories import claim

    claim(appeal, reviewer)
    _decide(appeal, reviewer)
    action.refresh_from_db()
    assert action.status == EnforcementAction.Status.LIFTED
    client.force_login(freelancer)

    standing = _get(client, reverse("enforcement:standing"))
    assert "Strikes that still count: <strong>0</strong>" in standing
    assert "counting until" not in standing
    assert _shown(action.ends_at) not in standing
    assert "<dt>Ends</dt>" not in standing
    assert "Lifted on" in standing

    case = _case(client, action)
    assert "What you cannot do" not in case
    assert "What you could not do while it was in effect" in case
    assert "<dt>Release date</dt>" not in case
    assert "<dt>Ends</dt>" not in case
    assert "you can always appeal inside Recourse first" not in case.lower()
    assert "Your appeal inside Recourse is closed" in case


# --- "Timeline nonsense" --------------------------------------------------------------------


def test_timeline_nonsense_is_gone_one_format_in_the_viewers_zone(client, freelancer):
    termination = make_action(
        freelancer, restriction_type=Restriction.PERMANENT_TERMINATION, ends_at=None
    )
    client.force_login(freelancer)
    case = _case(client, termination)
    standing = _get(client, reverse("enforcement:standing"))

    for label in ("Proposed, not in effect yet", "In effect"):
        assert f"Status changed from “{label}” to “{label}”" not in case
    assert " UTC" not in case  # a Berlin freelancer reads Berlin times only
    took_effect = termination.events.get(kind="took_effect").at
    # The standing page and the timeline agree on when the termination started.
    started = standing[standing.index("<dt>Started</dt>") :]
    assert _shown(took_effect) in started[: started.index("</dd>")]
    # One format: no "05 June 2027", no "Dec. 7, 2026, 8:16 a.m.", no "(Europe/Berlin)" in text.
    for page in (case, standing):
        assert not re.search(r"\b0\d [A-Z][a-z]+ 20\d\d", page)
        assert not re.search(r"\d{1,2}:\d\d [ap]\.m\.", page)


def test_timeline_dates_in_emails_use_the_same_format_as_the_pages(freelancer):
    appeal = make_appeal(make_action(freelancer))
    routing.route_appeal(appeal.pk)
    body = Notification.objects.get(appeal=appeal, kind=Notification.Kind.APPEAL_RECEIVED).body
    due = AppealClock.objects.get(appeal=appeal, kind=AppealClock.Kind.FIRST_RESPONSE).due_at
    assert _shown(due) in body
    assert "(Europe/Berlin)" not in body


# --- "Second review can be impossible" ------------------------------------------------------


@pytest.fixture
def upheld_termination_proposal(freelancer):
    """A termination issued by one reviewer, confirmed by a lead, appealed, and proposed to be
    upheld by a third reviewer: it waits for a second review."""
    issuer, confirmer = ReviewerFactory(), LeadFactory()
    from enforcement import services as enforcement_services

    action = enforcement_services.issue_action(
        __import__("tests.factories", fromlist=["action_request"]).action_request(
            freelancer, restriction_type=Restriction.PERMANENT_TERMINATION, ends_at=None
        ),
        issued_by=issuer,
    )
    enforcement_services.confirm_termination(action, by=confirmer)
    enforcement_services.take_effect_due(now=action.takes_effect_at)
    proposer = ReviewerFactory()
    appeal = make_appeal(EnforcementAction.objects.get(pk=action.pk))
    from tests.factories import claim

    claim(appeal, proposer)
    LeadFactory(display_name="Bea Bystander")  # took no part: may give the second review
    _decide(appeal, proposer, outcome=Appeal.Outcome.UPHELD)
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.SECOND_REVIEW
    return appeal, issuer, confirmer, proposer


def test_second_review_can_be_impossible_no_more_refusals_name_the_true_reason(
    upheld_termination_proposal,
):
    appeal, issuer, confirmer, proposer = upheld_termination_proposal
    refusals = {}
    for name, person in (("issuer", issuer), ("confirmer", confirmer), ("proposer", proposer)):
        with pytest.raises(services.AppealRefused) as refused:
            services.approve_decision(Appeal.objects.get(pk=appeal.pk), approver=person)
        refusals[name] = " ".join(refused.value.messages)
    assert "You took the original decision" in refusals["issuer"]
    assert "You confirmed this termination" in refusals["confirmer"]
    assert "took the original decision" not in refusals["confirmer"].lower()
    assert "You proposed this decision" in refusals["proposer"]


def test_second_review_can_be_impossible_no_more_every_eligible_approver_is_told(
    upheld_termination_proposal,
):
    appeal, issuer, confirmer, proposer = upheld_termination_proposal
    told = set(
        Notification.objects.filter(
            appeal=appeal, kind=Notification.Kind.APPROVAL_WAITING
        ).values_list("recipient", flat=True)
    )
    eligible = set(services.eligible_approvers(appeal).values_list("pk", flat=True))
    assert told == eligible
    assert len(told) == 1  # the bystander lead
    assert told.isdisjoint({issuer.pk, confirmer.pk, proposer.pk})
    other = ReviewerFactory()  # created after the proposal: not told, but eligible
    assert other.pk in set(services.eligible_approvers(appeal).values_list("pk", flat=True))


# --- "Reviewers are never told" -------------------------------------------------------------


def test_reviewers_are_never_told_no_more_the_holder_hears_of_an_answer(freelancer):
    reviewer = ReviewerFactory()
    appeal = make_appeal(make_action(freelancer), claimed_by=reviewer)
    services.request_information(appeal, reviewer=reviewer, question="Which invoice?")
    services.post_message(Appeal.objects.get(pk=appeal.pk), author=freelancer, body="No. 42.")
    told = Notification.objects.get(kind=Notification.Kind.FREELANCER_REPLIED, appeal=appeal)
    assert told.recipient == reviewer
    assert "answered" in told.subject
    assert told.url == reverse("appeals:review-detail", args=[appeal.pk])


def test_reviewers_are_never_told_no_more_the_holder_hears_of_a_withdrawal(freelancer):
    reviewer = ReviewerFactory()
    appeal = make_appeal(make_action(freelancer), claimed_by=reviewer)
    services.withdraw_appeal(appeal, by=freelancer, reason="Sorted out with the client.")
    told = Notification.objects.get(kind=Notification.Kind.APPEAL_WITHDRAWN, appeal=appeal)
    assert told.recipient == reviewer
    assert "Sorted out with the client." in told.body


# --- "Stock pages": a person with no marketplace account ------------------------------------


def test_stock_pages_a_person_without_a_marketplace_account_is_not_told_good_standing(client):
    linked = FreelancerFactory()
    client.force_login(linked)
    assert "Your account is in good standing" in _get(client, reverse("enforcement:standing"))

    newcomer = FreelancerFactory(marketplace_id=None)  # signed up, no marketplace account
    client.force_login(newcomer)
    page = _get(client, reverse("enforcement:standing"))
    assert "good standing" not in page
    assert "No marketplace account is linked to this sign-in" in page


# --- "Lost text" ----------------------------------------------------------------------------


def test_lost_text_a_non_holders_message_is_refused_beside_the_form_with_the_text_kept(
    client, freelancer
):
    holder, other = ReviewerFactory(), ReviewerFactory()
    appeal = make_appeal(make_action(freelancer))
    from tests.factories import claim, in_queue

    in_queue(appeal, holder, other)
    claim(appeal, holder)
    client.force_login(other)
    text = "Dear freelancer, we looked at the invoice you sent."
    response = client.post(
        reverse("appeals:review-message", args=[appeal.pk]), {"body": text}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert response.status_code == 422
    form = html[html.index('class="review-form composer composer-reply"') :]
    form = form[: form.index("</form>")]
    assert "Not recorded: Another reviewer holds this appeal" in form
    assert text in form  # the textarea still holds what they typed


def test_lost_text_a_second_appeal_from_a_stale_tab_keeps_the_new_statement(client, freelancer):
    action = make_action(freelancer)
    appeal = make_appeal(action, statement="My first statement.")
    client.force_login(freelancer)
    later = "I also found the bank statement that shows the payment went through."
    response = client.post(
        reverse("appeals:appeal-create", args=[action.pk]),
        {"statement": later, "requested_outcomes": [Appeal.RequestedOutcome.LIFT]},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert Appeal.objects.filter(action=action).count() == 1
    assert "no second appeal was filed" in html
    reply = html[html.index('id="appeal-reply"') :]
    assert later in reply[: reply.index("</form>")]
    assert Appeal.objects.get(pk=appeal.pk).statement == "My first statement."


# --- The last bullet: no dead ends ----------------------------------------------------------


def test_an_appeal_this_decision_button_sits_at_the_top_of_the_case_page(client, freelancer):
    action = make_action(freelancer)
    client.force_login(freelancer)
    page = _case(client, action)
    button = page.index('<a href="#appeal-form">Appeal this decision</a>')
    assert button < page.index('id="restricted"')  # in the status panel, above the statement
    assert 'id="appeal-form"' in page
    make_appeal(action)
    assert "Appeal this decision" not in _case(client, action)


def test_standing_cards_show_the_appeal_status(client, freelancer):
    appealed, other = make_action(freelancer), make_action(freelancer)
    make_appeal(appealed)
    client.force_login(freelancer)
    page = _get(client, reverse("enforcement:standing"))
    card = page[page.index(f'id="action-{appealed.pk}-heading"') :]
    card = card[: card.index("</article>")]
    assert "badge-appeal-submitted" in card
    other_card = page[page.index(f'id="action-{other.pk}-heading"') :]
    assert f"{other.get_absolute_url()}#appeal-form" in other_card[: other_card.index("</article>")]


def test_second_review_can_be_impossible_the_dashboard_flags_it_and_says_who_is_barred(
    client, upheld_termination_proposal
):
    appeal, issuer, confirmer, proposer = upheld_termination_proposal
    from accounts.models import User

    assert not Appeal.objects.without_approver().exists()  # the bystander may approve
    # As with the demo roles: the only reviewers are the three who took part, all barred.
    User.objects.filter(display_name="Bea Bystander").update(is_active=False)
    assert list(Appeal.objects.without_approver()) == [appeal]

    client.force_login(User.objects.create_superuser("root@example.test", "x" * 20))
    page = _get(client, reverse("appeals:dashboard"))
    section = page[page.index('id="no-approver"') :]
    section = section[: section.index("</section>")]
    assert f"Appeal #{appeal.pk}" in section
    for person in (issuer, confirmer, proposer):
        assert str(person) in section
    ReviewerFactory()  # someone who took no part: the second review is possible again
    assert not Appeal.objects.without_approver().exists()


def test_modify_no_longer_offers_escalating_to_termination(freelancer):
    from appeals.forms import DecisionForm

    suspension = make_action(freelancer)  # a temporary suspension
    offered = [
        value
        for value, _label in DecisionForm(action=suspension).fields["restriction_type"].choices
    ]
    assert Restriction.PERMANENT_TERMINATION not in offered
    assert Restriction.TEMPORARY_SUSPENSION not in offered  # the same type is no reduction
    assert offered == ["", "warning", "feature_restriction", "payout_hold"]
