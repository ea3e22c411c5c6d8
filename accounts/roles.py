"""Roles are groups; this table is the single place that says what each role may do.

`sync_roles` runs after every migrate (see AccountsConfig.ready), so a fresh database and an old
one end up with the same groups and permissions.
"""

from django.contrib.auth.models import Group, Permission

from accounts.models import Role

# The permissions code checks, named once: views, services and the API import these.
USE_STAFF_PAGES = "accounts.use_staff_pages"
REVIEW_APPEALS = "accounts.review_appeals"
MANAGE_QUEUES = "accounts.manage_queues"
ISSUE_ACTIONS = "accounts.issue_actions"
# The audit log page (/staff/audit/): leads and admins.
VIEW_AUDIT = "accounts.view_auditevent"
# Admins read every account (the admin's user list, staff search).
VIEW_ACCOUNTS = "accounts.view_user"

_STAFF_READ = [
    USE_STAFF_PAGES,
    "enforcement.view_rule",
    "enforcement.view_ruleversion",
    "enforcement.view_reasoncode",
    "enforcement.view_ruleversiontranslation",
    "enforcement.view_reasoncodetranslation",
    "enforcement.view_enforcementaction",
    "enforcement.view_evidenceitem",
    "enforcement.view_clientnotice",
    "enforcement.view_actionevent",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.FREELANCER: [],
    Role.REVIEWER: [*_STAFF_READ, REVIEW_APPEALS, "appeals.view_macro"],
    Role.LEAD: [
        *_STAFF_READ,
        REVIEW_APPEALS,
        MANAGE_QUEUES,
        # Leads confirm proposed terminations (and may issue actions themselves).
        ISSUE_ACTIONS,
        VIEW_AUDIT,
        "appeals.view_macro",
        "appeals.add_macro",
        "appeals.change_macro",
        "appeals.view_appeal",
        # Queues, routing rules and reviewer profiles are managed in the admin (leads have
        # is_staff). No delete_queue: appeals reference their queue, and the fallback must stay.
        "appeals.view_queue",
        "appeals.add_queue",
        "appeals.change_queue",
        "appeals.view_routingrule",
        "appeals.add_routingrule",
        "appeals.change_routingrule",
        "appeals.delete_routingrule",
        "accounts.view_reviewerprofile",
        "accounts.add_reviewerprofile",
        "accounts.change_reviewerprofile",
        "appeals.view_calendar",
        "appeals.add_calendar",
        "appeals.change_calendar",
        "appeals.view_workinginterval",
        "appeals.add_workinginterval",
        "appeals.change_workinginterval",
        "appeals.delete_workinginterval",
        "appeals.view_holiday",
        "appeals.add_holiday",
        "appeals.change_holiday",
        "appeals.delete_holiday",
        "appeals.view_slapolicy",
        "appeals.add_slapolicy",
        "appeals.change_slapolicy",
    ],
    Role.ENFORCER: [*_STAFF_READ, ISSUE_ACTIONS],
    Role.ADMIN: [
        *_STAFF_READ,
        "enforcement.view_intakesource",
        "enforcement.add_intakesource",
        "enforcement.change_intakesource",
        "notifications.view_webhookendpoint",
        "notifications.add_webhookendpoint",
        "notifications.change_webhookendpoint",
        "notifications.view_webhookevent",
        "notifications.view_webhookdelivery",
        "notifications.change_webhookdelivery",
        "notifications.view_webhookattempt",
        VIEW_ACCOUNTS,
        VIEW_AUDIT,
        "enforcement.add_rule",
        "enforcement.change_rule",
        "enforcement.add_ruleversion",
        "enforcement.change_ruleversion",
        "enforcement.delete_ruleversion",
        "enforcement.add_reasoncode",
        "enforcement.change_reasoncode",
        # Translations of published rule versions (and of their reason codes).
        "enforcement.view_ruleversiontranslation",
        "enforcement.add_ruleversiontranslation",
        "enforcement.change_ruleversiontranslation",
        "enforcement.delete_ruleversiontranslation",
        "enforcement.view_reasoncodetranslation",
        "enforcement.add_reasoncodetranslation",
        "enforcement.change_reasoncodetranslation",
        "enforcement.delete_reasoncodetranslation",
    ],
}


def sync_roles(**kwargs) -> None:
    for role, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        wanted = []
        for dotted in codenames:
            app_label, codename = dotted.split(".")
            wanted.append(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        group.permissions.set(wanted)
