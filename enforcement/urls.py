from django.urls import path

from enforcement import staff_views, views
from enforcement.feeds import RuleChangesFeed

app_name = "enforcement"

urlpatterns = [
    path("standing/", views.standing, name="standing"),
    path("rules/", views.rule_list, name="rule-list"),
    path("rules/feed/", RuleChangesFeed(), name="rule-feed"),
    path("rules/<str:key>/", views.rule_detail, name="rule-detail"),
    path("rules/<str:key>/compare/", views.rule_compare, name="rule-compare"),
    path("rules/<str:key>/v<int:number>/", views.rule_version, name="rule-version"),
    path("redress/", views.redress, name="redress"),
    path("staff/", staff_views.staff_home, name="staff-home"),
    # Staff: issuing actions (form, preview, confirm) and proposed terminations.
    path("staff/actions/new/", staff_views.issue_action, name="issue-action"),
    path(
        "staff/actions/new/confirm/",
        staff_views.issue_action_confirm,
        name="issue-action-confirm",
    ),
    path("staff/actions/<int:pk>/", staff_views.staff_action, name="staff-action"),
    path("staff/accounts/<int:pk>/lead-review/", staff_views.lead_review, name="lead-review"),
    path("staff/terminations/", staff_views.pending_terminations, name="pending-terminations"),
    path(
        "staff/terminations/<int:pk>/confirm/",
        staff_views.confirm_termination,
        name="confirm-termination",
    ),
    path(
        "staff/terminations/<int:pk>/withdraw/",
        staff_views.withdraw_termination,
        name="withdraw-termination",
    ),
]
