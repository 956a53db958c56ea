"""The reports feed compiled to one SQL statement (saas.schema.compiled, issue 15) answers what
the executor answers: a corpus of feed queries, as the cabinet and integrators send them, runs
over HTTP with the compiler switched off and on, for every kind of viewer, and the parsed JSON
answers (data and errors) must be equal. The cases the compiler does not support must fall
back to the executor (same answer, the compiled path not taken); the supported ones must
really take the compiled path (`SERVED`), and cost fewer SQL statements.

Set-up: tests/support/reports.py's world (firm A's admin, an integrator token, a client with
the 'reports' grant and one without it, firm B's admin), plus a manager of firm A assigned to
two of its three organizations, a person of firm B holding a session at firm A's host, and
reports in all three organizations with documents, accepted and rejected flows, an overdue
follow-up."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa

from saas.schema.compiled import SERVED, SWITCH, guarded, object_type
from saas.schema.root import build_schema
from saas.tenants.provisioning import schema_for
from tests.support.client import GraphQLClient
from tests.support.clients import llc
from tests.support.ids import pk
from tests.support.people import add_membership, make_person, open_session, session_client
from tests.support.reports import World, at, build_world, new_report, record
from tests.support.requests import statements

# ------------------------------------------------------------------ the cabinet's documents

FORM_FIELDS = """fragment ReportFormFields on ReportForm {
  code nameRu nameEn authority periodicity }"""
ROW_FIELDS = """fragment ReportRowFields on Report {
  id organizationId formCode periodYear periodCode periodStart authorityCode correction status
  statusAt beingFixed followUpDue overdue documentCount updatedAt form { ...ReportFormFields } }"""
DOCUMENT_FIELDS = """fragment ReportDocumentFields on ReportDocument {
  id kind name size contentType createdAt downloadable }"""

# web/src/graphql/reports.graphql ReportsFeed (its `organization` under @include).
CABINET_FEED = f"""query ReportsFeed($organizationId: ID, $formCode: String, $periodFrom: Date,
  $periodTo: Date, $statuses: [ReportStatus!], $overdue: Boolean,
  $orderBy: ReportOrder! = UPDATED_DESC, $first: Int, $after: String,
  $withOrganization: Boolean! = false) {{
  reports(organizationId: $organizationId, formCode: $formCode, periodFrom: $periodFrom,
          periodTo: $periodTo, statuses: $statuses, overdue: $overdue, orderBy: $orderBy,
          first: $first, after: $after) {{
    pageInfo {{ hasNextPage endCursor }}
    edges {{ node {{ ...ReportRowFields
                   organization @include(if: $withOrganization) {{ id name }} }} }}
  }}
}}
{ROW_FIELDS}
{FORM_FIELDS}"""

# The same page without the directive: what the cabinet asks once it needs the organization.
CABINET_FEED_PLAIN = f"""query ReportsFeedPlain($organizationId: ID, $formCode: String,
  $periodFrom: Date, $periodTo: Date, $statuses: [ReportStatus!], $overdue: Boolean,
  $updatedSince: DateTime, $orderBy: ReportOrder! = UPDATED_DESC, $first: Int, $after: String) {{
  reports(organizationId: $organizationId, formCode: $formCode, periodFrom: $periodFrom,
          periodTo: $periodTo, statuses: $statuses, overdue: $overdue,
          updatedSince: $updatedSince, orderBy: $orderBy, first: $first, after: $after) {{
    pageInfo {{ hasNextPage endCursor }}
    edges {{ node {{ ...ReportRowFields organization {{ id name }} }} }}
  }}
}}
{ROW_FIELDS}
{FORM_FIELDS}"""

# web/src/graphql/home.graphql ClientNeedsReports.
CLIENT_NEEDS = f"""query ClientNeedsReports($organizationId: ID!) {{
  reports(organizationId: $organizationId, statuses: [CLARIFICATION_REQUESTED, REJECTED],
          orderBy: UPDATED_DESC, first: 50) {{
    edges {{ node {{ ...ReportRowFields }} }}
  }}
}}
{ROW_FIELDS}
{FORM_FIELDS}"""

# docs/integrate.md, step 6 (an integrator's poll of what changed).
INTEGRATOR_POLL = """query($since: DateTime) { reports(first: 50, updatedSince: $since) {
  pageInfo { hasNextPage endCursor }
  edges { node { id formCode periodYear periodCode correction status statusAt beingFixed
                 organization { name } } } } }"""

# bench/bench_feed.py's page: organization and documents with every row.
BENCH_PAGE = """{ reports(first: 50) { pageInfo { hasNextPage endCursor } edges { cursor node { id
  formCode periodYear periodCode status statusAt beingFixed documentCount documents { id name }
  organization { name } } } } }"""

# Everything the compiler knows, under aliases, with __typename at each level.
EVERYTHING = f"""query Everything($first: Int, $after: String, $order: ReportOrder!) {{
  feed: reports(first: $first, after: $after, orderBy: $order) {{
    __typename
    total: totalCount
    info: pageInfo {{ __typename more: hasNextPage back: hasPreviousPage
                      start: startCursor end: endCursor }}
    rows: edges {{
      __typename at: cursor
      report: node {{
        __typename ...ReportRowFields rid: id flowComplete
        org: organization {{ __typename id name legalForm inn kpp ogrn taxRegime status
                             hasEmployees createdAt updatedAt archivedAt }}
        files: documents {{ __typename ...ReportDocumentFields }}
        ... on Report {{ kind: form {{ __typename code }} }}
      }}
    }}
  }}
}}
{ROW_FIELDS}
{FORM_FIELDS}
{DOCUMENT_FIELDS}"""

# A page with documents, a repeated leaf and an inline fragment without a type condition.
WITH_DOCUMENTS = f"""query($first: Int, $order: ReportOrder, $org: ID) {{
  reports(first: $first, orderBy: $order, organizationId: $org) {{
    totalCount
    edges {{ node {{ id id status ... {{ status flowComplete }}
                   documents {{ ...ReportDocumentFields }} }} }} }} }}
{DOCUMENT_FIELDS}"""

# @skip and @include on fields and fragments, as variables decide.
DIRECTIVES = """query($no: Boolean!, $yes: Boolean!) { reports(first: 5) {
  pageInfo @skip(if: $no) { hasNextPage }
  edges { node { id status @skip(if: $no) status @include(if: $yes)
                 organization @include(if: $no) { name }
                 ... on Report @include(if: $yes) { formCode }
                 ...Late @skip(if: $yes) } } } }
fragment Late on Report { overdue }"""

# A page with each report's timeline and its events' documents.
FEED_TIMELINE = """query($first: Int) { reports(first: $first) { edges { node { id
  timeline { id kind occurredAt documents { id downloadable } } } } } }"""

# Shapes the compiler leaves to the executor.
UNSUPPORTED = {
    "backward page": "{ reports(last: 3) { edges { cursor node { id status } } } }",
    "responsible manager": (
        "{ reports(first: 3) { edges { node { id responsibleManager { id } } } } }"
    ),
    "fragment on an interface": "{ reports(first: 3) { edges { node { ... on Node { id } } } } }",
    "two root fields": (
        "{ reports(first: 3) { edges { node { id } } } reportStatusCounts { total } }"
    ),
    "a directive on the root field": (
        "query($yes: Boolean!) { reports(first: 3) @include(if: $yes) { edges { node { id } } } }"
    ),
    "follow-ups": "{ reports(first: 3) { edges { node { id followUps { status } } } } }",
}


# ------------------------------------------------------------------------------ set-up


@dataclass
class Feed:
    world: World
    manager: GraphQLClient  # firm A's manager, assigned to org1 and org2, not org3
    stranger: GraphQLClient  # firm B's person with a session, sending to firm A's host
    anonymous: GraphQLClient
    org3: str
    rejected: str  # a report of org1, rejected (its follow-up made overdue)
    accepted: str  # a report of org1, accepted, with a document
    b_org: str


@pytest.fixture(scope="module")
def feed(db_engine, firms, live_server) -> Feed:  # type: ignore[no-untyped-def]
    world = build_world(db_engine, firms, live_server.url)
    a, b = firms["a"], firms["b"]
    admin = world.admin_a
    org3 = admin.execute(
        """mutation($input: CreateClientOrganizationInput!) { createClientOrganization(
             input: $input) { __typename ... on ClientOrganization { id } } }""",
        {"input": llc("Василёк (никому не назначена)")},
    )["createClientOrganization"]["id"]
    b_org = world.admin_b.execute(
        """mutation($input: CreateClientOrganizationInput!) { createClientOrganization(
             input: $input) { __typename ... on ClientOrganization { id } } }""",
        {"input": llc("Firm B's client")},
    )["createClientOrganization"]["id"]
    report_file = {
        "kind": "REPORT_FILE",
        "filename": "report.xml",
        "contentBase64": base64.b64encode(b"<?xml version='1.0'?><Report/>").decode(),
    }
    receipt = {
        "kind": "RECEIPT",
        "filename": "квитанция.xml",
        "contentBase64": base64.b64encode(b"<?xml version='1.0'?><Receipt/>").decode(),
    }
    i = world.integrator_a
    made: dict[str, str] = {}
    for n, org in enumerate((world.org1, world.org2, org3) * 4):
        extra = {"formCode": "vat", "periodCode": f"Q{n % 4 + 1}"} if n % 3 == 0 else {}
        report = new_report(admin, org, **extra)["id"]
        record(i, report, "SENT", at(n), documents=[report_file] if n % 2 else [])
        if n in (0, 3):
            record(i, report, "ACCEPTED", at(n + 30), documents=[receipt])
            made.setdefault("accepted", report)
        elif n in (1, 4, 6):
            record(i, report, "REJECTED", at(n + 30), reasonCode="0400200")
            if org == world.org1:
                made.setdefault("rejected", report)
        elif n == 7:
            record(i, report, "CLARIFICATION_REQUESTED", at(n + 30))
    rejected = made["rejected"]
    # One follow-up past its due date (the overdue filter and field, the ATTENTION rank).
    with db_engine.begin() as conn:
        conn.execute(
            sa.text(
                f"UPDATE \"{schema_for(a.slug)}\".reports SET follow_up_due = DATE '2020-01-15' "
                "WHERE id = :id"
            ),
            {"id": pk(rejected)},
        )
    for _ in range(2):
        world.admin_b.execute(
            "mutation($input: CreateReportInput!) { createReport(input: $input) { __typename } }",
            {
                "input": {
                    "organizationId": b_org,
                    "formCode": "usn",
                    "periodYear": 2025 + _,
                    "periodCode": "Y",
                    "authorityCode": "7702",
                }
            },
        )
    manager = session_client(
        live_server.url, a.host, *open_session(db_engine, world.manager_a_id, a.id)
    )
    person_b = make_person(db_engine, "Борис Чужой")
    add_membership(db_engine, person_b, b.id, "staff", ["firm_admin"])
    stranger = session_client(live_server.url, a.host, *open_session(db_engine, person_b, b.id))
    return Feed(
        world=world,
        manager=manager,
        stranger=stranger,
        anonymous=GraphQLClient(live_server.url, a.host),
        org3=org3,
        rejected=rejected,
        accepted=made["accepted"],
        b_org=b_org,
    )


@contextmanager
def compiler(on: bool) -> Iterator[None]:
    was = SWITCH.on
    SWITCH.on = on
    try:
        yield
    finally:
        SWITCH.on = was


def answer(c: GraphQLClient, query: str, variables: dict[str, Any] | None) -> tuple[int, Any]:
    response = c.post({"query": query, "variables": variables or {}})
    return response.status_code, response.json()


def both(
    c: GraphQLClient,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    compiled: bool,
) -> Any:
    """The answer with the compiler off, then on: equal once parsed; `compiled` says whether
    the compiled path must have answered (else the executor, as a fallback or a refusal)."""
    with compiler(False):
        before = dict(SERVED)
        off = answer(c, query, variables)
        assert SERVED == before  # switched off: not even tried
    with compiler(True):
        before = dict(SERVED)
        on = answer(c, query, variables)
    assert on == off, f"first difference at {difference(on, off)}:\n{on}\nexecutor:\n{off}"
    if compiled:  # a page the compiler answers is an answer, not a refusal
        assert off[0] == 200 and not off[1].get("errors"), off
    took = SERVED["compiled"] - before["compiled"]
    assert took == (1 if compiled else 0), (query, took, str(off)[:500])
    return on[1]


def difference(a: Any, b: Any, path: str = "") -> str:
    """Where two parsed answers first differ, and the two values there."""
    if isinstance(a, dict) and isinstance(b, dict) and a.keys() == b.keys():
        for key in a:
            if a[key] != b[key]:
                return difference(a[key], b[key], f"{path}.{key}")
    if isinstance(a, list | tuple) and isinstance(b, list | tuple) and len(a) == len(b):
        for n, (x, y) in enumerate(zip(a, b, strict=True)):
            if x != y:
                return difference(x, y, f"{path}[{n}]")
    return f"{path}: {a!r} != {b!r}"


def viewers(feed: Feed) -> dict[str, GraphQLClient]:
    w = feed.world
    return {
        "firm admin": w.admin_a,
        "assigned manager": feed.manager,
        "integrator token": w.integrator_a,
        "client with the grant": w.client1,
        "client without the grant": w.client2,
        "firm B's admin": w.admin_b,
    }


def nodes(result: Any, field: str = "reports") -> list[dict[str, Any]]:
    return [e["node"] for e in result["data"][field]["edges"]]


# -------------------------------------------------------------------------------- tests


def test_every_viewer_gets_the_same_pages_either_way(feed: Feed) -> None:
    w = feed.world
    seen: dict[str, set[str]] = {}
    for name, c in viewers(feed).items():
        orgs: set[str] = set()
        for order in ("UPDATED_DESC", "ATTENTION"):
            result = both(c, EVERYTHING, {"first": 10, "order": order}, compiled=True)
            page = result["data"]["feed"]
            assert len(page["rows"]) == min(page["total"], 10)
            plain = both(c, CABINET_FEED_PLAIN, {"first": 100, "orderBy": order}, compiled=True)
            orgs |= {n["organizationId"] for n in nodes(plain)}
        seen[name] = orgs
        both(c, BENCH_PAGE, compiled=True)
        # No list selected: still one answer, for an empty scope too.
        for bare in (
            "totalCount",
            "__typename",
            "t: totalCount __typename pageInfo { hasNextPage }",
        ):
            both(c, f"{{ reports(first: 1) {{ {bare} }} }}", compiled=True)
        both(c, INTEGRATOR_POLL, {"since": "2000-01-01T00:00:00+00:00"}, compiled=True)
        for ordering in ({"order": "UPDATED_DESC"}, {"order": "ATTENTION"}, {}):
            both(c, WITH_DOCUMENTS, {"first": 20, **ordering}, compiled=True)
    # An explicit null for the order (a non-null argument with a default): refused alike.
    both(w.admin_a, WITH_DOCUMENTS, {"first": 20, "order": None}, compiled=False)
    # The scopes are what they must be (so the equal answers above are not all empty).
    a_orgs = {w.org1, w.org2, feed.org3}
    assert a_orgs <= seen["firm admin"] and a_orgs <= seen["integrator token"]
    assert {w.org1, w.org2} <= seen["assigned manager"]
    assert feed.org3 not in seen["assigned manager"]
    assert seen["client with the grant"] == {w.org1}
    assert seen["client without the grant"] == set()
    assert seen["firm B's admin"] == {feed.b_org}


def test_the_cabinets_and_integrators_queries_either_way(feed: Feed) -> None:
    w = feed.world
    for c in (w.admin_a, w.client1, feed.manager, w.integrator_a):
        for org in (w.org1, w.org2, feed.org3):
            result = both(c, CLIENT_NEEDS, {"organizationId": org}, compiled=True)
            assert all(n["organizationId"] == org for n in nodes(result))
        # The cabinet's feed with its @include, either way.
        for with_org in (False, True):
            both(c, CABINET_FEED, {"first": 10, "withOrganization": with_org}, compiled=True)
        for no in (False, True):
            for yes in (False, True):
                both(c, DIRECTIVES, {"no": no, "yes": yes}, compiled=True)
        # Each row's timeline, its events' documents under them.
        both(c, FEED_TIMELINE, {"first": 4}, compiled=True)
    staff = both(w.admin_a, CLIENT_NEEDS, {"organizationId": w.org1}, compiled=True)
    assert any(n["status"] == "REJECTED" for n in nodes(staff))
    client = both(w.client1, WITH_DOCUMENTS, {"first": 20, "org": w.org1}, compiled=True)
    downloadable = {
        n["status"]: {d["downloadable"] for d in n["documents"]}
        for n in nodes(client)
        if n["documents"]
    }
    # A client downloads only from complete flows; the comparison covered both.
    assert downloadable.get("ACCEPTED") == {True} and downloadable.get("SENT") == {False}


def test_filters_either_way(feed: Feed) -> None:
    w = feed.world
    filters: list[dict[str, Any]] = [
        {"organizationId": w.org1},
        {"organizationId": feed.org3},
        {"organizationId": feed.b_org},  # another firm's organization: nothing
        {"organizationId": "not-an-id"},  # a malformed id matches nothing
        {"formCode": "vat"},
        {"formCode": "nope"},
        {"periodFrom": "2000-03-01", "periodTo": "2000-09-30"},
        {"statuses": ["ACCEPTED"]},
        {"statuses": ["REJECTED", "CLARIFICATION_REQUESTED"]},
        {"overdue": True},
        {"overdue": False},
        {"updatedSince": "2999-01-01T00:00:00+00:00"},
        {"orderBy": "ATTENTION", "overdue": True},
    ]
    for c in (w.admin_a, feed.manager, w.client1, w.integrator_a):
        for variables in filters:
            both(c, CABINET_FEED_PLAIN, {"first": 50, **variables}, compiled=True)
    overdue = both(w.admin_a, CABINET_FEED_PLAIN, {"first": 50, "overdue": True}, compiled=True)
    assert feed.rejected in {n["id"] for n in nodes(overdue)}
    assert all(n["overdue"] for n in nodes(overdue))


def test_paging_on_with_cursors_either_way(feed: Feed) -> None:
    w = feed.world
    for c in (w.admin_a, feed.manager, w.client1):
        for order in ("UPDATED_DESC", "ATTENTION"):
            after = None
            pages = 0
            ids: list[str] = []
            while True:
                result = both(
                    c, EVERYTHING, {"first": 4, "after": after, "order": order}, compiled=True
                )
                page = result["data"]["feed"]
                ids += [r["report"]["id"] for r in page["rows"]]
                pages += 1
                if not page["info"]["more"] or pages == 6:
                    break
                after = page["info"]["end"]
                assert page["rows"][-1]["at"] == after
            assert len(ids) == len(set(ids))
            assert pages > 1 or len(ids) <= 4
    # A cursor handed out by one path pages on the other.
    with compiler(False):
        first = answer(w.admin_a, BENCH_PAGE.replace("first: 50", "first: 3"), None)[1]
    end = first["data"]["reports"]["pageInfo"]["endCursor"]
    both(w.admin_a, CABINET_FEED_PLAIN, {"first": 3, "after": end}, compiled=True)
    # An empty page, and a page size of zero.
    both(w.client2, EVERYTHING, {"first": 5, "order": "UPDATED_DESC"}, compiled=True)
    both(w.admin_a, CABINET_FEED_PLAIN, {"first": 0}, compiled=True)


def test_refusals_are_the_same_either_way(feed: Feed) -> None:
    w = feed.world
    for c in (w.admin_a, w.client1):
        # A cursor that is not one, one of another order, a page too large: the executor's
        # errors, word for word.
        bad = both(c, CABINET_FEED_PLAIN, {"first": 5, "after": "not-a-cursor"}, compiled=False)
        assert bad["errors"][0]["extensions"]["code"] == "INVALID_CURSOR"
        with compiler(False):
            page = answer(c, EVERYTHING, {"first": 2, "order": "ATTENTION"})[1]
        foreign = page["data"]["feed"]["info"]["end"]
        wrong = both(c, CABINET_FEED_PLAIN, {"first": 2, "after": foreign}, compiled=False)
        assert wrong["errors"][0]["extensions"]["code"] == "INVALID_CURSOR"
        large = both(c, CABINET_FEED_PLAIN, {"first": 500}, compiled=False)
        assert large["errors"][0]["extensions"]["code"] == "PAGE_TOO_LARGE"
        # A variable of the wrong type, a NUL in a string: refused before execution.
        both(c, CABINET_FEED_PLAIN, {"first": "many"}, compiled=False)
        nul = both(c, CABINET_FEED_PLAIN, {"first": 5, "formCode": "vat\u0000"}, compiled=False)
        assert nul["errors"][0]["extensions"]["code"] == "BAD_INPUT", nul
    # Nobody logged in, and firm B's person at firm A's host: nothing of firm A.
    anonymous = both(feed.anonymous, BENCH_PAGE, compiled=False)
    assert anonymous["data"] is None
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    stranger = both(feed.stranger, BENCH_PAGE, compiled=False)
    assert "data" not in stranger or not stranger["data"], stranger


def test_unsupported_shapes_fall_back_to_the_executor(feed: Feed) -> None:
    for c in (feed.world.admin_a, feed.world.client1):
        for name, query in UNSUPPORTED.items():
            variables = {"yes": True} if "$yes" in query else None
            result = both(c, query, variables, compiled=False)
            assert not result.get("errors"), (name, result)
    # Two operations: strawberry picks one by its name; the executor answers.
    two = "query A { reports(first: 1) { edges { node { id } } } } query B { reportForms { code } }"
    c = feed.world.admin_a
    with compiler(True):
        before = dict(SERVED)
        body = c.post({"query": two, "operationName": "A"}).json()
    assert SERVED["compiled"] == before["compiled"]
    assert len(body["data"]["reports"]["edges"]) == 1


def test_a_compiled_page_costs_fewer_statements(feed: Feed, live_server) -> None:  # type: ignore[no-untyped-def]
    """The compiled page is one statement, sent with its transaction's BEGIN READ ONLY, the
    tenant binding and the COMMIT in one round trip (`saas.db.read_once`); the executor's
    session sends them one by one. The request's own statements (the token or session lookup
    in the shared schema) stay as they are. The executor already reads the bench's page
    (reports, organizations, documents) in one statement, so that page costs the same; with
    `totalCount` the executor adds a count, which the compiled statement holds."""
    engine = live_server.app.state.services.engine.sync_engine
    with_total = BENCH_PAGE.replace("pageInfo {", "totalCount pageInfo {")

    def cost(c: GraphQLClient, query: str, on: bool) -> tuple[int, list[str]]:
        with compiler(on), statements(engine) as seen:
            result = answer(c, query, None)[1]
        assert result["data"]["reports"]["edges"], result
        every = [s for s in seen if "outbox" not in s]  # earlier writes' events, meanwhile
        own = [
            s
            for s in every
            if "shared." not in s
            and "set_config" not in s
            and s not in ("BEGIN READ ONLY", "COMMIT")
        ]
        if on:
            tenant = every[-4:]
            assert tenant[0] == "BEGIN READ ONLY" and tenant[-1] == "COMMIT", every
            assert "set_config" in tenant[1] and tenant[2] == own[0], every
        return len(every), own

    counts = {}
    for name, c in (
        ("integrator", feed.world.integrator_a),
        ("admin", feed.world.admin_a),
        ("client", feed.world.client1),
    ):
        for query in (BENCH_PAGE, with_total):
            cost(c, query, True), cost(c, query, False)  # warm: the policy, the settings
            (every_off, off), (every_on, on) = cost(c, query, False), cost(c, query, True)
            counts[name, "totalCount" if query is with_total else "page"] = (every_off, every_on)
            assert len(on) == 1 and "json_build_object" in on[0], on
            assert len(off) == (2 if query is with_total else 1), off
    print("statements per request (executor, compiled):", counts)


def test_the_page_text_names_no_firm(feed: Feed, firms, live_server) -> None:  # type: ignore[no-untyped-def]
    """The page's statement is compiled to SQL text once per viewer and selection and kept
    (`_TEXTS`): the text never names a firm's schema (its tables are resolved by the request
    transaction's search_path, under the firm's role), so a kept text cannot read another
    firm; each firm's viewer still gets only its own firm's rows, the first request and the
    kept text alike."""
    engine = live_server.app.state.services.engine.sync_engine
    schemas = [schema_for(firms[f].slug) for f in ("a", "b")]
    for c, own in ((feed.world.admin_a, "a"), (feed.world.admin_b, "b")):
        pages = []
        for _ in range(2):
            with compiler(True), statements(engine) as seen:
                pages.append(answer(c, BENCH_PAGE, None)[1])
            page = [s for s in seen if "json_build_object" in s]
            assert len(page) == 1, seen
            assert not any(schema in page[0] for schema in schemas), page[0][:300]
            assert "__[SCHEMA" not in page[0]
        assert pages[0] == pages[1]
        assert pages[0]["data"]["reports"]["edges"], pages[0]
        ids = {e["node"]["id"] for e in pages[0]["data"]["reports"]["edges"]}
        other = feed.world.admin_b if own == "a" else feed.world.admin_a
        theirs = answer(other, BENCH_PAGE, None)[1]["data"]["reports"]["edges"]
        assert not ids & {e["node"]["id"] for e in theirs}


def test_a_guarded_field_is_never_compiled(settings) -> None:  # type: ignore[no-untyped-def]
    """A field with a field extension (a permission, a grant) is Unsupported below the root,
    so a guard added later cannot be skipped by the compiled statement: the check sees the
    feed's own permission on `reports` and none on what the compiler reads."""
    schema = build_schema(settings)._schema
    assert schema.query_type is not None
    assert guarded(schema.query_type.fields["reports"])
    assert guarded(schema.query_type.fields["report"])
    assert guarded(schema.query_type.fields["clientOrganizations"])
    for type_name in (
        "Report",
        "ClientOrganization",
        "ReportDocument",
        "ReportEvent",
        "ReportForm",
    ):
        fields = object_type(schema, type_name).fields
        assert not any(guarded(f) for f in fields.values())


# ------------------------------------------------------------------ the report page

# bench/bench_peer.py's report page (as an integrator reads one report).
REPORT_PAGE = """query($id: ID!) { report(id: $id) { ... on Report { id formCode periodYear
  status statusAt documentCount documents { id name } organization { name } } } }"""

# web/src/graphql/reports.graphql's ReportRow lookup: the union's errors under an interface.
CABINET_REPORT = f"""query ReportRow($id: ID!, $withOrganization: Boolean! = false) {{
  report(id: $id) {{
    __typename
    ... on Report {{ ...ReportRowFields
                    organization @include(if: $withOrganization) {{ id name }} }}
    ... on Error {{ code message }}
  }}
}}
{ROW_FIELDS}
{FORM_FIELDS}"""

# The timeline with each event's documents, aliases, the union's own fragment, an error's.
TIMELINE = f"""query($id: ID!) {{
  found: report(id: $id) {{
    kind: __typename
    ...Lookup
    ... on NotFoundError {{ message }}
    ... on Report {{ rid: id status flowComplete overdue
      files: documents {{ ...ReportDocumentFields }}
      steps: timeline {{ __typename id externalId kind occurredAt text reasonCode recordedAt
                        documents {{ ...ReportDocumentFields }} }}
      org: organization {{ __typename id name inn status createdAt }} form {{ code nameRu }} }}
  }}
}}
fragment Lookup on ReportLookup {{ __typename ... on Report {{ updatedAt }} }}
{DOCUMENT_FIELDS}"""

# The cabinet's report detail (the responsible manager is a person: the executor answers).
REPORT_UNSUPPORTED = {
    "responsible manager": """query($id: ID!) { report(id: $id) { ... on Report { id
      responsibleManager { id displayName } } } }""",
    "follow-ups": (
        "query($id: ID!) { report(id: $id) { ... on Report { id followUps { status } } } }"
    ),
    "fragment on an interface": "query($id: ID!) { report(id: $id) { ... on Node { id } } }",
}


def firm_reports(c: GraphQLClient) -> list[str]:
    """Every report of a firm (its admin's feed)."""
    with compiler(False):
        page = answer(c, "{ reports(first: 100) { edges { node { id } } } }", None)[1]
    return [n["id"] for n in nodes(page)]


def test_the_report_page_is_the_same_either_way(feed: Feed) -> None:
    """Every viewer asks for every report (its own firm's, another firm's, ids naming
    nothing): a report it sees is compiled, anything else is the executor's answer, and the
    answers are equal."""
    a_reports, b_reports = firm_reports(feed.world.admin_a), firm_reports(feed.world.admin_b)
    nothing = ["not-an-id", base64.b64encode(b"ReportDocument:1").decode()]
    reports = [*a_reports, *b_reports, *nothing, base64.b64encode(b"Report:999999").decode()]
    seen: dict[str, set[str]] = {}
    for name, c in viewers(feed).items():
        found = set()
        for report in reports:
            with compiler(False):
                executor = answer(c, TIMELINE, {"id": report})[1]
            visible = (executor.get("data") or {}).get("found", {}).get("kind") == "Report"
            if visible:
                found.add(report)
            both(c, TIMELINE, {"id": report}, compiled=visible)
            both(c, REPORT_PAGE, {"id": report}, compiled=visible)
            for with_org in (False, True):
                variables = {"id": report, "withOrganization": with_org}
                both(c, CABINET_REPORT, variables, compiled=visible)
        seen[name] = found
    # The scopes are what they must be (so the equal answers are not all NotFoundError). A
    # report's number is its firm's: an id of firm B's may name a report of firm A as well.
    mine = set(a_reports)
    assert mine <= seen["firm admin"] and seen["firm admin"] == seen["integrator token"]
    client, manager = seen["client with the grant"] & mine, seen["assigned manager"] & mine
    assert 0 < len(client) < len(manager) < len(mine) and client <= manager
    assert seen["client without the grant"] == set()
    assert set(b_reports) <= seen["firm B's admin"]
    # A client's documents are downloadable only in a complete flow, either way; the
    # timeline's documents are the report's, by event, events oldest first.
    flows = set()
    for report in reports:
        with compiler(True):
            page = answer(feed.world.client1, TIMELINE, {"id": report})[1]["data"]["found"]
        if page["kind"] != "Report" or not page["files"]:
            continue
        assert {d["downloadable"] for d in page["files"]} == {page["flowComplete"]}, page
        flows.add(page["flowComplete"])
        by_event = [d["id"] for step in page["steps"] for d in step["documents"]]
        assert sorted(by_event) == sorted(d["id"] for d in page["files"])
        times = [step["occurredAt"] for step in page["steps"]]
        assert times == sorted(times)
    assert flows == {True, False}


def test_the_report_page_refusals_and_unsupported_shapes(feed: Feed) -> None:
    w = feed.world
    for c in (w.admin_a, w.client1):
        for name, query in REPORT_UNSUPPORTED.items():
            result = both(c, query, {"id": feed.accepted}, compiled=False)
            assert not result.get("errors"), (name, result)
    anonymous = both(feed.anonymous, REPORT_PAGE, {"id": feed.accepted}, compiled=False)
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    stranger = both(feed.stranger, REPORT_PAGE, {"id": feed.accepted}, compiled=False)
    assert "data" not in stranger or not stranger["data"], stranger
    # A variable of the wrong shape: refused before execution, either way.
    both(w.admin_a, REPORT_PAGE, {"id": ["a"]}, compiled=False)


def test_a_compiled_report_page_is_one_statement(feed: Feed, live_server) -> None:  # type: ignore[no-untyped-def]
    """The report page with its organization, documents and timeline is one statement in
    one round trip (`read_once`); the executor reads the report, the organization, the
    documents and the events one statement each."""
    engine = live_server.app.state.services.engine.sync_engine
    for c in (feed.world.integrator_a, feed.world.client1):
        counted = {}
        for on in (True, False, True, False):  # warm, then measure
            with compiler(on), statements(engine) as seen:
                result = answer(c, TIMELINE, {"id": feed.accepted})[1]
            assert result["data"]["found"]["steps"], result
            counted[on] = [
                s
                for s in seen
                if "shared." not in s
                and "outbox" not in s
                and "set_config" not in s
                and s not in ("BEGIN READ ONLY", "COMMIT", "BEGIN (implicit)")
            ]
        assert len(counted[True]) == 1 and "json_build_object" in counted[True][0], counted
        assert len(counted[False]) >= 4, counted[False]


def test_the_page_keeps_its_plan(feed: Feed, firms, live_server, database_url) -> None:  # type: ignore[no-untyped-def]
    """The page size is written into the page's text (a literal LIMIT), so PostgreSQL costs
    the prepared statement's generic plan as it costs a custom one and keeps it: the page is
    not planned again on every request (with LIMIT a parameter it was, ~0.3 ms of its
    ~1.5 ms). The captured text and values, run as the app runs them (prepared, under firm
    A's role and search_path) ten times, end on the generic plan."""
    engine = live_server.app.state.services.engine.sync_engine
    sent: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        if "json_build_object" in statement:
            sent.append((statement, parameters))

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        with compiler(True):
            answer(feed.world.integrator_a, BENCH_PAGE.replace("first: 50", "first: 7"), None)
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    [(text, values)] = sent
    assert "LIMIT 8" in text and "<= 7" in text, text[-400:]
    with psycopg.connect(database_url.replace("+psycopg", ""), autocommit=True) as conn:
        schema = schema_for(firms["a"].slug)
        role = conn.execute(
            "SELECT db_role FROM shared.tenants WHERE schema_name = %s", (schema,)
        ).fetchone()
        assert role is not None
        conn.execute("SELECT set_config('role', %s, false)", (role[0],))
        conn.execute("SELECT set_config('search_path', %s, false)", (schema,))
        for _ in range(10):
            page = conn.execute(text, values, prepare=True).fetchone()
            assert page is not None and '"edges"' in page[0]
        generic, custom = conn.execute(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements "
            "WHERE statement LIKE '%%json_build_object%%'"
        ).fetchone() or (0, 0)
    assert generic >= 4 and custom <= 5, (generic, custom)
