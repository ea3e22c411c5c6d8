"""Late notices are declared, not hidden (issue #11, item 4): a restriction that started more than
LATE_NOTICE_TOLERANCE_MINUTES before the freelancer is told needs a reason, and their statement
says when it started, when they were told and why later."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from enforcement import services
from enforcement.models import EnforcementAction
from infra.dates import format_when
from tests.enforcement.test_staff_issue import (
    _local,
    enforcer,  # noqa: F401 (fixture)
    form_data,
    reason_code,  # noqa: F401 (fixture)
    signed_in,  # noqa: F401 (fixture)
    version,  # noqa: F401 (fixture)
)
from tests.factories import ReviewerFactory, action_request
from transparency.aggregation import compute_days

pytestmark = pytest.mark.django_db

REASON = "We stopped the payout at once to protect a client; the statement followed the review."


def test_a_notice_after_the_tolerance_without_a_reason_is_refused(freelancer):
    now = timezone.now()
    request = action_request(freelancer, starts_at=now - timedelta(hours=2), notified_at=now)
    with pytest.raises(services.ActionRefused) as refused:
        services.issue_action(request, issued_by=ReviewerFactory())
    assert "late_notice_reason" in refused.value.message_dict
    assert "more than 60 minutes" in refused.value.message_dict["late_notice_reason"][0]
    assert not EnforcementAction.objects.exists()


def test_a_notice_within_the_tolerance_needs_no_reason(freelancer):
    now = timezone.now()
    request = action_request(freelancer, starts_at=now - timedelta(minutes=50), notified_at=now)
    action = services.issue_action(request, issued_by=ReviewerFactory())
    assert action.late_notice_reason == ""
    assert not action.notice_was_late()


def test_the_tolerance_is_a_setting(freelancer, settings):
    settings.LATE_NOTICE_TOLERANCE_MINUTES = 10
    now = timezone.now()
    request = action_request(freelancer, starts_at=now - timedelta(minutes=20), notified_at=now)
    with pytest.raises(services.ActionRefused) as refused:
        services.issue_action(request, issued_by=ReviewerFactory())
    assert list(refused.value.message_dict) == ["late_notice_reason"]


def test_a_reason_for_a_timely_notice_is_refused(freelancer):
    request = action_request(freelancer, late_notice_reason=REASON)
    with pytest.raises(services.ActionRefused) as refused:
        services.issue_action(request, issued_by=ReviewerFactory())
    assert list(refused.value.message_dict) == ["late_notice_reason"]


def test_the_freelancers_statement_says_when_it_started_when_they_were_told_and_why(
    client, freelancer
):
    now = timezone.now()
    started = now - timedelta(hours=30)
    request = action_request(
        freelancer, starts_at=started, notified_at=now, late_notice_reason=REASON
    )
    action = services.issue_action(request, issued_by=ReviewerFactory())
    assert action.notice_was_late()
    client.force_login(freelancer)
    content = client.get(action.get_absolute_url()).content.decode()
    late = content[content.index('class="late-notice"') :]
    late = late[: late.index("</p>")]
    assert "You were told late." in late
    assert format_when(started, freelancer.time_zone) in late
    assert format_when(now, freelancer.time_zone) in late
    assert escape(REASON) in late


def test_a_timely_statement_has_no_late_notice_paragraph(client, freelancer):
    action = services.issue_action(action_request(freelancer), issued_by=ReviewerFactory())
    client.force_login(freelancer)
    assert 'class="late-notice"' not in client.get(action.get_absolute_url()).content.decode()


def test_the_staff_form_shows_the_refusal_beside_the_field_and_keeps_the_input(
    signed_in,  # noqa: F811
    freelancer,
    version,  # noqa: F811
    reason_code,  # noqa: F811
):
    start = timezone.now() - timedelta(days=2)
    data = form_data(
        freelancer,
        version,
        reason_code,
        starts_at=_local(start),
        ends_at=_local(start + timedelta(days=10)),
    )
    response = signed_in.post(reverse("enforcement:issue-action"), data)
    assert response.status_code == 422
    form = response.context["form"]
    assert "late_notice_reason" in form.errors
    content = response.content.decode()
    field_html = content[content.index('for="id_late_notice_reason"') :]
    assert escape(form.errors["late_notice_reason"][0]) in field_html[:2000]
    assert _local(start) in content

    response = signed_in.post(
        reverse("enforcement:issue-action"), {**data, "late_notice_reason": REASON}
    )
    assert response.status_code == 200
    assert escape(REASON) in response.content.decode()


def test_the_transparency_report_counts_declared_late_notices(freelancer):
    now = timezone.now()
    started = now - timedelta(hours=30)
    services.issue_action(
        action_request(freelancer, starts_at=started, notified_at=now, late_notice_reason=REASON),
        issued_by=ReviewerFactory(),
    )
    services.issue_action(action_request(freelancer), issued_by=ReviewerFactory())
    figures = compute_days(started.date() - timedelta(days=1), now.date())
    late = sum(v[0] for (day, metric, key), v in figures.items() if metric == "actions.late_notice")
    assert late == 1
