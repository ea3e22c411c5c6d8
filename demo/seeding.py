"""Seeding the demo: catalogue, people, cases, macros and queues; bulk freelancers for scale.

`manage.py seed_demo` runs it (see demo/management/commands/seed_demo.py).

Idempotent: rules, versions (by rule and number), reason codes and people are created only when
missing, a demo freelancer's cases only when that freelancer has no action yet, and
`--freelancers N` only adds the bulk freelancers that are missing to reach N. Running it twice
changes nothing.
"""

from __future__ import annotations

import bisect
import random
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import CommandError
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Model
from django.utils import timezone

from accounts.models import Role, TrackRecord, User
from demo import data as demo_data
from demo.data import CaseSpec
from enforcement.choices import AutomatedDecision
from enforcement.models import (
    ActionEvent,
    ClientNotice,
    EnforcementAction,
    EvidenceItem,
    ReasonCode,
    ReasonCodeTranslation,
    Rule,
    RuleVersion,
    RuleVersionTranslation,
)
from enforcement.services import (
    ActionRefused,
    ActionRequest,
    action_row,
    client_notice_rows,
    confirm_termination,
    evidence_rows,
    expire_ended_actions,
    issue_action,
    publish_rule_translation,
    termination_takes_effect_at,
)

# --- People ------------------------------------------------------------------------------------


def _group_ids() -> dict[str, int]:
    return dict(Group.objects.filter(name__in=Role.values).values_list("name", "pk"))


def seed_people() -> tuple[dict[str, User], int]:
    """The demo people, by email. Existing accounts are left as they are (their password too)."""
    groups = _group_ids()
    if set(groups) != set(Role.values):
        raise CommandError("Role groups are missing: run `manage.py migrate` first.")
    today = timezone.now().date()
    password_hash = None
    people: dict[str, User] = {}
    created = 0
    for spec in demo_data.PEOPLE:
        user = User.objects.filter(email=spec.email).first()
        if user is None:
            # One hash for everyone: the same password, and hashing is deliberately slow.
            password_hash = password_hash or make_password(demo_data.DEMO_PASSWORD)
            user = User.objects.create(
                email=spec.email,
                password=password_hash,
                display_name=spec.display_name,
                time_zone=spec.time_zone,
                country=spec.country,
                marketplace_id=spec.marketplace_id,
                member_since=(
                    today - timedelta(days=round(spec.member_years * 365.25))
                    if spec.member_years
                    else None
                ),
                is_staff=spec.is_staff,
                is_superuser=spec.is_superuser,
            )
            created += 1
        user.groups.add(*(groups[role] for role in (spec.role, *spec.extra_roles)))
        # Sign-in requires a verified address (mandatory verification).
        EmailAddress.objects.get_or_create(
            user=user, email=spec.email, defaults={"verified": True, "primary": True}
        )
        people[spec.email] = user
        record = demo_data.TRACK_RECORDS.get(spec.email)
        if record is not None:
            TrackRecord.objects.get_or_create(
                user=user,
                defaults={
                    "earnings_to_date": Decimal(record.earnings),
                    "earnings_currency": record.currency,
                    "completed_contracts": record.contracts,
                    "badges": list(record.badges),
                    "client_feedback_score": Decimal(record.feedback),
                    "synced_at": timezone.now(),
                },
            )
    return people, created


# --- Catalogue ---------------------------------------------------------------------------------


def _at_midnight_utc(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def seed_catalogue(*, published_by: User) -> tuple[int, int, int]:
    """Rules with their published history and reason codes; returns what was created.

    Versions are inserted already published (number, published_at and effective_from in one
    INSERT): a published row can never be updated, and the catalogue's history lies in the past,
    which `publish_rule_version` rightly refuses (rules are never retroactive).
    """
    rules_created = versions_created = codes_created = 0
    rules: dict[str, Rule] = {}
    for spec in demo_data.RULES:
        rule, created = Rule.objects.get_or_create(key=spec.key, defaults={"title": spec.title})
        rules_created += created
        rules[spec.key] = rule
        existing = set(rule.versions.published().values_list("number", flat=True))
        for number, version in enumerate(spec.versions, start=1):
            if number in existing:
                continue
            effective_from = _at_midnight_utc(version.effective_from)
            RuleVersion.objects.create(
                rule=rule,
                number=number,
                text=version.text,
                examples=version.examples,
                change_summary=version.change_summary,
                effective_from=effective_from,
                published_at=effective_from - timedelta(days=version.notice_days),
                published_by=published_by,
            )
            versions_created += 1
    for spec in demo_data.REASON_CODES:
        _, created = ReasonCode.objects.get_or_create(
            code=spec.code,
            defaults={
                "title": spec.title,
                "rule": rules[spec.rule_key],
                "category": spec.category,
                "explanation": spec.explanation,
                "what_you_can_do": spec.what_you_can_do,
            },
        )
        codes_created += created
    return rules_created, versions_created, codes_created


def seed_translations(*, published_by: User) -> int:
    """Russian and Spanish translations of the latest version of a few demo rules (and of their
    reason codes), published through the catalogue service; returns how many were created."""
    created = 0
    for spec in demo_data.RULE_TRANSLATIONS:
        version = (
            RuleVersion.objects.published()
            .filter(rule__key=spec.rule_key)
            .order_by("-number")
            .first()
        )
        if version is None or version.translations.filter(language=spec.language).exists():
            continue
        translation = RuleVersionTranslation.objects.create(
            version=version,
            language=spec.language,
            title=spec.title,
            text=spec.text,
            examples=spec.examples,
        )
        for reason in spec.reasons:
            ReasonCodeTranslation.objects.create(
                translation=translation,
                reason_code=ReasonCode.objects.get(code=reason.code),
                title=reason.title,
                explanation=reason.explanation,
                what_you_can_do=reason.what_you_can_do,
            )
        publish_rule_translation(translation, published_by=published_by)
        created += 1
    return created


# --- Demo cases --------------------------------------------------------------------------------


def seed_demo_cases(people: dict[str, User], *, issued_by: User) -> int:
    """Issue each demo freelancer's cases through `issue_action`, unless they have actions."""
    now = timezone.now().replace(second=0, microsecond=0)
    issued = 0
    with_actions = set(
        EnforcementAction.objects.filter(account__email__in=people).values_list(
            "account__email", flat=True
        )
    )
    for demo_case in demo_data.DEMO_CASES:
        if demo_case.email in with_actions:
            continue
        reason_code = ReasonCode.objects.select_related("rule").get(code=demo_case.case.reason_code)
        starts_at = now - timedelta(days=demo_case.started_days_ago)
        cited = RuleVersion.objects.in_force_at(starts_at).select_related("rule")
        request = demo_case.case.request(
            account=people[demo_case.email],
            starts_at=starts_at,
            reason_code=reason_code,
            cited_version=cited.get(rule=reason_code.rule),
        )
        action = issue_action(request, issued_by=issued_by)
        if action.awaits_confirmation():
            # The lead confirmed the proposed termination; its notice period is over.
            confirm_termination(action, by=people[demo_data.DEMO_LEAD])
        issued += 1
    # Cases that started long ago have ended by now: the real sweep records that.
    expire_ended_actions(now=now)
    return issued


# --- Bulk freelancers --------------------------------------------------------------------------


@dataclass
class BulkResult:
    freelancers: int = 0
    actions: int = 0
    rows: int = 0
    seconds: float = 0.0

    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0

    def summary(self) -> str:
        if not self.freelancers:
            return "Bulk freelancers: already there, nothing created."
        return (
            f"Bulk freelancers: created {self.freelancers:,} with {self.actions:,} actions, "
            f"{self.rows:,} rows in {self.seconds:.1f} s ({self.rows_per_second():,.0f} rows/s)."
        )


class _DryRun(Exception):
    """Raised to roll back the template check."""


class _CitableVersions:
    """Which published version of each rule was in force at a moment, without a query per row.

    Same rule as `RuleVersionQuerySet.in_force_at`: the latest version whose effective date (never
    before its publication) has come.
    """

    def __init__(self) -> None:
        self._by_rule: dict[int, tuple[list[datetime], list[RuleVersion]]] = {}
        for version in (
            RuleVersion.objects.published().select_related("rule").order_by("effective_from")
        ):
            starts, versions = self._by_rule.setdefault(version.rule_id, ([], []))
            starts.append(version.effective_from)
            versions.append(version)

    def at(self, rule_id: int, when: datetime) -> RuleVersion:
        starts, versions = self._by_rule.get(rule_id, ([], []))
        index = bisect.bisect_right(starts, when) - 1
        if index < 0:
            raise CommandError(f"No version of rule {rule_id} was in force on {when:%Y-%m-%d}.")
        return versions[index]


def _check_templates(
    cases: tuple[CaseSpec, ...],
    reasons: dict[str, ReasonCode],
    citable: _CitableVersions,
    *,
    reviewer: User,
) -> None:
    """Pass every case template once through `issue_action`'s guards, then roll back."""
    starts_at = timezone.now() - timedelta(days=1)
    for case in cases:
        reason = reasons[case.reason_code]
        try:
            with transaction.atomic():
                account = User.objects.create(email="template-check@seed.invalid")
                account.groups.add(Group.objects.get(name=Role.FREELANCER))
                issue_action(
                    case.request(
                        account=account,
                        starts_at=starts_at,
                        reason_code=reason,
                        cited_version=citable.at(reason.rule_id, starts_at),
                    ),
                    issued_by=reviewer,
                )
                raise _DryRun
        except _DryRun:
            pass
        except ActionRefused as refused:
            raise CommandError(f"Case template {case.reason_code} is refused: {refused}") from None


def _action_row(
    request: ActionRequest,
    *,
    version: RuleVersion,
    decided_by_id: int | None,
    confirmed_by_id: int,
    now: datetime,
) -> EnforcementAction:
    """The row `issue_action` writes for `request` (its own `action_row`), with the status today:
    a termination was confirmed (by `confirmed_by_id`) when notified, and is in effect once its
    notice period is over."""
    ended = request.ends_at is not None and request.ends_at <= now
    notified_at = request.notified_at or request.starts_at
    status = EnforcementAction.Status.EXPIRED if ended else EnforcementAction.Status.ACTIVE
    termination = {}
    if request.restriction_type == EnforcementAction.RestrictionType.PERMANENT_TERMINATION:
        takes_effect_at = termination_takes_effect_at(request, notified_at)
        if takes_effect_at > now:
            status = EnforcementAction.Status.PENDING
        termination = {
            "takes_effect_at": takes_effect_at,
            "confirmed_by_id": confirmed_by_id,
            "confirmed_at": notified_at,
        }
    return action_row(
        request,
        version=version,
        notified_at=notified_at,
        decided_by_id=decided_by_id,
        status=status,
        **termination,
    )


def _pick_cases(rng: random.Random, count: int) -> list[CaseSpec]:
    """`count` cases, oldest first; a permanent termination can only be the last one."""
    cases = demo_data.BULK_CASES
    weights = [case.weight for case in cases]
    non_final = [
        c
        for c in cases
        if c.restriction_type != EnforcementAction.RestrictionType.PERMANENT_TERMINATION
    ]
    non_final_weights = [case.weight for case in non_final]
    picks = rng.choices(non_final, non_final_weights, k=count - 1)
    return [*picks, *rng.choices(cases, weights)]


def seed_bulk_freelancers(
    target: int, *, reviewer: User, confirmer: User, batch_size: int = 1000, progress=print
) -> BulkResult:
    """Make sure `target` bulk freelancers exist, each with 1-3 complete actions.

    Speed matters here (100,000 freelancers in minutes), so rows are written with bulk inserts
    instead of one `issue_action` call per action. They are built from the same values the guard
    checks: every case template in `demo_data.BULK_CASES` is first passed through `issue_action`
    (and rolled back), each row is made from that template's `ActionRequest`, mapped to columns as
    `issue_action` maps them, and cites the version of its rule in force at the row's start
    (`_CitableVersions`, the same rule as `in_force_at`). An action whose end has passed is
    written as expired with its "expired" event, as the sweep would have left it.
    """
    started = time.monotonic()
    suffix = "@" + demo_data.BULK_EMAIL_DOMAIN
    existing = User.objects.filter(email__endswith=suffix).count()
    result = BulkResult()
    if existing >= target:
        return result
    reasons = {code.code: code for code in ReasonCode.objects.select_related("rule")}
    citable = _CitableVersions()
    _check_templates(demo_data.BULK_CASES, reasons, citable, reviewer=reviewer)

    freelancer_group = Group.objects.get(name=Role.FREELANCER).pk
    password_hash = make_password(demo_data.DEMO_PASSWORD)
    now = timezone.now()
    today = now.date()
    missing = target - existing
    progress(f"Creating {missing:,} bulk freelancers (numbers {existing + 1:,} to {target:,}).")
    for first in range(existing + 1, target + 1, batch_size):
        numbers = range(first, min(first + batch_size, target + 1))
        with transaction.atomic():
            _write_batch(
                numbers,
                rng=random.Random(first),
                result=result,
                reviewer=reviewer,
                confirmer=confirmer,
                reasons=reasons,
                citable=citable,
                group_id=freelancer_group,
                password_hash=password_hash,
                now=now,
                today=today,
            )
        result.seconds = time.monotonic() - started
        done = numbers[-1] - existing
        if done == missing or (done // batch_size) % 10 == 0:
            progress(
                f"  {done:,}/{missing:,} freelancers, {result.rows:,} rows, {result.seconds:.1f} s"
            )
    result.seconds = time.monotonic() - started
    return result


def _write_batch(
    numbers: range,
    *,
    rng: random.Random,
    result: BulkResult,
    reviewer: User,
    confirmer: User,
    reasons: dict[str, ReasonCode],
    citable: _CitableVersions,
    group_id: int,
    password_hash: str,
    now: datetime,
    today: date,
) -> None:
    domain = demo_data.BULK_EMAIL_DOMAIN
    users = []
    for number in numbers:
        country, time_zone = rng.choice(demo_data.HOMES)
        users.append(
            User(
                email=f"freelancer{number:06d}@{domain}",
                password=password_hash,
                display_name=(
                    f"{rng.choice(demo_data.FIRST_NAMES)} {rng.choice(demo_data.LAST_NAMES)}"
                ),
                time_zone=time_zone,
                country=country,
                marketplace_id=f"~02{number:016x}",
                member_since=today - timedelta(days=rng.randint(120, 3650)),
            )
        )
    _insert(User, users, need_ids=True)
    _insert(
        User.groups.through, [User.groups.through(user_id=u.pk, group_id=group_id) for u in users]
    )
    _insert(
        EmailAddress,
        [EmailAddress(user_id=u.pk, email=u.email, verified=True, primary=True) for u in users],
    )

    requests: list[tuple[ActionRequest, RuleVersion]] = []
    actions: list[EnforcementAction] = []
    for user in users:
        member_days = (today - user.member_since).days
        cases = _pick_cases(rng, rng.randint(1, 3))
        days_ago = sorted(
            (rng.randint(1, min(1095, member_days - 31)) for _ in cases), reverse=True
        )
        for case, days in zip(cases, days_ago, strict=True):
            starts_at = (now - timedelta(days=days, minutes=rng.randint(0, 1439))).replace(
                second=0, microsecond=0
            )
            reason = reasons[case.reason_code]
            version = citable.at(reason.rule_id, starts_at)
            funds = None
            if case.funds_held_amount:
                funds = (case.funds_held_amount * rng.randint(40, 250) / 100).quantize(
                    Decimal("0.01")
                )
            request = case.request(
                account=user,
                starts_at=starts_at,
                reason_code=reason,
                cited_version=version,
                funds_held_amount=funds,
            )
            decided_by_id = (
                None if request.automated_decision == AutomatedDecision.FULLY else reviewer.pk
            )
            requests.append((request, version))
            actions.append(
                _action_row(
                    request,
                    version=version,
                    decided_by_id=decided_by_id,
                    confirmed_by_id=confirmer.pk,
                    now=now,
                )
            )
    _insert(EnforcementAction, actions, need_ids=True)

    cited, evidence, notices, events = [], [], [], []
    for action, (request, version) in zip(actions, requests, strict=True):
        cited.append(
            EnforcementAction.cited_versions.through(
                enforcementaction_id=action.pk, ruleversion_id=version.pk
            )
        )
        evidence.extend(evidence_rows(action.pk, request))
        notices.extend(client_notice_rows(action.pk, request))
        events.append(
            ActionEvent(
                action_id=action.pk,
                kind=ActionEvent.Kind.ISSUED,
                at=action.notified_at,
                actor_id=action.decided_by_id,
                to_status=(
                    EnforcementAction.Status.PENDING
                    if action.takes_effect_at
                    else EnforcementAction.Status.ACTIVE
                ),
                reason=(
                    f"{action.get_restriction_type_display()} under {version} "
                    f"({request.reason_code.code})."
                ),
            )
        )
        if action.takes_effect_at:
            events.append(
                ActionEvent(
                    action_id=action.pk,
                    kind=ActionEvent.Kind.CONFIRMED,
                    at=action.confirmed_at,
                    actor_id=action.confirmed_by_id,
                    from_status=EnforcementAction.Status.PENDING,
                    to_status=EnforcementAction.Status.PENDING,
                    reason="Confirmed by a second person.",
                )
            )
        if action.status == EnforcementAction.Status.ACTIVE and action.takes_effect_at:
            events.append(
                ActionEvent(
                    action_id=action.pk,
                    kind=ActionEvent.Kind.TOOK_EFFECT,
                    at=action.takes_effect_at,
                    from_status=EnforcementAction.Status.PENDING,
                    to_status=EnforcementAction.Status.ACTIVE,
                    reason="The notice period is over and the termination was confirmed.",
                )
            )
        if action.status == EnforcementAction.Status.EXPIRED:
            events.append(
                ActionEvent(
                    action_id=action.pk,
                    kind=ActionEvent.Kind.EXPIRED,
                    at=action.ends_at,
                    from_status=EnforcementAction.Status.ACTIVE,
                    to_status=EnforcementAction.Status.EXPIRED,
                    reason="The restriction reached its end date.",
                )
            )
    _insert(EnforcementAction.cited_versions.through, cited)
    _insert(EvidenceItem, evidence)
    _insert(ClientNotice, notices)
    _insert(ActionEvent, events)

    result.freelancers += len(users)
    result.actions += len(actions)
    result.rows += 3 * len(users) + 2 * len(actions) + len(evidence) + len(notices) + len(events)


def _insert(model: type[Model], objs: list[Model], *, need_ids: bool = False) -> None:
    """Insert `objs` in one go, setting their primary keys when `need_ids`.

    On PostgreSQL this is COPY (several times faster than INSERT for bulk data), with ids taken
    from the table's sequence first so that children can point at their parents. Values are
    prepared exactly as Django's INSERT prepares them (`pre_save`, `get_db_prep_save`), so
    defaults, auto_now fields and JSON columns come out the same. Elsewhere (SQLite for
    `make run`) it is `bulk_create`, which sets the ids itself.
    """
    if not objs:
        return
    # The real connection, not the `django.db.connection` proxy: it is used once per value.
    db = connections[DEFAULT_DB_ALIAS]
    if db.vendor != "postgresql":
        model.objects.bulk_create(objs)
        return
    meta = model._meta
    with db.cursor() as cursor:
        if need_ids:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [meta.db_table, meta.pk.column, len(objs)],
            )
            for obj, (pk,) in zip(objs, cursor.fetchall(), strict=True):
                obj.pk = pk
        fields = [f for f in meta.concrete_fields if need_ids or not f.primary_key]
        columns = ", ".join(db.ops.quote_name(f.column) for f in fields)
        table = db.ops.quote_name(meta.db_table)
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for obj in objs:
                copy.write_row([f.get_db_prep_save(f.pre_save(obj, True), db) for f in fields])


# --- Canned replies ------------------------------------------------------------------------------


def seed_macros() -> int:
    """The reviewers' canned replies, by title; existing ones are left as leads edited them."""
    # Imported here: appeals builds on enforcement, not the other way round.
    from appeals.models import Macro

    created = 0
    for title, body, effect in demo_data.MACROS:
        _, was_created = Macro.objects.get_or_create(
            title=title, defaults={"body": body, "effect": effect}
        )
        created += was_created
    return created


# --- Queues, reviewer profiles, calendar and SLA policies ----------------------------------------


def seed_queues(people: dict[str, User]) -> None:
    """Queues with members, routing rules, reviewer profiles and SLA policies (idempotent:
    existing rows are left as leads edited them)."""
    from accounts.models import ReviewerProfile
    from appeals.models import Calendar, Holiday, Queue, RoutingRule, SlaPolicy, WorkingInterval

    for email, languages, capacity in demo_data.REVIEWER_PROFILES:
        ReviewerProfile.objects.get_or_create(
            user=people[email], defaults={"languages": list(languages), "capacity": capacity}
        )
    calendar, created = Calendar.objects.get_or_create(
        name=demo_data.SUPPORT_CALENDAR, defaults={"time_zone": demo_data.SUPPORT_CALENDAR_ZONE}
    )
    if created:
        WorkingInterval.objects.bulk_create(
            WorkingInterval(
                calendar=calendar,
                weekday=day,
                start=clock_time.fromisoformat(start),
                end=clock_time.fromisoformat(end),
            )
            for day, start, end in demo_data.SUPPORT_HOURS
        )
        Holiday.objects.bulk_create(
            Holiday(calendar=calendar, date=date.fromisoformat(day), name=name)
            for day, name in demo_data.SUPPORT_HOLIDAYS
        )
    queues = {}
    for spec in demo_data.QUEUES:
        lookup = {"is_fallback": True} if spec.is_fallback else {"name": spec.name}
        queue, created = Queue.objects.get_or_create(
            **lookup,
            defaults={
                "name": spec.name,
                "description": spec.description,
                "priority": spec.priority,
                "languages": list(spec.languages),
                "calendar": calendar,
            },
        )
        if created or queue.calendar_id is None and not queue.members.exists():
            # The migration's bare fallback queue gets the demo's calendar and members once.
            Queue.objects.filter(pk=queue.pk).update(
                calendar=calendar, languages=list(spec.languages), description=spec.description
            )
            queue.members.add(*(people[email] for email in spec.members))
        basis, first, decision, escalation = spec.policy
        SlaPolicy.objects.get_or_create(
            queue=queue,
            priority=None,
            defaults={
                "time_basis": basis,
                "first_response_minutes": first,
                "decision_minutes": decision,
                "escalation": escalation,
            },
        )
        queues[spec.name] = queue
    for position, name, queue_name, conditions in demo_data.ROUTING_RULES:
        if RoutingRule.objects.filter(position=position).exists():
            continue
        fields = dict(conditions)
        if "reason_code" in fields:
            fields["reason_code"] = ReasonCode.objects.get(code=fields["reason_code"])
        RoutingRule.objects.create(position=position, name=name, queue=queues[queue_name], **fields)


# --- A year of history for the transparency report -----------------------------------------------


def seed_history(people: dict[str, User], *, seed: int = 2026) -> int:
    """About a year of actions, appeals, decisions and response times, so the transparency
    report of `make run` has something to say (idempotent: only when no history exists yet).

    Written in bulk like the bulk freelancers (same case templates, same row builder), spread
    over the last 365 days; appeals are decided by the demo reviewer with outcomes drawn per
    detection source (`demo_data.HISTORY_SOURCES`: the login-anomaly detector is reversed far
    more often). Returns the number of actions written.
    """
    from appeals.models import Appeal, AppealClock, AppealEvent, Queue
    from enforcement.models import ClientCorrection, IntakeSource

    domain = demo_data.HISTORY_EMAIL_DOMAIN
    if User.objects.filter(email__endswith="@" + domain).exists():
        return 0
    rng = random.Random(seed)
    now = timezone.now().replace(second=0, microsecond=0)
    today = now.date()
    enforcer, reviewer = people[demo_data.DEMO_ENFORCER], people[demo_data.DEMO_REVIEWER]
    reasons = {code.code: code for code in ReasonCode.objects.select_related("rule")}
    citable = _CitableVersions()
    sources: dict[str | None, IntakeSource | None] = {None: None}
    for spec in demo_data.HISTORY_SOURCES:
        if spec.name is not None:
            source = IntakeSource.objects.filter(name=spec.name).first()
            if source is None:
                source = IntakeSource(name=spec.name)
                source.set_new_token()  # never shown: a demo detector sends nothing
                source.save()
            sources[spec.name] = source
    queues = list(Queue.objects.order_by("pk"))

    group_id = Group.objects.get(name=Role.FREELANCER).pk
    users = []
    for number in range(1, demo_data.HISTORY_FREELANCERS + 1):
        country, time_zone = rng.choice(demo_data.HOMES)
        users.append(
            User(
                email=f"history{number:04d}@{domain}",
                password=make_password(None),
                display_name=f"{rng.choice(demo_data.FIRST_NAMES)} "
                f"{rng.choice(demo_data.LAST_NAMES)}",
                time_zone=time_zone,
                country=country,
                marketplace_id=f"~03{number:016x}",
                member_since=today - timedelta(days=rng.randint(400, 3650)),
            )
        )
    _insert(User, users, need_ids=True)
    _insert(
        User.groups.through, [User.groups.through(user_id=u.pk, group_id=group_id) for u in users]
    )

    cases = [c for c in demo_data.BULK_CASES if c.restriction_type != "permanent_termination"]
    weights = [c.weight for c in cases]
    source_specs = list(demo_data.HISTORY_SOURCES)
    plans = []  # (request, version, action row, source spec)
    for days_ago in range(365, 0, -1):
        for _ in range(rng.randint(*demo_data.HISTORY_ACTIONS_PER_DAY)):
            case = rng.choices(cases, weights)[0]
            spec = rng.choices(source_specs, [s.weight for s in source_specs])[0]
            starts_at = now - timedelta(days=days_ago, minutes=rng.randint(0, 1439))
            reason = reasons[case.reason_code]
            version = citable.at(reason.rule_id, starts_at)
            request = case.request(
                account=rng.choice(users),
                starts_at=starts_at,
                reason_code=reason,
                cited_version=version,
            )
            row = _action_row(
                request,
                version=version,
                decided_by_id=(
                    None if request.automated_decision == AutomatedDecision.FULLY else enforcer.pk
                ),
                confirmed_by_id=people[demo_data.DEMO_LEAD].pk,
                now=now,
            )
            row.automated_detection = spec.name is not None
            if spec.name is not None:
                row.intake_source_id = sources[spec.name].pk
                row.external_id = f"history-{len(plans)}"
            if rng.random() < demo_data.HISTORY_LATE_NOTICE_SHARE:
                row.notified_at = row.starts_at + timedelta(hours=rng.randint(2, 30))
                row.late_notice_reason = demo_data.HISTORY_LATE_NOTICE_REASON
            plans.append((request, version, row, spec))

    # Appeals first, in memory, so an overturned action is written as lifted.
    appeals = []
    for index, (_request, _version, row, spec) in enumerate(plans):
        if rng.random() >= demo_data.HISTORY_APPEAL_SHARE:
            continue
        submitted = row.notified_at + timedelta(hours=rng.randint(2, 24 * 20))
        if submitted >= now:
            continue
        first_response = submitted + timedelta(minutes=rng.randint(30, 60 * 90))
        decided = first_response + timedelta(minutes=int(rng.lognormvariate(8.3, 0.7)))
        appeal = Appeal(
            freelancer_id=row.account_id,
            original_decider_id=row.decided_by_id,
            statement="I did not break this rule; please look at the context.",
            requested_outcomes=[Appeal.RequestedOutcome.LIFT],
            submitted_at=submitted,
            queue=rng.choice(queues) if queues else None,
            routed_at=submitted,
            language="en",
        )
        if rng.random() < demo_data.HISTORY_WITHDRAWN_SHARE:
            appeal.status = Appeal.Status.WITHDRAWN
        elif decided < now:
            draw = rng.random()
            outcome = (
                Appeal.Outcome.OVERTURNED
                if draw < spec.reversal_share * 0.8
                else Appeal.Outcome.MODIFIED
                if draw < spec.reversal_share
                else Appeal.Outcome.UPHELD
            )
            appeal.status, appeal.outcome = Appeal.Status.DECIDED, outcome
            appeal.decision_reasons = "We reviewed the evidence and your explanation."
            appeal.decided_by_id, appeal.decided_at = reviewer.pk, decided
            if outcome == Appeal.Outcome.OVERTURNED:
                row.status = EnforcementAction.Status.LIFTED
            elif outcome == Appeal.Outcome.MODIFIED and row.status == "active":
                row.status = EnforcementAction.Status.MODIFIED
        else:
            appeal.status = Appeal.Status.IN_REVIEW
        appeals.append((index, appeal, first_response, decided))

    actions = [row for _request, _version, row, _spec in plans]
    _insert(EnforcementAction, actions, need_ids=True)
    cited, evidence, notices = [], [], []
    for request, version, row, _spec in plans:
        cited.append(
            EnforcementAction.cited_versions.through(
                enforcementaction_id=row.pk, ruleversion_id=version.pk
            )
        )
        evidence.extend(evidence_rows(row.pk, request))
        notices.extend(client_notice_rows(row.pk, request))
    _insert(EnforcementAction.cited_versions.through, cited)
    _insert(EvidenceItem, evidence)
    _insert(ClientNotice, notices, need_ids=True)
    _insert(
        ActionEvent,
        [
            ActionEvent(
                action_id=row.pk,
                kind=ActionEvent.Kind.ISSUED,
                at=row.notified_at,
                actor_id=row.decided_by_id,
                to_status="active",
                reason=f"{row.get_restriction_type_display()} under {version}.",
            )
            for _request, version, row, _spec in plans
        ],
    )

    for index, appeal, _first, _decided in appeals:
        appeal.action_id = actions[index].pk
    _insert(Appeal, [a for _i, a, _f, _d in appeals], need_ids=True)
    clocks, events = [], []
    for _index, appeal, first_response, _decided in appeals:
        events.append(
            AppealEvent(
                appeal_id=appeal.pk,
                actor_id=appeal.freelancer_id,
                to_status="submitted",
                at=appeal.submitted_at,
                reason="Appeal filed.",
            )
        )
        responded = first_response < now and appeal.status != Appeal.Status.WITHDRAWN
        clocks.append(
            AppealClock(
                appeal_id=appeal.pk,
                kind="first_response",
                started_at=appeal.submitted_at,
                stopped_at=first_response if responded else None,
                due_at=appeal.submitted_at + timedelta(days=3),
            )
        )
        clocks.append(
            AppealClock(
                appeal_id=appeal.pk,
                kind="decision",
                started_at=appeal.submitted_at,
                stopped_at=appeal.decided_at,
                due_at=appeal.submitted_at + timedelta(days=14),
            )
        )
        if appeal.status == Appeal.Status.WITHDRAWN:
            events.append(
                AppealEvent(
                    appeal_id=appeal.pk,
                    actor_id=appeal.freelancer_id,
                    from_status="submitted",
                    to_status="withdrawn",
                    at=appeal.submitted_at + timedelta(days=2),
                    reason="Withdrawn.",
                )
            )
        elif appeal.decided_at:
            events.append(
                AppealEvent(
                    appeal_id=appeal.pk,
                    actor_id=reviewer.pk,
                    from_status="in_review",
                    to_status="decided",
                    at=appeal.decided_at,
                    reason="Decided.",
                )
            )
    _insert(AppealClock, clocks)
    _insert(AppealEvent, events)
    reversed_actions = {
        actions[i].pk: a.decided_at
        for i, a, _f, _d in appeals
        if a.outcome in (Appeal.Outcome.OVERTURNED, Appeal.Outcome.MODIFIED)
    }
    _insert(
        ClientCorrection,
        [
            ClientCorrection(
                notice_id=n.pk,
                created_at=reversed_actions[n.action_id],
                text=f"Correction: the restriction you were told about on "
                f"{n.shown_at:%d %B %Y} was reversed on appeal.",
            )
            for n in notices
            if n.action_id in reversed_actions
        ],
    )
    return len(actions)
