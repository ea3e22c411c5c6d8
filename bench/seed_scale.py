"""Bring a PostgreSQL database to N appeals with the mix of a large marketplace.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/recourse_scale \
        python3 -m uv run python bench/seed_scale.py 1000000            # --open 50000

Creates the database if missing and migrates. Then, all set-based (INSERT ... SELECT over
generate_series, no row goes through Python):

- 20 queues ("Scale 01" to "Scale 20") of different sizes, 500 reviewers (each a member of two
  queues), a lead, and two bench reviewers: `one@scale.bench.recourse.test` (a member of queue 01
  only) and `all@scale.bench.recourse.test` (a member of all 20);
- N / 5 freelancers;
- copies of one action issued through the service (with its cited rule versions), one appeal
  per copy, two SLA clocks per appeal, 1-4 events per appeal and a message per closed appeal.

`--open` appeals (default 50,000) are open: half waiting unassigned in their queue, half held by
a reviewer of that queue (in review, waiting for the freelancer, a few in second review, 1% with
a lapsed lease). The rest are decided (90%) or withdrawn, older than every open appeal, and keep
their last reviewer and lease as real closed appeals do.

Repeatable: it adds only what is missing. Run it with 100,000 then with 1,000,000 on the same
database and the second run adds 900,000 closed appeals while the 50,000 open ones stay: the
"more history, same backlog" comparison. Prints one JSON line with the seconds and row counts.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("CELERY_BROKER_URL", "memory://")
os.environ.setdefault("MAIL_URL", "dummy:")
os.environ.setdefault("LOG_LEVEL", "WARNING")

from support import create_database_if_missing, emit  # noqa: E402

if not create_database_if_missing(os.environ.get("DATABASE_URL", "")):
    raise SystemExit("bench/seed_scale.py seeds PostgreSQL: set a postgres:// DATABASE_URL.")

import django  # noqa: E402

django.setup()

from django.contrib.auth.hashers import make_password  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from accounts.models import Role  # noqa: E402
from enforcement.models import EnforcementAction  # noqa: E402

DOMAIN = "scale.bench.recourse.test"
ONE_QUEUE_REVIEWER = f"one@{DOMAIN}"
ALL_QUEUES_REVIEWER = f"all@{DOMAIN}"
LEAD = f"lead@{DOMAIN}"
PASSWORD = "recourse-demo-2026"
QUEUES = 20
REVIEWERS = 500
PUID_PREFIX = "scale-"
TEMPLATE_PUID = "scale-template"
CHUNK = 250_000
TABLES = {
    "appeals": "appeals_appeal",
    "actions": "enforcement_enforcementaction",
    "clocks": "appeals_appealclock",
    "events": "appeals_appealevent",
    "messages": "appeals_message",
    "users": "accounts_user",
    "queues": "appeals_queue",
}


# Statements are run without parameters (every value is a number or a constant of this script,
# inlined), so `%` is SQL's modulo and LIKE's wildcard as written.


def sql(statement: str) -> int:
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(statement)
        if os.environ.get("SEED_VERBOSE"):
            first_line = " ".join(statement.split())[:60]
            print(f"    {time.perf_counter() - started:6.1f} s  {first_line}", file=sys.stderr)
        return cursor.rowcount


def scalar(statement: str):
    with connection.cursor() as cursor:
        cursor.execute(statement)
        return cursor.fetchone()[0]


def group_id(role: str) -> int:
    return Group.objects.get(name=role).pk


def add_users(emails_sql: str, role: str, *, password: str) -> int:
    """Users for the emails that `emails_sql` (a SELECT of email, display_name) yields, with
    the role's group; only the missing ones."""
    added = sql(
        f"""
        INSERT INTO accounts_user (password, is_superuser, is_staff, is_active, date_joined,
            email, display_name, preferred_language, time_zone, country)
        SELECT '{password}', false, false, true, now(), e.email, e.display_name, 'en', 'UTC', 'DE'
        FROM ({emails_sql}) AS e(email, display_name)
        WHERE NOT EXISTS (SELECT 1 FROM accounts_user u WHERE u.email = e.email)
        """
    )
    group = group_id(role)
    sql(
        f"""
        INSERT INTO accounts_user_groups (user_id, group_id)
        SELECT u.id, {group} FROM accounts_user u
        JOIN ({emails_sql}) AS e(email, d) USING (email)
        WHERE NOT EXISTS (SELECT 1 FROM accounts_user_groups g
                          WHERE g.user_id = u.id AND g.group_id = {group})
        """
    )
    return added


def ensure_people(freelancers: int) -> None:
    password = make_password(PASSWORD)
    add_users(
        f"SELECT 'reviewer' || lpad(n::text, 3, '0') || '@{DOMAIN}', 'Reviewer ' || n "
        f"FROM generate_series(1, {REVIEWERS}) n "
        f"UNION ALL SELECT '{ONE_QUEUE_REVIEWER}', 'Bench One-queue' "
        f"UNION ALL SELECT '{ALL_QUEUES_REVIEWER}', 'Bench All-queues'",
        Role.REVIEWER,
        password=password,
    )
    add_users(f"SELECT '{LEAD}', 'Bench Lead'", Role.LEAD, password=password)
    add_users(
        f"SELECT 'f' || lpad(n::text, 8, '0') || '@{DOMAIN}', 'Freelancer ' || n "
        f"FROM generate_series(1, {freelancers}) n",
        Role.FREELANCER,
        password=password,
    )
    sql(
        f"""
        INSERT INTO accounts_reviewerprofile (user_id, languages, capacity, is_available)
        SELECT u.id, '["en"]', 200, true FROM accounts_user u
        WHERE (u.email LIKE 'reviewer%@{DOMAIN}'
               OR u.email IN ('{ONE_QUEUE_REVIEWER}', '{ALL_QUEUES_REVIEWER}'))
          AND NOT EXISTS (SELECT 1 FROM accounts_reviewerprofile p WHERE p.user_id = u.id)
        """
    )
    # Queues "Scale 01".."Scale 20".
    sql(
        f"""
        INSERT INTO appeals_queue (name, description, languages, priority, is_fallback)
        SELECT 'Scale ' || lpad(q::text, 2, '0'), '', '["en"]', 0, false
        FROM generate_series(1, {QUEUES}) q
        ON CONFLICT (name) DO NOTHING
        """
    )


# Numbered sets the inserts join to (n from 0), made once per run as small temporary tables so
# that each join is a hash join: reviewers, queues, freelancers, and the queue wheel (queue sizes
# from 16 to 52 parts in a thousand slots: appeal a goes to slot (a.id * 7919) % 1000).
REVIEWERS_SQL = "scale_reviewers"
QUEUES_SQL = "scale_queues"
FREELANCERS_SQL = "scale_freelancers"
QUEUE_WHEEL_SQL = "scale_wheel"


def make_numbered_sets() -> None:
    step = f"(16 + n * 36 / {QUEUES - 1})"
    for statement in [
        f"""CREATE TEMPORARY TABLE IF NOT EXISTS scale_reviewers AS
            SELECT id, (row_number() OVER (ORDER BY email) - 1)::int AS n FROM accounts_user
            WHERE email LIKE 'reviewer%@{DOMAIN}'""",
        """CREATE TEMPORARY TABLE IF NOT EXISTS scale_queues AS
            SELECT id, (row_number() OVER (ORDER BY name) - 1)::int AS n FROM appeals_queue
            WHERE name LIKE 'Scale __'""",
        f"""CREATE TEMPORARY TABLE IF NOT EXISTS scale_freelancers AS
            SELECT id, (row_number() OVER (ORDER BY id) - 1)::int AS n FROM accounts_user
            WHERE email LIKE 'f%@{DOMAIN}'""",
        f"""CREATE TEMPORARY TABLE IF NOT EXISTS scale_wheel AS
            SELECT slot, q.id AS queue_id FROM generate_series(0, 999) slot
            JOIN (SELECT n, sum{step} OVER (ORDER BY n) AS upto, sum{step} OVER () AS total
                  FROM generate_series(0, {QUEUES - 1}) n) w
              ON slot * w.total / 1000 < w.upto AND slot * w.total / 1000 >= w.upto - {step}
            JOIN scale_queues q ON q.n = w.n""",
        "ANALYZE scale_reviewers",
        "ANALYZE scale_queues",
        "ANALYZE scale_freelancers",
        "ANALYZE scale_wheel",
    ]:
        sql(statement)


def ensure_memberships() -> None:
    """Reviewer n is a member of queues n mod 20 and (7n + 3) mod 20; `all@` of every queue,
    `one@` of the first."""
    sql(
        f"""
        INSERT INTO appeals_queue_members (queue_id, user_id)
        SELECT DISTINCT q.id, r.id FROM scale_reviewers r
        JOIN scale_queues q ON q.n IN (r.n % {QUEUES}, (7 * r.n + 3) % {QUEUES})
        UNION SELECT q.id, u.id FROM scale_queues q JOIN accounts_user u
            ON u.email = '{ALL_QUEUES_REVIEWER}' OR (u.email = '{ONE_QUEUE_REVIEWER}' AND q.n = 0)
        EXCEPT SELECT queue_id, user_id FROM appeals_queue_members
        """
    )


def template_action() -> EnforcementAction:
    """One complete action issued through the service; every copy shares its statement."""
    from enforcement.models import Rule
    from tests.factories import RuleFactory, make_action

    action = EnforcementAction.objects.filter(puid=TEMPLATE_PUID).first()
    if action is None:
        # On a database seed_demo filled (bench/load.py), rules TOS-1.1… exist: number after them.
        RuleFactory.reset_sequence(Rule.objects.count() + 100)
        action = make_action()
        EnforcementAction.objects.filter(pk=action.pk).update(puid=TEMPLATE_PUID)
    return action


def add_actions(template: EnforcementAction, first: int, count: int) -> tuple[int, int]:
    """`count` copies of the template numbered from `first`, for the freelancers in turn.
    Returns the id range of the new actions."""
    fields = [f for f in EnforcementAction._meta.concrete_fields if not f.primary_key]
    columns = [connection.ops.quote_name(f.column) for f in fields]
    values = []
    for field in fields:
        if field.name == "puid":
            values.append(f"'{PUID_PREFIX}' || g")
        elif field.name == "account":
            values.append("f.id")
        else:
            values.append(f"t.{connection.ops.quote_name(field.column)}")
    before = scalar("SELECT coalesce(max(id), 0) FROM enforcement_enforcementaction")
    freelancers = scalar(f"SELECT count(*) FROM {FREELANCERS_SQL}")
    sql(
        f"""
        INSERT INTO enforcement_enforcementaction ({", ".join(columns)})
        SELECT {", ".join(values)}
        FROM enforcement_enforcementaction t
        CROSS JOIN generate_series({first}, {first + count - 1}) g
        JOIN {FREELANCERS_SQL} f ON f.n = g % {freelancers}
        WHERE t.id = {template.pk}
        ORDER BY g
        """
    )
    sql(
        f"""
        INSERT INTO enforcement_enforcementaction_cited_versions (enforcementaction_id,
            ruleversion_id)
        SELECT a.id, c.ruleversion_id FROM enforcement_enforcementaction a
        JOIN enforcement_enforcementaction_cited_versions c
            ON c.enforcementaction_id = {template.pk}
        WHERE a.id > {before}
        """
    )
    return before, scalar("SELECT max(id) FROM enforcement_enforcementaction")


def add_appeals(after_action: int, *, open_: bool, days_back: tuple[int, int]) -> int:
    """One appeal per action with an id above `after_action`, open or closed. Submitted between
    `days_back` days ago, spread by action id."""
    low, high = days_back
    if open_:
        # Even slots wait in their queue; odd ones are held (in review 70%, waiting for the
        # freelancer 20%, second review 10%; 1% of the leases lapsed).
        status = """CASE WHEN a.id % 2 = 0 THEN 'submitted'
                         WHEN a.id % 20 IN (1, 3) THEN 'awaiting_freelancer'
                         WHEN a.id % 20 = 5 THEN 'second_review'
                         ELSE 'in_review' END"""
        assigned = "CASE WHEN a.id % 2 = 0 THEN NULL ELSE r.id END"
        lease = """CASE WHEN a.id % 2 = 0 THEN NULL
                        WHEN a.id % 200 = 7 THEN now() - interval '5 minutes'
                        ELSE now() + (a.id % 60) * interval '1 minute' END"""
        outcome, reasons, decided_by, decided_at = "''", "''", "NULL", "NULL"
        proposed_by = "CASE WHEN a.id % 20 = 5 THEN r.id END"
    else:
        status = "CASE WHEN a.id % 10 = 0 THEN 'withdrawn' ELSE 'decided' END"
        assigned = "r.id"
        lease = "s.at + interval '2 days'"
        outcome = """CASE WHEN a.id % 10 = 0 THEN ''
                          WHEN a.id % 3 = 0 THEN 'overturned' ELSE 'upheld' END"""
        reasons = """CASE WHEN a.id % 10 = 0 THEN ''
                          ELSE 'The evidence on record supports this outcome.' END"""
        decided_by = "CASE WHEN a.id % 10 = 0 THEN NULL ELSE r.id END"
        decided_at = "CASE WHEN a.id % 10 = 0 THEN NULL ELSE s.at + interval '3 days' END"
        proposed_by = "NULL"
    return sql(
        f"""
        INSERT INTO appeals_appeal (action_id, freelancer_id, original_decider_id, statement,
            requested_outcomes, status, submitted_at, updated_at, outcome, decision_reasons,
            decided_by_id, decided_at, proposed_by_id, language, region, queue_id, priority,
            routed_at, assigned_to_id, claimed_at, lease_expires_at)
        SELECT a.id, a.account_id, a.decided_by_id,
            'The client paid through the marketplace; the messages show it.', '["lift"]',
            {status}, s.at, s.at, {outcome}, {reasons}, {decided_by}, {decided_at},
            {proposed_by}, 'en', 'DE', w.queue_id,
            CASE WHEN a.id % 10 = 0 THEN 1 ELSE 0 END,
            s.at + interval '1 minute', {assigned}, s.at + interval '1 hour', {lease}
        FROM enforcement_enforcementaction a
        CROSS JOIN LATERAL (
            SELECT now() - make_interval(days => {low})
                   - ((a.id * 7919) % 1000000) * (interval '1 day' * {high - low} / 1000000)
        ) AS s(at)
        JOIN {QUEUE_WHEEL_SQL} w ON w.slot = (a.id * 7919) % 1000
        JOIN {QUEUES_SQL} qn ON qn.id = w.queue_id
        JOIN {REVIEWERS_SQL} r
          ON r.n = qn.n + {QUEUES} * ((a.id / 7) % {REVIEWERS // QUEUES})
        WHERE a.id > {after_action} AND a.puid LIKE '{PUID_PREFIX}%'
        """
    )


def add_history(after_appeal: int) -> None:
    """Clocks, events and messages for the appeals with an id above `after_appeal`."""
    # Two clocks each. Closed: stopped (5% late); open: running, paused while the freelancer is
    # asked, 2% past their deadline.
    sql(
        f"""
        INSERT INTO appeals_appealclock (appeal_id, kind, started_at, stopped_at, paused_since,
            due_at, warn_at, warned_at, breached_at)
        SELECT ap.id, k.kind, ap.submitted_at,
            CASE WHEN ap.status IN ('decided', 'withdrawn')
                 THEN ap.submitted_at + k.days * interval '1 day'
                      + CASE WHEN ap.id % 20 = 0 THEN interval '9 days' ELSE interval '0' END
            END,
            CASE WHEN ap.status = 'awaiting_freelancer' THEN now() - interval '1 hour' END,
            due.at, due.at - interval '1 day',
            CASE WHEN ap.status IN ('decided', 'withdrawn') AND ap.id % 20 = 0
                 THEN due.at - interval '1 day' END,
            CASE WHEN ap.status IN ('decided', 'withdrawn') AND ap.id % 20 = 0 THEN due.at END
        FROM appeals_appeal ap
        CROSS JOIN (VALUES ('first_response', 1), ('decision', 4)) AS k(kind, days)
        CROSS JOIN LATERAL (
            SELECT CASE WHEN ap.status IN ('decided', 'withdrawn')
                        THEN ap.submitted_at + (k.days + 2) * interval '1 day'
                        WHEN ap.id % 50 = 0 THEN now() - interval '1 hour'
                        ELSE now() + interval '1 day' + (ap.id % 7200) * interval '1 minute' END
        ) AS due(at)
        WHERE ap.id > {after_appeal}
        """
    )
    # Events: routed always; claimed and "in review" once someone held it; the final status.
    sql(
        f"""
        INSERT INTO appeals_appealevent (appeal_id, kind, at, actor_id, from_status, to_status,
            reason)
        SELECT ap.id, e.kind, ap.submitted_at + e.n * interval '1 hour', e.actor, e.from_status,
            e.to_status, ''
        FROM appeals_appeal ap
        CROSS JOIN LATERAL (VALUES
            (1, 'routed', NULL::bigint, 'submitted', 'submitted', true),
            (2, 'claimed', ap.assigned_to_id, 'submitted', 'submitted',
                ap.assigned_to_id IS NOT NULL),
            (3, 'status', ap.assigned_to_id, 'submitted', 'in_review',
                ap.assigned_to_id IS NOT NULL AND ap.status <> 'submitted'),
            (4, 'status', ap.assigned_to_id, 'in_review', ap.status,
                ap.status IN ('decided', 'withdrawn', 'awaiting_freelancer', 'second_review'))
        ) AS e(n, kind, actor, from_status, to_status, wanted)
        WHERE ap.id > {after_appeal} AND e.wanted
        """
    )
    # The reviewer's reply to each closed appeal; a request for information to those waiting.
    sql(
        f"""
        INSERT INTO appeals_message (appeal_id, author_id, kind, body, created_at)
        SELECT ap.id, ap.assigned_to_id,
            CASE WHEN ap.status = 'awaiting_freelancer' THEN 'info_request' ELSE 'message' END,
            'Thank you. We have looked at the messages you sent and the payment records.',
            ap.submitted_at + interval '2 hours'
        FROM appeals_appeal ap
        WHERE ap.id > {after_appeal} AND ap.assigned_to_id IS NOT NULL
          AND ap.status IN ('decided', 'withdrawn', 'awaiting_freelancer')
        """
    )


def grow(template: EnforcementAction, count: int, *, open_: bool, numbered_from: int) -> int:
    """Add `count` appeals (with actions and history), in chunks; returns how many."""
    # Open appeals are from the last month; decided ones from the last three years, so the
    # dashboard's 7- and 30-day decision shares have about a month's decisions to count.
    days_back = (0, 30) if open_ else (1, 1100)
    done = 0
    while done < count:
        size = min(CHUNK, count - done)
        started = time.perf_counter()
        with transaction.atomic():
            # A bulk load: nothing here needs to survive a crash of the server before the run
            # ends, and the rows are made consistent by construction, so the foreign-key checks
            # (deferred triggers, a third of the time) are skipped as pg_restore would skip them.
            sql("SET LOCAL synchronous_commit = off")
            sql("SET LOCAL session_replication_role = replica")
            appeal_before = scalar("SELECT coalesce(max(id), 0) FROM appeals_appeal")
            action_before, _ = add_actions(template, numbered_from + done, size)
            add_appeals(action_before, open_=open_, days_back=days_back)
            add_history(appeal_before)
        done += size
        print(
            f"  {'open' if open_ else 'closed'}: {done:,} of {count:,} "
            f"({time.perf_counter() - started:.1f} s for this chunk)",
            file=sys.stderr,
            flush=True,
        )
    return done


def row_counts() -> dict[str, int]:
    counts = {name: scalar(f"SELECT count(*) FROM {table}") for name, table in TABLES.items()}
    counts["open_appeals"] = scalar(
        "SELECT count(*) FROM appeals_appeal WHERE status NOT IN ('decided', 'withdrawn')"
    )
    counts["waiting_appeals"] = scalar(
        "SELECT count(*) FROM appeals_appeal WHERE assigned_to_id IS NULL "
        "AND status IN ('submitted', 'in_review', 'awaiting_freelancer')"
    )
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("appeals", type=int, help="total appeals wanted (e.g. 1000000)")
    parser.add_argument("--open", type=int, default=50_000, help="open appeals among them")
    parser.add_argument("--freelancers", type=int, help="default: appeals / 5")
    args = parser.parse_args()

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    ensure_people(args.freelancers or max(1000, args.appeals // 5))
    make_numbered_sets()
    ensure_memberships()
    template = template_action()
    have = scalar("SELECT count(*) FROM appeals_appeal")
    have_open = scalar(
        "SELECT count(*) FROM appeals_appeal WHERE status NOT IN ('decided', 'withdrawn')"
    )
    numbered = scalar(
        f"SELECT count(*) FROM enforcement_enforcementaction WHERE puid LIKE '{PUID_PREFIX}%' "
        f"AND puid <> '{TEMPLATE_PUID}'"
    )
    want_open = max(0, min(args.open, args.appeals) - have_open)
    added_open = grow(template, want_open, open_=True, numbered_from=numbered + 1)
    want_closed = max(0, args.appeals - have - added_open)
    added_closed = grow(template, want_closed, open_=False, numbered_from=numbered + added_open + 1)
    seeded = time.perf_counter() - started
    if added_open or added_closed:
        with connection.cursor() as cursor:
            for table in TABLES.values():
                cursor.execute(f"VACUUM ANALYZE {table}")
            # Every other table the seed wrote (citations, evidence, queue members, profiles):
            # without statistics the planner guesses, e.g. a parallel scan for 8 citations.
            cursor.execute("ANALYZE")
    emit(
        name="seed_scale",
        appeals_wanted=args.appeals,
        added_open=added_open,
        added_closed=added_closed,
        seconds=round(seeded, 1),
        seconds_with_vacuum=round(time.perf_counter() - started, 1),
        rows=row_counts(),
    )


if __name__ == "__main__":
    main()
