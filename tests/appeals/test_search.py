"""Staff search: ranking, identity matches, scoping by role, filters, keyset pages, saved views,
constant queries, and the full-text indexes really used."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from appeals import search as engine
from appeals import services
from appeals.models import Appeal, SavedSearch
from tests.factories import (
    AdminFactory,
    FreelancerFactory,
    LeadFactory,
    ReviewerFactory,
    in_queue,
    make_action,
    make_appeal,
    make_queue,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("celery_in_memory")]

URL = reverse("appeals:search")


def _ids(response, kind: str) -> list[int]:
    """Ids of the results of one kind, in page order."""
    content = response.content.decode()
    section = re.search(rf'<section id="results-{kind}".*?</section>', content, re.S)
    assert section, f"no {kind} section"
    if kind == "appeal":
        return [int(i) for i in re.findall(r">Appeal #(\d+)</a>", section.group(0))]
    if kind == "action":
        return [int(i) for i in re.findall(r" #(\d+)</a>|> \w[\w ]* #(\d+) on", section.group(0))]
    return [int(i) for i in re.findall(r"user #(\d+)", section.group(0))]


def _appeal_ids(client, **params) -> list[int]:
    response = client.get(URL, params)
    assert response.status_code == 200, response.content.decode()[:500]
    return _ids(response, "appeal")


@pytest.fixture
def as_reviewer(client, reviewer):
    client.force_login(reviewer)
    return client


@pytest.fixture
def theirs(reviewer):
    """File an appeal into a queue of the signed-in reviewer: reviewers search only the appeals
    they may open (`Appeal.objects.for_reviewer`: their queues, the ones they hold or held)."""
    queue = make_queue("Riley's queue", members=[reviewer])

    def filed(*args, **kwargs):
        return in_queue(make_appeal(*args, **kwargs), queue=queue)

    return filed


# --- Ranking and identity -----------------------------------------------------------------------


def test_appeals_are_ranked_by_how_well_their_statement_and_messages_match(
    as_reviewer, reviewer, theirs
):
    strong = theirs(
        statement="The invoice was paid. The invoice number is on the invoice I attached."
    )
    weak = theirs(
        statement="I delivered the logo, the brand guide and the website mock-ups on time, "
        "and the client approved every milestone; there is also an invoice somewhere."
    )
    in_message = make_appeal(statement="Please look again at my account.", claimed_by=reviewer)
    services.post_message(
        in_message, author=in_message.freelancer, body="Here is the invoice from March."
    )
    unrelated = theirs(statement="My profile photo was flagged by mistake.")

    found = _appeal_ids(as_reviewer, q="invoice", kind="appeal")

    assert found[0] == strong.pk
    assert set(found) == {strong.pk, weak.pk, in_message.pk}
    assert unrelated.pk not in found
    # Stemming: "invoices" finds "invoice".
    assert set(_appeal_ids(as_reviewer, q="invoices", kind="appeal")) == set(found)


def test_an_id_email_marketplace_id_or_name_finds_the_freelancer_and_their_cases(
    as_reviewer, theirs
):
    amara = FreelancerFactory(
        display_name="Amara Okafor", email="amara@example.test", marketplace_id="mk-4411"
    )
    appeal = theirs(make_action(amara), statement="Nothing about names here.")
    other = theirs(statement="Amara is not mentioned by name in this one... or is she?")

    for q in ("amara@example.test", "mk-4411", "Okafor"):
        response = as_reviewer.get(URL, {"q": q})
        assert _ids(response, "freelancer") == [amara.pk], q
        assert appeal.pk in _ids(response, "appeal"), q
    # The appeal named by its id comes first, above any text match.
    assert _appeal_ids(as_reviewer, q=str(other.pk), kind="appeal")[0] == other.pk
    assert _appeal_ids(as_reviewer, q=f"#{appeal.pk}", kind="appeal")[0] == appeal.pk


def test_actions_are_found_by_the_words_of_their_facts(client, lead):
    action = make_action(facts="The account sold counterfeit sneakers to three clients.")
    make_action(facts="A late delivery was reported.")
    client.force_login(lead)
    response = client.get(URL, {"q": "counterfeit", "kind": "action"})
    assert f"#{action.pk}</a>" in response.content.decode()
    assert response.content.decode().count('class="badge badge-') == 1


# --- Scoping --------------------------------------------------------------------------------------


@pytest.fixture
def world(db):
    """A freelancer with an appealed action, another with an action never appealed."""
    appellant = FreelancerFactory(display_name="Paula Appellant")
    appealed = make_appeal(
        make_action(appellant, facts="Scopetest facts of the appealed action."),
        statement="Scopetest statement.",
    )
    quiet = FreelancerFactory(display_name="Quentin Quiet")
    unappealed = make_action(quiet, facts="Scopetest facts of an action nobody appealed.")
    return appealed, unappealed, appellant, quiet


def _everything(client, q: str) -> dict[str, str]:
    content = client.get(URL, {"q": q}).content.decode()
    return {
        kind: re.search(rf'<section id="results-{kind}".*?</section>', content, re.S).group(0)
        for kind in engine.KINDS
    }


def test_a_reviewer_finds_appeals_and_only_the_actions_and_freelancers_behind_them(client, world):
    appealed, unappealed, appellant, quiet = world
    reviewer = ReviewerFactory()
    in_queue(appealed, reviewer)  # reviewers search the appeals of their queues
    client.force_login(reviewer)
    found = _everything(client, "scopetest")
    assert f"Appeal #{appealed.pk}<" in found["appeal"]
    assert f"#{appealed.action_id}<" in found["action"]
    assert f"#{unappealed.pk}" not in found["action"]
    names = _everything(client, "Quentin")
    assert "Quentin" not in names["freelancer"]
    assert "Paula" in _everything(client, "Paula")["freelancer"]


def test_a_lead_finds_everything(client, world):
    appealed, unappealed, appellant, quiet = world
    client.force_login(LeadFactory())
    found = _everything(client, "scopetest")
    assert f"Appeal #{appealed.pk}<" in found["appeal"]
    assert f"#{unappealed.pk}</a>" in found["action"]
    assert "Quentin" in _everything(client, "Quentin")["freelancer"]


def test_an_admin_finds_actions_and_freelancers_but_works_no_appeals(client, world):
    appealed, unappealed, appellant, quiet = world
    client.force_login(AdminFactory())
    found = _everything(client, "scopetest")
    assert f"Appeal #{appealed.pk}" not in found["appeal"]
    assert "your role does not work appeals" in found["appeal"]
    assert f"#{unappealed.pk}" in found["action"]
    assert "Quentin" in _everything(client, "Quentin")["freelancer"]


def test_freelancers_are_refused_and_visitors_sent_to_sign_in(client, world):
    appealed, unappealed, appellant, quiet = world
    assert client.get(URL, {"q": "scopetest"}).status_code == 302
    client.force_login(appellant)
    assert client.get(URL, {"q": "scopetest"}).status_code == 403
    assert client.post(reverse("appeals:saved-search-create"), {"name": "x"}).status_code == 403


# --- Filters and pages ----------------------------------------------------------------------------


def test_filters_by_status_queue_and_date(as_reviewer, reviewer, theirs):
    queue = make_queue("Payments", members=[reviewer])
    in_payments = in_queue(make_appeal(statement="Filtertest one."), queue=queue)
    old = theirs(statement="Filtertest two.")
    Appeal.objects.filter(pk=old.pk).update(submitted_at=timezone.now() - timedelta(days=40))
    withdrawn = theirs(statement="Filtertest three.")
    services.withdraw_appeal(withdrawn, by=withdrawn.freelancer)

    assert _appeal_ids(as_reviewer, q="filtertest", kind="appeal", queue=queue.pk) == [
        in_payments.pk
    ]
    assert _appeal_ids(as_reviewer, q="filtertest", kind="appeal", status="withdrawn") == [
        withdrawn.pk
    ]
    since = (timezone.now() - timedelta(days=7)).date().isoformat()
    assert old.pk not in _appeal_ids(as_reviewer, q="filtertest", kind="appeal", since=since)
    # Filters alone search too (newest first).
    assert _appeal_ids(as_reviewer, kind="appeal", status="withdrawn") == [withdrawn.pk]


def test_the_search_page_before_any_search_is_a_200_not_an_error(as_reviewer):
    response = as_reviewer.get(URL)
    assert response.status_code == 200
    content = response.content.decode()
    assert "<h1>Search</h1>" in content and "errorlist" not in content


def test_bad_filters_re_render_with_the_error_beside_them(as_reviewer):
    response = as_reviewer.get(URL, {"q": "x", "since": "2026-05-02", "until": "2026-05-01"})
    assert response.status_code == 422
    assert "The end date is before the start date." in response.content.decode()
    assert 'value="x"' in response.content.decode()
    assert as_reviewer.get(URL, {"q": "a\x00b"}).status_code == 422
    assert as_reviewer.get(URL, {"q": "x", "kind": "rocket"}).status_code == 422
    assert as_reviewer.get(URL, {"q": "x", "kind": "appeal", "after": "garbage"}).status_code == 200


def _next_link(response) -> str | None:
    match = re.search(r'<a href="\?([^"]*)" rel="next"', response.content.decode())
    return match.group(1).replace("&amp;", "&") if match else None


@pytest.mark.parametrize("q", ["pagetest", ""])
def test_keyset_pages_walk_every_match_once_in_order(as_reviewer, theirs, q):
    freelancer = FreelancerFactory()
    created = [
        theirs(make_action(freelancer), statement=f"Pagetest {'pagetest ' * (i % 3)}{i}.")
        for i in range(23)
    ]
    first = as_reviewer.get(URL, {"q": q, "kind": "appeal", "freelancer": freelancer.pk})
    page_one = _ids(first, "appeal")
    link = _next_link(first)
    assert len(page_one) == engine.PAGE_SIZE and link
    second = as_reviewer.get(URL + "?" + link)
    page_two = _ids(second, "appeal")
    assert _next_link(second) is None
    assert sorted(page_one + page_two) == sorted(a.pk for a in created)
    if not q:
        assert page_one + page_two == sorted((a.pk for a in created), reverse=True)


def test_a_page_of_results_takes_the_same_queries_for_3_or_20_rows(as_reviewer, theirs):
    def count(n: int, word: str) -> int:
        for _ in range(n):
            theirs(statement=f"{word} statement.")
        with CaptureQueriesContext(connection) as queries:
            response = as_reviewer.get(URL, {"q": word})
        assert len(_ids(response, "appeal")) == min(n, engine.PREVIEW_SIZE)
        return len(queries)

    assert count(3, "querytestone") == count(20, "querytesttwo")


# --- Saved views ----------------------------------------------------------------------------------


def test_a_reviewer_saves_renames_and_deletes_a_view_each_audited(client, reviewer):
    client.force_login(reviewer)
    saved = client.post(
        reverse("appeals:saved-search-create"),
        {"q": "invoice", "kind": "appeal", "status": "submitted", "name": "Unpaid invoices"},
    )
    view = SavedSearch.objects.get()
    assert saved.status_code == 302
    assert (view.owner, view.params) == (
        reviewer,
        {"q": "invoice", "kind": "appeal", "status": "submitted"},
    )
    page = client.get(saved["Location"]).content.decode()
    assert "Unpaid invoices" in page and 'value="invoice"' in page

    duplicate = client.post(
        reverse("appeals:saved-search-create"), {"q": "other", "name": "Unpaid invoices"}
    )
    assert duplicate.status_code == 422
    assert "You already have a view with this name." in duplicate.content.decode()

    client.post(
        reverse("appeals:saved-search-rename", args=[view.pk]),
        {f"v{view.pk}-name": "Invoices"},
    )
    assert SavedSearch.objects.get().name == "Invoices"
    client.post(reverse("appeals:saved-search-delete", args=[view.pk]))
    assert not SavedSearch.objects.exists()
    assert list(
        AuditEvent.objects.filter(object_type="appeals.savedsearch")
        .order_by("id")
        .values_list("verb", flat=True)
    ) == ["saved_search.created", "saved_search.renamed", "saved_search.deleted"]


def test_another_reviewers_view_is_404_and_not_listed(client, reviewer):
    mine = SavedSearch.objects.create(owner=reviewer, name="Mine", params={"q": "x"})
    client.force_login(ReviewerFactory())
    assert "Mine" not in client.get(URL).content.decode()
    rename = reverse("appeals:saved-search-rename", args=[mine.pk])
    assert client.post(rename, {f"v{mine.pk}-name": "Stolen"}).status_code == 404
    assert client.post(reverse("appeals:saved-search-delete", args=[mine.pk])).status_code == 404
    assert SavedSearch.objects.get().name == "Mine"


def test_saving_an_empty_search_is_refused(client, reviewer):
    client.force_login(reviewer)
    response = client.post(reverse("appeals:saved-search-create"), {"name": "Nothing"})
    assert response.status_code == 422
    assert not SavedSearch.objects.exists()


# --- Indexes --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("index", "sql"),
    [
        (
            "action_facts_fts",
            "SELECT id FROM enforcement_enforcementaction WHERE "
            "to_tsvector('english'::regconfig, facts) @@ websearch_to_tsquery('english', 'x')",
        ),
        (
            "appeal_statement_fts",
            "SELECT id FROM appeals_appeal WHERE "
            "to_tsvector('english'::regconfig, statement) @@ websearch_to_tsquery('english', 'x')",
        ),
    ],
)
def test_the_full_text_indexes_exist_and_match_the_expression(index, sql):
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert index in plan


def test_the_search_query_itself_uses_the_facts_index(lead):
    qs, ranked = engine._actions(lead, engine.Filters(q="counterfeit"), [])
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert ranked and "action_facts_fts" in plan


def test_more_matches_than_are_looked_up_by_id_are_still_all_found(
    as_reviewer, theirs, monkeypatch
):
    """Up to MAX_MATCHES the matches are fetched first and looked up by id; past it the query
    ranks them in one statement. Both paths find the same appeals."""
    created = [theirs(statement="Overflowword statement.") for _ in range(4)]
    found = {}
    default = engine.MAX_MATCHES
    for limit in (default, 2):
        monkeypatch.setattr(engine, "MAX_MATCHES", limit)
        response = as_reviewer.get(URL, {"q": "overflowword", "kind": "appeal"})
        found[limit] = sorted(_ids(response, "appeal"))
    assert found[default] == found[2] == sorted(a.pk for a in created)
