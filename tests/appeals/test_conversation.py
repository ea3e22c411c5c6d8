"""The conversation and the states of an appeal: who may say what, and which moves are allowed."""

import itertools

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from appeals import services
from appeals.models import (
    APPEAL_STATUSES,
    Appeal,
    AppealEvent,
    Attachment,
    InvalidTransition,
    Message,
)
from appeals.services import AppealRefused
from notifications.models import Notification
from tests.factories import ReviewerFactory, UserFactory, make_action, make_appeal

Status = Appeal.Status
Kind = Message.Kind
INTERNAL_NOTE = "INTERNAL: same device as the account closed in March; do not tell them."


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private-media"), "base_url": None},
        },
    }


@pytest.fixture
def appeal(freelancer, reviewer):
    """An appeal the `reviewer` persona holds: only the holder writes to the freelancer, asks
    and decides (tests/appeals/test_holder_only.py proves that)."""
    return make_appeal(make_action(freelancer), claimed_by=reviewer)


def _status_in_db(appeal: Appeal) -> str:
    return Appeal.objects.values_list("status", flat=True).get(pk=appeal.pk)


def _notifications(appeal: Appeal, kind: str) -> list[Notification]:
    return list(Notification.objects.filter(appeal=appeal, kind=kind))


# --- Reviewer messages and internal notes ------------------------------------------------------


@pytest.mark.django_db
def test_a_reviewers_message_starts_the_review_and_notifies_the_freelancer(appeal, reviewer):
    message = services.post_message(appeal, author=reviewer, body="Thank you, I am on it.")

    assert (message.kind, message.author) == (Kind.MESSAGE, reviewer)
    assert _status_in_db(appeal) == appeal.status == Status.IN_REVIEW
    event = appeal.events.latest("id")
    assert (event.actor, event.from_status, event.to_status) == (reviewer, "submitted", "in_review")
    [notification] = _notifications(appeal, Notification.Kind.NEW_MESSAGE)
    assert notification.recipient == appeal.freelancer
    assert notification.body == "Thank you, I am on it."


@pytest.mark.django_db
def test_a_second_reviewer_message_changes_no_state(appeal, reviewer):
    services.post_message(appeal, author=reviewer, body="First.")
    events = appeal.events.count()
    services.post_message(appeal, author=reviewer, body="Second.")

    assert _status_in_db(appeal) == Status.IN_REVIEW
    assert appeal.events.count() == events
    assert len(_notifications(appeal, Notification.Kind.NEW_MESSAGE)) == 2


@pytest.mark.django_db
def test_an_internal_note_changes_nothing_the_freelancer_can_see(appeal, reviewer):
    events = appeal.events.count()
    notifications = Notification.objects.count()

    note = services.post_message(appeal, author=reviewer, body=INTERNAL_NOTE, internal=True)

    assert note.kind == Kind.INTERNAL_NOTE
    assert _status_in_db(appeal) == Status.SUBMITTED
    assert appeal.events.count() == events
    assert Notification.objects.count() == notifications
    assert not Message.objects.visible_to_freelancer().filter(pk=note.pk).exists()


@pytest.mark.django_db
def test_the_freelancers_thread_does_not_even_fetch_internal_notes(appeal, reviewer):
    services.post_message(appeal, author=reviewer, body="Please send the invoice.")
    services.post_message(appeal, author=reviewer, body=INTERNAL_NOTE, internal=True)

    shown = Appeal.objects.with_thread(internal=False).get(pk=appeal.pk)
    with CaptureQueriesContext(connection) as later_queries:
        bodies = [message.body for message in shown.messages.all()]

    assert bodies == ["Please send the invoice."]
    assert len(later_queries) == 0
    staff_view = Appeal.objects.with_thread(internal=True).get(pk=appeal.pk)
    assert [m.body for m in staff_view.messages.all()] == [
        "Please send the invoice.",
        INTERNAL_NOTE,
    ]


@pytest.mark.django_db
def test_a_reviewer_outside_the_appeals_scope_cannot_write_an_internal_note(appeal):
    outsider = ReviewerFactory()  # in none of the appeal's queues, never held it
    with pytest.raises(AppealRefused, match="cannot work on this appeal"):
        services.post_message(appeal, author=outsider, body=INTERNAL_NOTE, internal=True)
    assert not Message.objects.exists()


@pytest.mark.django_db
def test_a_freelancer_cannot_write_an_internal_note(appeal, freelancer):
    with pytest.raises(AppealRefused, match="Only reviewers"):
        services.post_message(appeal, author=freelancer, body="Psst.", internal=True)
    assert not Message.objects.exists()


@pytest.mark.django_db
def test_a_person_who_is_neither_the_appellant_nor_a_reviewer_cannot_post(appeal, other_freelancer):
    staff_without_permission = UserFactory(is_staff=True)
    for outsider in (other_freelancer, staff_without_permission):
        with pytest.raises(AppealRefused, match="Only Trust & Safety reviewers"):
            services.post_message(appeal, author=outsider, body="Hello.")
    assert not Message.objects.exists()


@pytest.mark.parametrize("body", ["", "   \n", "x" * 10_001])
@pytest.mark.django_db
def test_an_empty_or_overlong_message_is_refused(appeal, reviewer, body):
    with pytest.raises(AppealRefused) as refused:
        services.post_message(appeal, author=reviewer, body=body)
    assert list(refused.value.message_dict) == ["body"]
    assert not Message.objects.exists()


# --- Requests for information and answers ---------------------------------------------------------


@pytest.mark.django_db
def test_requesting_information_waits_for_the_freelancer_and_tells_them(appeal, reviewer):
    question = "Please send the invoice for the March contract."
    message = services.request_information(appeal, reviewer=reviewer, question=question)

    assert (message.kind, message.body, message.author) == (Kind.INFO_REQUEST, question, reviewer)
    assert _status_in_db(appeal) == Status.AWAITING_FREELANCER
    event = appeal.events.filter(kind=AppealEvent.Kind.STATUS).latest("id")
    assert (event.actor, event.to_status) == (reviewer, Status.AWAITING_FREELANCER)
    # The wait is the freelancer's: the decision clock pauses, with its own event after it.
    pause = appeal.events.latest("id")
    assert (pause.kind, pause.actor, pause.id > event.id) == (
        AppealEvent.Kind.CLOCK_PAUSED,
        reviewer,
        True,
    )
    [notification] = _notifications(appeal, Notification.Kind.INFO_REQUESTED)
    assert notification.body == question


@pytest.mark.django_db
def test_requesting_information_needs_a_question_and_a_reviewer(appeal, reviewer, freelancer):
    with pytest.raises(AppealRefused):
        services.request_information(appeal, reviewer=reviewer, question="  ")
    with pytest.raises(AppealRefused):
        services.request_information(appeal, reviewer=freelancer, question="Anything?")
    assert _status_in_db(appeal) == Status.SUBMITTED
    assert not Message.objects.exists()


@pytest.mark.django_db
def test_information_cannot_be_requested_twice_in_a_row(appeal, reviewer):
    services.request_information(appeal, reviewer=reviewer, question="The invoice, please.")
    with pytest.raises(AppealRefused):
        services.request_information(appeal, reviewer=reviewer, question="And the contract?")
    assert Message.objects.filter(kind=Kind.INFO_REQUEST).count() == 1


@pytest.mark.django_db
def test_the_freelancers_answer_is_a_reply_and_moves_the_appeal_back_to_review(
    appeal, reviewer, freelancer
):
    services.request_information(appeal, reviewer=reviewer, question="The invoice, please.")
    reply = services.post_message(appeal, author=freelancer, body="Here it is.")

    assert (reply.kind, reply.author) == (Kind.REPLY, freelancer)
    assert _status_in_db(appeal) == Status.IN_REVIEW
    event = appeal.events.filter(kind=AppealEvent.Kind.STATUS).latest("id")
    assert (event.actor, event.from_status, event.to_status) == (
        freelancer,
        Status.AWAITING_FREELANCER,
        Status.IN_REVIEW,
    )
    resume = appeal.events.latest("id")
    assert (resume.kind, resume.actor, resume.id > event.id) == (
        AppealEvent.Kind.CLOCK_RESUMED,
        freelancer,
        True,
    )
    assert _notifications(appeal, Notification.Kind.NEW_MESSAGE) == []


@pytest.mark.django_db
def test_a_freelancer_message_without_a_request_is_a_plain_message(appeal, freelancer):
    message = services.post_message(appeal, author=freelancer, body="One more thing.")
    assert message.kind == Kind.MESSAGE
    assert _status_in_db(appeal) == Status.SUBMITTED


@pytest.mark.django_db
def test_message_attachments_belong_to_the_message(appeal, freelancer):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from appeals.uploads import validate_upload
    from tests.appeals.hostile_files import text_bytes

    upload = validate_upload(SimpleUploadedFile("note.txt", text_bytes()))
    message = services.post_message(appeal, author=freelancer, body="See file.", uploads=[upload])

    [attachment] = message.attachments.all()
    assert (attachment.appeal, attachment.uploaded_by) == (appeal, freelancer)
    assert attachment.sha256 == upload.sha256
    assert Appeal.objects.with_thread(internal=False).get(pk=appeal.pk).statement_attachments == []


# --- Closed appeals ---------------------------------------------------------------------------


def _decided(appeal: Appeal, reviewer) -> Appeal:
    return services.decide_appeal(
        appeal,
        outcome=Appeal.Outcome.UPHELD,
        reasons="The messages show a request to pay outside the marketplace.",
        versions=list(appeal.action.cited_versions.all()),
        decided_by=reviewer,
    )


def _withdrawn(appeal: Appeal, reviewer) -> Appeal:
    return services.withdraw_appeal(appeal, by=appeal.freelancer)


@pytest.mark.parametrize("close", [_decided, _withdrawn], ids=["decided", "withdrawn"])
@pytest.mark.django_db
def test_nobody_can_write_to_a_closed_appeal(appeal, reviewer, close):
    close(appeal, reviewer)
    fresh = Appeal.objects.get(pk=appeal.pk)
    messages = Message.objects.count()

    for author, internal in ((appeal.freelancer, False), (reviewer, False), (reviewer, True)):
        with pytest.raises(
            AppealRefused, match=f"This appeal is {fresh.get_status_display().lower()}"
        ):
            services.post_message(fresh, author=author, body="Anything else?", internal=internal)
    with pytest.raises(AppealRefused):
        services.request_information(fresh, reviewer=reviewer, question="Anything else?")
    assert Message.objects.count() == messages


@pytest.mark.django_db
def test_a_message_is_refused_when_the_appeal_closed_after_it_was_loaded(appeal, reviewer):
    loaded_before = Appeal.objects.get(pk=appeal.pk)
    _decided(appeal, reviewer)

    with pytest.raises(AppealRefused, match="decided"):
        services.post_message(loaded_before, author=appeal.freelancer, body="Late words.")
    assert not Message.objects.exists()


@pytest.mark.django_db
def test_an_answer_is_refused_when_the_appeal_was_withdrawn_after_it_was_loaded(
    appeal, reviewer, freelancer
):
    services.request_information(appeal, reviewer=reviewer, question="The invoice, please.")
    loaded_before = Appeal.objects.get(pk=appeal.pk)
    services.withdraw_appeal(Appeal.objects.get(pk=appeal.pk), by=freelancer)

    with pytest.raises(AppealRefused, match="withdrawn"):
        services.post_message(loaded_before, author=freelancer, body="Here it is.")
    assert Message.objects.filter(kind=Kind.REPLY).count() == 0


# --- Transitions -------------------------------------------------------------------------------

ALLOWED = sorted((src, dst) for src, targets in Appeal.TRANSITIONS.items() for dst in targets)
FORBIDDEN = sorted(
    (src, dst)
    for src, dst in itertools.product(APPEAL_STATUSES, repeat=2)
    if dst not in Appeal.TRANSITIONS[src]
)


def test_the_transition_table_covers_every_status_and_names_only_known_ones():
    assert set(Appeal.TRANSITIONS) == set(APPEAL_STATUSES) == set(Status.values)
    assert all(targets <= set(APPEAL_STATUSES) for targets in Appeal.TRANSITIONS.values())
    assert Appeal.TRANSITIONS[Status.DECIDED] == Appeal.TRANSITIONS[Status.WITHDRAWN] == set()


def _appeal_in(appeal: Appeal, status: str, reviewer) -> Appeal:
    """Put the appeal in `status` directly; a decided one needs what the database demands."""
    fields = {"status": status}
    if status == Status.DECIDED:
        fields |= {"outcome": "upheld", "decision_reasons": "Reasons.", "decided_by": reviewer}
    Appeal.objects.filter(pk=appeal.pk).update(**fields)
    appeal.refresh_from_db()
    return appeal


def _fields_for(status: str, reviewer) -> dict:
    if status == Status.DECIDED:
        return {"outcome": "upheld", "decision_reasons": "Reasons.", "decided_by": reviewer}
    return {}


@pytest.mark.parametrize(("from_status", "to_status"), FORBIDDEN, ids="{0[0]}->{0[1]}".format)
@pytest.mark.django_db
def test_a_transition_not_in_the_table_is_refused_and_leaves_no_trace(
    appeal, reviewer, from_status, to_status
):
    appeal = _appeal_in(appeal, from_status, reviewer)
    events = AppealEvent.objects.count()

    with pytest.raises(InvalidTransition):
        appeal.transition(to_status, actor=reviewer, **_fields_for(to_status, reviewer))

    assert appeal.status == _status_in_db(appeal) == from_status
    assert AppealEvent.objects.count() == events


@pytest.mark.parametrize(("from_status", "to_status"), ALLOWED, ids="{0[0]}->{0[1]}".format)
@pytest.mark.django_db
def test_a_transition_in_the_table_happens_with_exactly_one_event(
    appeal, reviewer, from_status, to_status
):
    appeal = _appeal_in(appeal, from_status, reviewer)
    events = AppealEvent.objects.count()

    appeal.transition(
        to_status, actor=reviewer, reason="Because.", **_fields_for(to_status, reviewer)
    )

    assert appeal.status == _status_in_db(appeal) == to_status
    assert AppealEvent.objects.count() == events + 1
    event = appeal.events.latest("id")
    assert (event.actor, event.from_status, event.to_status, event.reason) == (
        reviewer,
        from_status,
        to_status,
        "Because.",
    )


@pytest.mark.django_db
def test_a_transition_from_a_stale_copy_is_refused_and_leaves_no_event(appeal, reviewer):
    stale = Appeal.objects.get(pk=appeal.pk)
    appeal.transition(Status.IN_REVIEW, actor=reviewer)
    events = AppealEvent.objects.count()

    with pytest.raises(InvalidTransition, match="changed meanwhile; it is now in review"):
        stale.transition(Status.WITHDRAWN, actor=appeal.freelancer)

    assert _status_in_db(appeal) == Status.IN_REVIEW
    assert AppealEvent.objects.count() == events


# --- The record is append-only ----------------------------------------------------------------


def _append_only_rows(appeal: Appeal, reviewer):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from appeals.uploads import validate_upload
    from tests.appeals.hostile_files import text_bytes

    upload = validate_upload(SimpleUploadedFile("note.txt", text_bytes()))
    message = services.post_message(appeal, author=reviewer, body="Hello.", uploads=[upload])
    return {
        "event": (AppealEvent, appeal.events.latest("id").pk, {"reason": "Rewritten."}),
        "message": (Message, message.pk, {"body": "Rewritten."}),
        "attachment": (Attachment, message.attachments.get().pk, {"display_name": "other.txt"}),
    }


@pytest.mark.parametrize("row", ["event", "message", "attachment"])
@pytest.mark.django_db
def test_an_audit_row_cannot_be_updated(appeal, reviewer, row):
    model, pk, change = _append_only_rows(appeal, reviewer)[row]

    with pytest.raises(IntegrityError, match="append-only|never"), transaction.atomic():
        model.objects.filter(pk=pk).update(**change)
    with pytest.raises(IntegrityError), transaction.atomic():
        instance = model.objects.get(pk=pk)
        for name, value in change.items():
            setattr(instance, name, value)
        instance.save()
    field, value = next(iter(change.items()))
    assert getattr(model.objects.get(pk=pk), field) != value


@pytest.mark.parametrize("row", ["event", "message", "attachment"])
@pytest.mark.django_db
def test_an_audit_row_cannot_be_deleted(appeal, reviewer, row):
    model, pk, _change = _append_only_rows(appeal, reviewer)[row]

    with pytest.raises(IntegrityError), transaction.atomic():
        model.objects.filter(pk=pk).delete()
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE id = %s", [pk])  # noqa: S608
    assert model.objects.filter(pk=pk).exists()


# --- Withdrawing -------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [Status.SUBMITTED, Status.IN_REVIEW, Status.AWAITING_FREELANCER])
@pytest.mark.django_db
def test_the_freelancer_can_withdraw_before_a_decision(appeal, reviewer, freelancer, status):
    appeal = _appeal_in(appeal, status, reviewer)
    assert appeal.can_withdraw()

    services.withdraw_appeal(appeal, by=freelancer, reason="Sorted out with the client.")

    assert _status_in_db(appeal) == Status.WITHDRAWN
    event = appeal.events.latest("id")
    assert (event.actor, event.from_status, event.to_status, event.reason) == (
        freelancer,
        status,
        Status.WITHDRAWN,
        "Sorted out with the client.",
    )


@pytest.mark.django_db
def test_withdrawing_after_the_decision_is_refused(appeal, reviewer, freelancer):
    _decided(appeal, reviewer)
    decided = Appeal.objects.get(pk=appeal.pk)
    assert not decided.can_withdraw()
    events = AppealEvent.objects.count()

    with pytest.raises(AppealRefused, match="decided cannot become withdrawn"):
        services.withdraw_appeal(decided, by=freelancer)
    assert _status_in_db(appeal) == Status.DECIDED
    assert AppealEvent.objects.count() == events


@pytest.mark.django_db
def test_withdrawing_a_stale_copy_after_the_decision_is_refused(appeal, reviewer, freelancer):
    loaded_before = Appeal.objects.get(pk=appeal.pk)
    _decided(appeal, reviewer)

    with pytest.raises(AppealRefused, match="changed meanwhile; it is now decided"):
        services.withdraw_appeal(loaded_before, by=freelancer)
    assert _status_in_db(appeal) == Status.DECIDED


@pytest.mark.django_db
def test_withdrawing_twice_is_refused_the_second_time(appeal, freelancer):
    services.withdraw_appeal(appeal, by=freelancer)
    with pytest.raises(AppealRefused):
        services.withdraw_appeal(Appeal.objects.get(pk=appeal.pk), by=freelancer)
    assert appeal.events.filter(to_status=Status.WITHDRAWN).count() == 1


@pytest.mark.django_db
def test_nobody_else_can_withdraw_the_appeal(appeal, reviewer, other_freelancer):
    for someone_else in (other_freelancer, reviewer, ReviewerFactory()):
        with pytest.raises(AppealRefused, match="Only the person who appealed"):
            services.withdraw_appeal(appeal, by=someone_else)
    assert _status_in_db(appeal) == Status.SUBMITTED
