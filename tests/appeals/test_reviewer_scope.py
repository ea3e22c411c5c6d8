"""Who may open an appeal on the staff side: `Appeal.objects.for_reviewer(user)`, as a matrix.

A reviewer sees and annotates only appeals in their queues, the ones they hold or held, and
second reviews they may approve; a lead the same (their queues' appeals, those they hold or
may approve) and unrouted ones; an admin all; the original decider (or the person who confirmed a termination) never the appeal against
their decision, whatever their role or queue, and each attempt is written to the audit log.
Every staff view that loads an appeal answers 404 outside the scope.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import AuditEvent
from appeals import services
from appeals.models import Appeal
from appeals.operations import claims
from appeals.uploads import validate_upload
from enforcement.models import EnforcementAction
from tests.factories import (
    AdminFactory,
    EnforcerFactory,
    FreelancerFactory,
    LeadFactory,
    ReviewerFactory,
    claim,
    in_queue,
    make_action,
    make_appeal,
    make_queue,
)

pytestmark = pytest.mark.django_db

# The audit verb of an original decider's refused attempt (appeals.staff_access).
DECIDER_REFUSED = "appeal.decider_refused"

REASONS = "The invoice shows the client paid through the marketplace. We were wrong."


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private-media"), "base_url": None},
        },
    }


class Case:
    """One appeal in a queue, with the people around it."""

    def __init__(self, *, termination: bool = False, routed: bool = True):
        self.decider = ReviewerFactory(display_name="Olga Original")
        self.member = ReviewerFactory(display_name="Mia Member")
        self.outsider = ReviewerFactory(display_name="Otto Outsider")
        self.queue = make_queue(members=[self.member])
        extra = {}
        if termination:
            extra = {
                "restriction_type": EnforcementAction.RestrictionType.PERMANENT_TERMINATION,
                "ends_at": None,
            }
        action = make_action(FreelancerFactory(), decided_by=self.decider, **extra)
        upload = validate_upload(SimpleUploadedFile("invoice.txt", b"Paid on 3 May.\n"))
        self.appeal = make_appeal(action, uploads=[upload])
        if routed:
            in_queue(self.appeal, queue=self.queue)
        self.attachment = self.appeal.attachments.get()


def _relation(name: str):
    """(case, user) for each relation of the matrix."""
    if name == "reviewer in the appeal's queue":
        case = Case()
        return case, case.member
    if name == "reviewer outside the queue":
        case = Case()
        return case, case.outsider
    if name == "reviewer holding it, outside the queue":
        case = Case()
        lead = LeadFactory()
        claims.reassign_appeal(case.appeal, to=case.outsider, by=lead)
        return case, case.outsider
    if name == "reviewer who held it and released it":
        case = Case()
        claim(case.appeal, case.outsider)
        claims.release_appeal(case.appeal, by=case.outsider)
        return case, case.outsider
    if name == "reviewer eligible for the second review":
        case = Case(termination=True)
        claim(case.appeal, case.member)
        _propose_upheld(case.appeal, case.member)
        return case, case.outsider
    if name == "reviewer who proposed the decision in second review":
        case = Case(termination=True)
        claim(case.appeal, case.outsider)
        _propose_upheld(case.appeal, case.outsider)
        return case, case.outsider
    if name == "original decider in the appeal's queue":
        case = Case()
        case.queue.members.add(case.decider)
        return case, case.decider
    if name == "original decider, second review":
        case = Case(termination=True)
        claim(case.appeal, case.member)
        _propose_upheld(case.appeal, case.member)
        return case, case.decider
    if name == "lead of the appeal's queue":
        case = Case()
        lead = LeadFactory()
        case.queue.members.add(lead)
        return case, lead
    if name == "lead of another queue":
        case = Case()
        lead = LeadFactory()
        make_queue(members=[lead])
        return case, lead
    if name == "lead, appeal not routed yet":
        case = Case(routed=False)
        return case, LeadFactory()
    if name == "lead eligible for the second review, outside the queue":
        # Told that a second review waits (`eligible_approvers`): the link must open.
        case = Case(termination=True)
        claim(case.appeal, case.member)
        _propose_upheld(case.appeal, case.member)
        return case, LeadFactory()
    if name == "lead holding it, outside the queue":
        case = Case()
        lead = LeadFactory()
        claims.reassign_appeal(case.appeal, to=lead, by=LeadFactory())
        return case, lead
    if name == "lead who took the original decision":
        lead = LeadFactory()
        case = Case()
        case.queue.members.add(lead)
        action = make_action(FreelancerFactory(), decided_by=lead)
        case.appeal = in_queue(make_appeal(action), queue=case.queue)
        case.attachment = None
        return case, lead
    raise AssertionError(name)


def _propose_upheld(appeal: Appeal, reviewer) -> None:
    services.decide_appeal(
        appeal,
        outcome=Appeal.Outcome.UPHELD,
        reasons=REASONS,
        versions=list(appeal.action.cited_versions.all()),
        decided_by=reviewer,
    )
    assert Appeal.objects.get(pk=appeal.pk).status == Appeal.Status.SECOND_REVIEW


MATRIX = {
    "reviewer in the appeal's queue": 200,
    "reviewer outside the queue": 404,
    "reviewer holding it, outside the queue": 200,
    "reviewer who held it and released it": 200,
    "reviewer eligible for the second review": 200,
    "reviewer who proposed the decision in second review": 200,
    "original decider in the appeal's queue": 404,
    "original decider, second review": 404,
    "lead of the appeal's queue": 200,
    "lead of another queue": 404,
    "lead, appeal not routed yet": 200,
    "lead eligible for the second review, outside the queue": 200,
    "lead holding it, outside the queue": 200,
    "lead who took the original decision": 404,
}


@pytest.mark.parametrize(("relation", "expected"), MATRIX.items(), ids=list(MATRIX))
def test_the_review_page_and_every_read_of_it(client, relation, expected):
    case, user = _relation(relation)
    client.force_login(user)
    pk = case.appeal.pk

    reads = [
        reverse("appeals:review-detail", args=[pk]),
        reverse("appeals:review-bundle", args=[pk, "json"]),
        reverse("appeals:macro-preview", args=[pk]),
        reverse("appeals:review-live", args=[pk]),
    ]
    if case.attachment is not None:
        reads.append(reverse("appeals:attachment-download", args=[case.attachment.pk]))

    for url in reads:
        response = client.get(url)
        if response.streaming:
            # Read to the end: the test client then closes the file without closing the
            # test's database connection (which response.close() would).
            b"".join(response.streaming_content)
        status = response.status_code
        # The macro picker without a choice re-renders the page with the picker's error; the
        # live poll answers 204 when nothing changed since the marker it was given.
        assert status in ((200, 204, 422) if expected == 200 else (404,)), (url, status)
    assert (pk in Appeal.objects.for_reviewer(user).values_list("pk", flat=True)) == (
        expected == 200
    )


@pytest.mark.parametrize(("relation", "expected"), MATRIX.items(), ids=list(MATRIX))
def test_an_internal_note_only_within_the_scope(client, relation, expected):
    case, user = _relation(relation)
    client.force_login(user)
    notes = case.appeal.messages.count()

    response = client.post(
        reverse("appeals:review-note", args=[case.appeal.pk]),
        {"body": "INTERNAL: checked the invoice."},
    )

    if expected == 200:
        assert response.status_code == 302
        assert case.appeal.messages.count() == notes + 1
    else:
        assert response.status_code == 404
        assert case.appeal.messages.count() == notes


@pytest.mark.parametrize(
    "name",
    [
        "appeals:review-decide",
        "appeals:review-request-info",
        "appeals:review-claim",
        "appeals:review-release",
        "appeals:review-approve",
        "appeals:review-return",
    ],
)
def test_every_post_outside_the_scope_is_a_404_that_changes_nothing(client, name):
    case, outsider = _relation("reviewer outside the queue")
    client.force_login(outsider)
    events = case.appeal.events.count()

    response = client.post(reverse(name, args=[case.appeal.pk]), {"reason": "x", "question": "x"})

    assert response.status_code == 404
    assert case.appeal.events.count() == events


def test_the_original_deciders_attempts_are_audited_and_others_404s_are_not(client):
    case, decider = _relation("original decider in the appeal's queue")
    client.force_login(decider)
    assert client.get(reverse("appeals:review-detail", args=[case.appeal.pk])).status_code == 404
    url = reverse("appeals:attachment-download", args=[case.attachment.pk])
    download = client.get(url)
    if download.streaming:
        b"".join(download.streaming_content)
    assert download.status_code == 404

    refused = AuditEvent.objects.filter(verb=DECIDER_REFUSED).order_by("id")
    assert [(e.actor, e.object_id) for e in refused] == [(decider, str(case.appeal.pk))] * 2
    assert "attachments" in refused.last().data["path"]

    client.force_login(case.outsider)
    assert client.get(reverse("appeals:review-detail", args=[case.appeal.pk])).status_code == 404
    assert AuditEvent.objects.filter(verb=DECIDER_REFUSED).count() == 2


def test_the_person_who_confirmed_a_termination_never_opens_its_appeal(client):
    case = Case(termination=True)
    confirmer = case.appeal.action.confirmed_by
    assert confirmer is not None
    case.queue.members.add(confirmer)
    assert not Appeal.objects.for_reviewer(confirmer).filter(pk=case.appeal.pk).exists()


def test_admins_see_every_appeal_but_their_own_decisions_and_others_nothing():
    mine_as_admin = AdminFactory()
    case = Case()
    unrouted = Case(routed=False)
    own = make_appeal(make_action(FreelancerFactory(), decided_by=EnforcerFactory()))
    theirs = make_appeal(make_action(FreelancerFactory(), decided_by=mine_as_admin))

    seen = set(Appeal.objects.for_reviewer(mine_as_admin).values_list("pk", flat=True))
    assert {case.appeal.pk, unrouted.appeal.pk, own.pk} <= seen
    assert theirs.pk not in seen
    assert not Appeal.objects.for_reviewer(FreelancerFactory()).exists()
    assert not Appeal.objects.for_reviewer(EnforcerFactory()).exists()


def test_the_review_list_lists_exactly_the_scope(client):
    case = Case()
    other = Case()
    client.force_login(case.member)

    content = client.get(reverse("appeals:review-list")).content.decode()

    assert f"Appeal #{case.appeal.pk}<" in content
    assert f"Appeal #{other.appeal.pk}<" not in content
