from enforcement.models import EnforcementAction
from tests.factories import make_action


def test_make_action_issues_a_complete_action(db):
    action = make_action(evidence=3, client_notices=2)
    assert EnforcementAction.objects.count() == 1
    assert action.evidence_items.count() == 3
    assert action.client_notices.count() == 2
    assert action.events.get().kind == "issued"
