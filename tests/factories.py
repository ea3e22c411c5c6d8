"""Factories for tests. Actions are built through `issue_action`, the one path that creates them."""

from datetime import timedelta
from decimal import Decimal

import factory
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from accounts.models import Role, User
from enforcement import services
from enforcement.choices import (
    AutomatedDecision,
    Category,
    DecisionAccount,
    DecisionMonetary,
    SourceType,
)
from enforcement.models import EnforcementAction, EvidenceItem, ReasonCode, Rule, RuleVersion

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.test")
    display_name = factory.Faker("name")
    time_zone = "Europe/Berlin"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)
    # allauth's mandatory verification: people in tests have confirmed their address unless a
    # test says `email_verified=False`.
    email_verified = factory.PostGeneration(
        lambda obj, create, extracted, **kw: _record_email(obj, create, extracted is not False)
    )

    # `UserFactory(role="lead")`; each persona factory below has its own default role.
    role = factory.PostGeneration(
        lambda obj, create, extracted, **kw: _add_role(obj, create, extracted)
    )


class FreelancerFactory(UserFactory):
    marketplace_id = factory.Sequence(lambda n: f"fl-{n:06d}")
    role = factory.PostGeneration(
        lambda obj, create, extracted, **kw: _add_role(obj, create, extracted or Role.FREELANCER)
    )


class ReviewerFactory(UserFactory):
    is_staff = True
    role = factory.PostGeneration(
        lambda obj, create, extracted, **kw: _add_role(obj, create, extracted or Role.REVIEWER)
    )


class LeadFactory(UserFactory):
    is_staff = True
    role = factory.PostGeneration(
        lambda obj, create, extracted, **kw: _add_role(obj, create, extracted or Role.LEAD)
    )


class EnforcerFactory(UserFactory):
    """Staff who issue actions from the staff form and confirm proposed terminations."""

    is_staff = True
    role = factory.PostGeneration(
        lambda obj, create, extracted, **kw: _add_role(obj, create, extracted or Role.ENFORCER)
    )


class AdminFactory(UserFactory):
    is_staff = True
    role = factory.PostGeneration(
        lambda obj, create, extracted, **kw: _add_role(obj, create, extracted or Role.ADMIN)
    )


def _record_email(user: User, create: bool, verified: bool) -> None:
    if create:
        EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=verified)


def _add_role(user: User, create: bool, role: str | None) -> None:
    if not create:
        return
    if role:
        user.groups.add(Group.objects.get(name=role))
    user.save()


class RuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Rule

    key = factory.Sequence(lambda n: f"TOS-{n + 1}.1")
    title = factory.Sequence(lambda n: f"Rule number {n}")


class RuleVersionFactory(factory.django.DjangoModelFactory):
    """A published version by default, in force since two years ago; `draft=True` for a draft."""

    class Meta:
        model = RuleVersion

    class Params:
        draft = factory.Trait(number=None, published_at=None, effective_from=None)

    rule = factory.SubFactory(RuleFactory)
    number = factory.Sequence(lambda n: n + 1)
    text = factory.Faker("paragraph", nb_sentences=4)
    examples = "Allowed: asking a client to pay through the marketplace. Not allowed: asking for a bank transfer."
    change_summary = ""
    published_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=740))
    effective_from = factory.LazyAttribute(
        lambda o: o.published_at + timedelta(days=10) if o.published_at else None
    )


class ReasonCodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReasonCode

    code = factory.Sequence(lambda n: f"reason-{n}")
    title = factory.Sequence(lambda n: f"Reason {n}")
    rule = factory.SubFactory(RuleFactory)
    explanation = "We found that payment for marketplace work was arranged outside the marketplace."
    what_you_can_do = (
        "Show that the payment was made through the marketplace, or explain the context."
    )
    category = Category.SCAMS_AND_FRAUD


def published_version(rule: Rule | None = None, **kwargs) -> RuleVersion:
    rule = rule or RuleFactory()
    number = (rule.versions.published().count() or 0) + 1
    return RuleVersionFactory(rule=rule, number=number, **kwargs)


def action_request(
    account: User | None = None,
    *,
    version: RuleVersion | None = None,
    reason_code: ReasonCode | None = None,
    evidence: int = 2,
    client_notices: int = 1,
    **overrides,
) -> services.ActionRequest:
    """A complete, valid statement of reasons; `overrides` replace any field."""
    account = account or FreelancerFactory()
    version = version or (reason_code.rule.versions.published().first() if reason_code else None)
    version = version or published_version()
    reason_code = reason_code or ReasonCodeFactory(rule=version.rule)
    now = timezone.now()
    fields = {
        "account": account,
        "restriction_type": EnforcementAction.RestrictionType.TEMPORARY_SUSPENSION,
        "reason_code": reason_code,
        "cited_versions": [version],
        "facts": "On 3 May a client reported a request to pay outside the marketplace.",
        "source_type": SourceType.ARTICLE_16,
        "automated_detection": True,
        "automated_decision": AutomatedDecision.PARTIALLY,
        "evidence": [
            services.EvidenceInput(
                signal_category=EvidenceItem.SignalCategory.MESSAGES,
                summary=f"Message {i + 1} asked the client to pay by bank transfer.",
                internal_detail=f"INTERNAL-ONLY detector score 0.9{i} from model pay-v7",
                redaction=EvidenceItem.Redaction.PARTIAL if i % 2 else EvidenceItem.Redaction.NONE,
                redaction_reason="The client's identity is protected." if i % 2 else "",
            )
            for i in range(evidence)
        ],
        "client_notices": [
            services.ClientNoticeInput(
                client_name=f"Client {i + 1} Ltd",
                text=f"This freelancer's account is temporarily suspended (notice {i + 1}).",
                # Each client was told on another day (notices are append-only: set at issue).
                shown_at=now - timedelta(hours=1) - timedelta(days=10 * i),
                client_reference=f"client-{i + 1}",
            )
            for i in range(client_notices)
        ],
        "starts_at": now - timedelta(days=1),
        "ends_at": now + timedelta(days=13),
        "restricted_capabilities": ["proposals", "messaging"],
        "decision_account": DecisionAccount.SUSPENDED,
        "decision_monetary": DecisionMonetary.SUSPENSION,
        "territorial_scope": ["DE", "FR"],
        "funds_held_amount": Decimal("1240.50"),
        "funds_currency": "EUR",
        "funds_release_condition": "Released when the suspension ends or an appeal succeeds.",
        "funds_release_on": (now + timedelta(days=14)).date(),
        "strike_count": 1,
        "strikes_expire_on": (now + timedelta(days=365)).date(),
    }
    fields.update(overrides)
    # Told when it started, or now for a later start (a notice after the start needs a
    # late_notice_reason).
    fields.setdefault("notified_at", min(fields["starts_at"], now))
    return services.ActionRequest(**fields)


def make_action(
    account: User | None = None,
    *,
    version: RuleVersion | None = None,
    reason_code: ReasonCode | None = None,
    decided_by: User | None = None,
    evidence: int = 2,
    client_notices: int = 1,
    in_effect: bool = True,
    **overrides,
) -> EnforcementAction:
    """Issue an action through the service with a complete, valid statement of reasons.

    A permanent termination is only proposed by the service; with `in_effect` (the default) a
    second person confirms it and it takes effect, as it would after its notice period.
    """
    request = action_request(
        account,
        version=version,
        reason_code=reason_code,
        evidence=evidence,
        client_notices=client_notices,
        **overrides,
    )
    action = services.issue_action(request, issued_by=decided_by or ReviewerFactory())
    if in_effect and action.is_pending():
        services.confirm_termination(action, by=EnforcerFactory())
        services.take_effect_due(now=action.takes_effect_at)
        action.refresh_from_db()
    return action


def make_appeal(
    action: EnforcementAction | None = None, *, claimed_by: User | None = None, **kwargs
):
    """File an appeal through `appeals.services.file_appeal`, the one path that creates them.

    `statement`, `requested_outcomes` and `uploads` (a list of CleanUpload) go to the service;
    `claimed_by` (a reviewer) then claims it (see `claim`); any other keyword issues the action
    with `make_action` when no action is given.
    """
    from appeals.models import Appeal
    from appeals.services import file_appeal

    filing = {
        "statement": kwargs.pop(
            "statement", "The client paid through the marketplace; see the invoice."
        ),
        "requested_outcomes": kwargs.pop("requested_outcomes", [Appeal.RequestedOutcome.LIFT]),
        "uploads": kwargs.pop("uploads", []),
    }
    action = action or make_action(**kwargs)
    appeal, _created = file_appeal(action, filed_by=action.account, **filing)
    if claimed_by is not None:
        claim(appeal, claimed_by)
    return appeal


def claim(appeal, reviewer: User):
    """`reviewer` claims `appeal` as the page's "Claim this appeal" button does.

    Only the holder writes to the freelancer, asks for information or decides, so a test whose
    reviewer acts on an appeal claims it first. Goes through `claims.claim_appeal`, so every
    rule of claiming holds (review permission, capacity, never the original decider). Returns
    the same object with its claim fields up to date.
    """
    from appeals.operations import claims

    claimed = claims.claim_appeal(appeal, reviewer)
    appeal.assigned_to = reviewer
    appeal.claimed_at, appeal.lease_expires_at = claimed.claimed_at, claimed.lease_expires_at
    return appeal


def hand_over(appeal, to: User):
    """Whoever holds `appeal` releases it to the queue, then `to` claims it: how a reviewer
    other than the holder comes to work an appeal (for example after a second review)."""
    from appeals.models import Appeal
    from appeals.operations import claims

    holder = Appeal.objects.select_related("assigned_to").get(pk=appeal.pk).assigned_to
    if holder is not None:
        claims.release_appeal(appeal, by=holder)
    return claim(appeal, to)


# --- Queues, reviewers and appeals waiting in queues ------------------------------------------


def make_queue(name: str | None = None, *, members=(), priority: int = 0, languages=()):
    """A (non-fallback) queue with `members` (users) in it."""
    from appeals.models import Queue

    queue = Queue.objects.create(
        name=name or f"Queue {Queue.objects.count() + 1}",
        priority=priority,
        languages=list(languages),
    )
    queue.members.add(*members)
    return queue


def in_queue(appeal, *members, queue=None):
    """Put `appeal` in a queue (a new one unless given) whose members include `members`, as if
    routing had filed it there: reviewers see and work only the appeals of their queues (and the
    ones they hold or held), so a test whose reviewer opens an appeal puts it in their queue.
    Returns the appeal with `queue` and `routed_at` set."""
    from django.utils import timezone

    from appeals.models import Appeal

    queue = queue or make_queue()
    queue.members.add(*members)
    now = timezone.now()
    Appeal.objects.filter(pk=appeal.pk).update(queue=queue, routed_at=now)
    appeal.queue, appeal.routed_at = queue, now
    return appeal


def make_reviewer(
    *,
    languages=("en",),
    capacity: int = 10,
    queues=(),
    is_available: bool = True,
    factory=None,
    **user_fields,
) -> User:
    """A reviewer (or `factory=LeadFactory` for a lead) with a routing profile and queue memberships."""
    from accounts.models import ReviewerProfile

    user = (factory or ReviewerFactory)(**user_fields)
    ReviewerProfile.objects.create(
        user=user, languages=list(languages), capacity=capacity, is_available=is_available
    )
    for queue in queues:
        queue.members.add(user)
    return user


def copy_actions(template: EnforcementAction, rows: list[dict]) -> list[EnforcementAction]:
    """Copies of `template` (an action issued through the service, so complete and valid), one
    per dict in `rows` (fields that differ), written with `bulk_create` with their evidence and
    cited versions in one transaction: the database refuses, at commit, an action without them.
    """
    copied = {
        field.attname: getattr(template, field.attname)
        for field in EnforcementAction._meta.concrete_fields
        if not field.primary_key and field.name != "puid"
    }
    evidence_fields = [
        field.attname
        for field in EvidenceItem._meta.concrete_fields
        if not field.primary_key and field.name != "action"
    ]
    evidence = [
        {name: getattr(item, name) for name in evidence_fields}
        for item in template.evidence_items.all()
    ]
    versions = list(template.cited_versions.values_list("pk", flat=True))
    cited = EnforcementAction.cited_versions.through
    with transaction.atomic():
        actions = EnforcementAction.objects.bulk_create(
            [EnforcementAction(**(copied | row)) for row in rows], batch_size=500
        )
        EvidenceItem.objects.bulk_create(
            [EvidenceItem(action=action, **item) for action in actions for item in evidence],
            batch_size=1000,
        )
        cited.objects.bulk_create(
            [
                cited(enforcementaction_id=action.pk, ruleversion_id=version)
                for action in actions
                for version in versions
            ],
            batch_size=1000,
        )
    return actions


def bulk_queued_appeals(count: int, *, queue, language: str = "en", template=None, **appeal_fields):
    """`count` appeals already routed to `queue` and unassigned, written with `bulk_create`.

    For tests and benchmarks that need thousands: the actions are copies of one action issued
    through the service (`template`, or a new one), so they are complete and valid, only fast.
    Oldest first: the i-th appeal was submitted i seconds after the first.
    """
    from appeals.models import Appeal

    template = template or make_action()
    actions = copy_actions(template, [{} for _ in range(count)])
    now = timezone.now()
    start = now - timedelta(seconds=count + 60)
    fields = {
        "freelancer_id": template.account_id,
        "original_decider_id": template.decided_by_id,
        "statement": "The client paid through the marketplace; see the invoice.",
        "requested_outcomes": [Appeal.RequestedOutcome.LIFT],
        "language": language,
        "queue": queue,
        "priority": queue.priority if queue is not None else 0,
        "routed_at": now if queue is not None else None,
    } | appeal_fields
    return Appeal.objects.bulk_create(
        [
            Appeal(action=action, submitted_at=start + timedelta(seconds=i), **fields)
            for i, action in enumerate(actions)
        ],
        batch_size=500,
    )


def give_track_record(
    user: User,
    *,
    years: int | None = None,
    earnings: str = "0",
    badges=(),
    contracts: int = 0,
    score: str | None = None,
):
    """The marketplace's track record of `user`: a member for `years` (None: not given)."""
    from datetime import date
    from decimal import Decimal

    from django.utils import timezone

    from accounts.models import TrackRecord

    today = timezone.localdate()
    user.member_since = (
        None if years is None else date(today.year - years, today.month, min(today.day, 28))
    )
    user.save(update_fields=["member_since"])
    return TrackRecord.objects.update_or_create(
        user=user,
        defaults={
            "earnings_to_date": Decimal(earnings),
            "completed_contracts": contracts,
            "badges": list(badges),
            "client_feedback_score": None if score is None else Decimal(score),
            "synced_at": timezone.now(),
        },
    )[0]
