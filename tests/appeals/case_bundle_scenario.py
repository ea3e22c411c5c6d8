"""A decided appeal with everything the case bundle must show or leave out: an attachment the
freelancer sent, an internal note with its own file, a message to the freelancer, a decision."""

from django.core.files.uploadedfile import SimpleUploadedFile

from appeals import services
from appeals.models import Appeal
from appeals.uploads import validate_upload
from enforcement.models import EnforcementAction
from tests.appeals.hostile_files import text_bytes
from tests.factories import make_appeal

INTERNAL_NOTE = "INTERNAL-NOTE the detector flagged three other accounts on this device"
REVIEWER_MESSAGE = "Thank you, we are looking at the invoice you sent."
DECISION_REASONS = (
    "DECISION-REASONS The invoice shows the client paid through the marketplace, so the rule "
    "on off-platform payments was not broken."
)


def decided_case(
    action: EnforcementAction, reviewer, *, decide: bool = True, extra_messages: int = 0
) -> Appeal:
    evidence = validate_upload(SimpleUploadedFile("invoice.txt", text_bytes()))
    appeal = make_appeal(action, claimed_by=reviewer, uploads=[evidence])
    internal_file = validate_upload(SimpleUploadedFile("internal-device-graph.txt", text_bytes()))
    services.post_message(
        appeal, author=reviewer, body=INTERNAL_NOTE, uploads=[internal_file], internal=True
    )
    services.post_message(appeal, author=reviewer, body=REVIEWER_MESSAGE)
    for number in range(extra_messages):
        services.post_message(appeal, author=reviewer, body=f"Message {number}.")
    if decide:
        services.decide_appeal(
            appeal,
            outcome=Appeal.Outcome.OVERTURNED,
            reasons=DECISION_REASONS,
            versions=list(action.cited_versions.all()),
            decided_by=reviewer,
        )
    return Appeal.objects.get(pk=appeal.pk)
