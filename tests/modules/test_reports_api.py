"""Reports over GraphQL against the live server: catalog, creation, idempotent events,
out-of-order arrivals and ties, follow-ups, the client's view, cross-tenant attempts, the
feed's filters and its SQL statement count.

Set-up: two firms' staff, organizations, client contacts and an integrator token, written
straight into the database (the same rows the auth and clients modules write)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from tests.support.announcements import announced
from tests.support.client import GraphQLClient, error_codes, refused_outright
from tests.support.ids import gid
from tests.support.reports import (
    CREATE,
    ONE,
    RECORD,
    World,
    at,
    build_world,
    external_id,
    new_report,
    record,
)

FEED = """query($first: Int, $after: String, $org: ID, $form: String, $from: Date, $to: Date,
               $statuses: [ReportStatus!], $since: DateTime, $order: ReportOrder) {
  reports(first: $first, after: $after, organizationId: $org, formCode: $form,
          periodFrom: $from, periodTo: $to, statuses: $statuses, updatedSince: $since,
          orderBy: $order) {
    pageInfo { hasNextPage endCursor }
    edges { node { id status statusAt beingFixed formCode periodYear periodCode
                   organization { name } form { nameRu authority } } }
  }
}"""
COUNTS = """query($org: ID) { reportStatusCounts(organizationId: $org) {
  total byStatus { status count } } }"""


@pytest.fixture(scope="module")
def world(db_engine, firms, live_server) -> World:  # type: ignore[no-untyped-def]
    return build_world(db_engine, firms, live_server.url)


# -------------------------------------------------------------------------------- tests


def test_catalog_lists_the_forms_with_authority_and_periodicity(world: World) -> None:
    forms = world.admin_a.execute("{ reportForms { code nameRu nameEn authority periodicity } }")[
        "reportForms"
    ]
    by_code = {f["code"]: f for f in forms}
    for code in ("vat", "6ndfl", "rsv", "pers_sved", "usn", "bfo", "ens_notice"):
        assert code in by_code, code
        assert by_code[code]["nameRu"] != by_code[code]["nameEn"]
    assert by_code["vat"]["periodicity"] == "QUARTER"
    assert by_code["usn"]["periodicity"] == "YEAR"
    assert by_code["ens_notice"]["periodicity"] == "MONTH"
    assert {f["authority"] for f in forms} == {"TAX", "SOCIAL_FUND", "STATISTICS"}


def test_create_report_validates_and_refuses_duplicates(world: World) -> None:
    c = world.admin_a
    base = {"organizationId": world.org1, "periodYear": 2025, "authorityCode": "7701"}

    def create(**data: Any) -> dict[str, Any]:
        return c.execute(CREATE, {"input": {**base, **data}})["createReport"]

    bad_period = create(formCode="vat", periodCode="07")
    assert (bad_period["__typename"], bad_period["code"], bad_period["field"]) == (
        "ValidationError",
        "INVALID_PERIOD",
        "periodCode",
    )
    assert create(formCode="nope", periodCode="Q1")["code"] == "UNKNOWN_FORM"
    assert create(formCode="vat", periodCode="Q1", authorityCode="77")["code"] == (
        "INVALID_AUTHORITY_CODE"
    )
    made = create(formCode="vat", periodCode="q3")
    assert made["__typename"] == "Report", made
    assert (made["status"], made["periodCode"], made["periodStart"]) == (
        "DRAFT",
        "Q3",
        "2025-07-01",
    )
    again = create(formCode="vat", periodCode="Q3")
    assert (again["__typename"], again["code"]) == ("ConflictError", "REPORT_EXISTS")
    correction = create(formCode="vat", periodCode="Q3", correction=1)
    assert correction["__typename"] == "Report" and correction["correction"] == 1
    # The responsible manager defaults to the organization's.
    one = c.execute(ONE, {"id": made["id"]})["report"]
    assert one["responsibleManager"]["id"] == gid("Person", world.manager_a_id)
    assert one["form"] == {"code": "vat", "nameRu": "Декларация по НДС"}


def test_recording_the_same_event_twice_changes_nothing(world: World) -> None:
    report = new_report(world.integrator_a, world.org1)
    ext = external_id("sent")
    first = record(world.integrator_a, report["id"], "SENT", at(0), ext, text="Отправлен")
    assert (first["__typename"], first["duplicate"]) == ("ReportEventRecorded", False)
    assert first["report"]["status"] == "SENT"
    updated = first["report"]["updatedAt"]
    second = record(world.integrator_a, report["id"], "SENT", at(0), ext, text="Отправлен")
    assert (second["__typename"], second["duplicate"]) == ("ReportEventRecorded", True)
    assert second["event"]["id"] == first["event"]["id"]
    assert second["report"]["updatedAt"] == updated
    timeline = world.admin_a.execute(ONE, {"id": report["id"]})["report"]["timeline"]
    assert [e["externalId"] for e in timeline] == [ext]

    # The same external id with other content is a conflict, and changes nothing either.
    clash = record(world.integrator_a, report["id"], "ACCEPTED", at(5), ext)
    assert (clash["__typename"], clash["code"]) == ("ConflictError", "EXTERNAL_ID_CONFLICT")
    after = world.admin_a.execute(ONE, {"id": report["id"]})["report"]
    assert after["status"] == "SENT" and len(after["timeline"]) == 1


def test_out_of_order_events_give_the_status_of_the_latest_time(world: World) -> None:
    c = world.integrator_a
    report = new_report(c, world.org1)
    assert record(c, report["id"], "ACCEPTED", at(30))["report"]["status"] == "ACCEPTED"
    assert record(c, report["id"], "SENT", at(10))["report"]["status"] == "ACCEPTED"
    assert record(c, report["id"], "DELIVERED", at(20))["report"]["status"] == "ACCEPTED"
    result = record(c, report["id"], "PREPARED", at(0))["report"]
    assert (result["status"], result["statusAt"]) == ("ACCEPTED", at(30).isoformat())
    timeline = world.admin_a.execute(ONE, {"id": report["id"]})["report"]["timeline"]
    assert [e["kind"] for e in timeline] == ["PREPARED", "SENT", "DELIVERED", "ACCEPTED"]


def test_ties_resolve_by_stage_then_recording_order(world: World) -> None:
    c = world.integrator_a
    report = new_report(c, world.org1)
    # Same second: the later stage wins whatever the arrival order.
    assert record(c, report["id"], "DELIVERED", at(0))["report"]["status"] == "DELIVERED"
    assert record(c, report["id"], "SENT", at(0))["report"]["status"] == "DELIVERED"
    assert record(c, report["id"], "ACCEPTED", at(0))["report"]["status"] == "ACCEPTED"
    # Equal stages (accepted / rejected) at the same second: the one recorded last wins.
    assert record(c, report["id"], "REJECTED", at(0))["report"]["status"] == "REJECTED"
    other = new_report(c, world.org1)
    assert record(c, other["id"], "REJECTED", at(0))["report"]["status"] == "REJECTED"
    assert record(c, other["id"], "ACCEPTED", at(0))["report"]["status"] == "ACCEPTED"


def test_rejection_opens_a_follow_up_until_accepted(world: World) -> None:
    c = world.integrator_a
    report = new_report(c, world.org1)
    record(c, report["id"], "SENT", at(0))
    rejected = record(c, report["id"], "REJECTED", at(60), reasonCode="0400400007")["report"]
    assert (rejected["status"], rejected["beingFixed"]) == ("REJECTED", True)
    staff_view = world.admin_a.execute(ONE, {"id": report["id"]})["report"]
    # Rejected on Monday 20 April 2026: 5 business days of the official 2026 calendar (no
    # holiday until 1 May) are 21-24 and 27 April.
    assert staff_view["followUps"] == [
        {
            "dueDate": "2026-04-27",
            "status": "open",
            "manager": {"id": gid("Person", world.manager_a_id)},
        }
    ]
    assert staff_view["timeline"][-1]["reasonCode"] == "0400400007"
    # The client sees "being fixed", not the firm's internal follow-ups.
    client_view = world.client1.execute(ONE, {"id": report["id"]})["report"]
    assert (client_view["beingFixed"], client_view["followUps"]) == (True, [])
    accepted = record(c, report["id"], "ACCEPTED", at(24 * 60))["report"]
    assert (accepted["status"], accepted["beingFixed"]) == ("ACCEPTED", False)
    done = world.admin_a.execute(ONE, {"id": report["id"]})["report"]["followUps"]
    assert [f["status"] for f in done] == ["done"]


def test_clarification_also_opens_a_follow_up(world: World) -> None:
    report = new_report(world.integrator_a, world.org1)
    result = record(world.integrator_a, report["id"], "CLARIFICATION_REQUESTED", at(0))
    assert (result["report"]["status"], result["report"]["beingFixed"]) == (
        "CLARIFICATION_REQUESTED",
        True,
    )


def test_event_validation(world: World) -> None:
    report = new_report(world.integrator_a, world.org1)
    naive = world.integrator_a.raw(
        RECORD,
        {
            "input": {
                "reportId": report["id"],
                "externalId": "  ",
                "kind": "SENT",
                "occurredAt": at(0).isoformat(),
            }
        },
    )["data"]["recordReportEvent"]
    assert (naive["code"], naive["field"]) == ("INVALID_EXTERNAL_ID", "externalId")
    future = record(world.integrator_a, report["id"], "SENT", datetime.now(UTC) + timedelta(days=3))
    assert future["code"] == "FUTURE_EVENT"


def test_client_reads_only_granted_organizations_and_changes_nothing(world: World) -> None:
    mine = new_report(world.admin_a, world.org1)
    theirs = new_report(world.admin_a, world.org2)
    record(world.integrator_a, theirs["id"], "SENT", at(0))

    feed = world.client1.execute(FEED, {"first": 100})["reports"]["edges"]
    orgs = {e["node"]["organization"]["name"] for e in feed}
    assert len(orgs) == 1 and mine["id"] in {e["node"]["id"] for e in feed}
    assert theirs["id"] not in {e["node"]["id"] for e in feed}
    assert world.client1.execute(ONE, {"id": theirs["id"]})["report"] == {
        "__typename": "NotFoundError",
        "code": "NOT_FOUND",
    }
    other_counts = world.client1.execute(COUNTS, {"org": world.org2})["reportStatusCounts"]
    assert other_counts["total"] == 0
    own_counts = world.client1.execute(COUNTS, {"org": world.org1})["reportStatusCounts"]
    assert own_counts["total"] >= 1

    # A contact without the 'reports' grant sees no report at all, even of its organization.
    assert world.client2.execute(FEED, {"first": 100})["reports"]["edges"] == []
    assert world.client2.execute(ONE, {"id": theirs["id"]})["report"]["__typename"] == (
        "NotFoundError"
    )

    # Clients change nothing.
    for c in (world.client1, world.client2):
        create = c.raw(
            CREATE,
            {
                "input": {
                    "organizationId": world.org1,
                    "formCode": "vat",
                    "periodYear": 2024,
                    "periodCode": "Q1",
                    "authorityCode": "7701",
                }
            },
        )
        assert error_codes(create) == ["FORBIDDEN"]
        event = c.raw(
            RECORD,
            {
                "input": {
                    "reportId": mine["id"],
                    "externalId": external_id(),
                    "kind": "ACCEPTED",
                    "occurredAt": at(0).isoformat(),
                }
            },
        )
        assert error_codes(event) == ["FORBIDDEN"]
    assert world.admin_a.execute(ONE, {"id": mine["id"]})["report"]["status"] == "DRAFT"


def test_anonymous_is_refused(world: World) -> None:
    anonymous = GraphQLClient(world.integrator_a.http.base_url.__str__(), world.host_a)
    assert error_codes(anonymous.raw(FEED, {"first": 1})) == ["UNAUTHENTICATED"]


def test_another_firms_ids_name_nothing(world: World) -> None:
    report = new_report(world.admin_a, world.org1)
    record(world.integrator_a, report["id"], "SENT", at(0))
    b = world.admin_b
    assert b.execute(ONE, {"id": report["id"]})["report"]["__typename"] == "NotFoundError"
    event = b.execute(
        RECORD,
        {
            "input": {
                "reportId": report["id"],
                "externalId": external_id(),
                "kind": "REJECTED",
                "occurredAt": at(1).isoformat(),
            }
        },
    )["recordReportEvent"]
    assert event["__typename"] == "NotFoundError"
    create = b.execute(
        CREATE,
        {
            "input": {
                "organizationId": world.org1,
                "formCode": "vat",
                "periodYear": 2024,
                "periodCode": "Q2",
                "authorityCode": "7701",
            }
        },
    )["createReport"]
    assert create["__typename"] == "NotFoundError"
    assert report["id"] not in {
        e["node"]["id"] for e in b.execute(FEED, {"first": 100})["reports"]["edges"]
    }
    assert b.execute(COUNTS, {"org": world.org1})["reportStatusCounts"]["total"] == 0
    # Firm A's token at firm B's host is refused outright.
    foreign = GraphQLClient(
        world.integrator_a.http.base_url.__str__(), world.host_b, token=world.token_a
    )
    refused_outright(foreign.post({"query": FEED, "variables": {"first": 1}}), 403, "WRONG_TENANT")
    # Unchanged at A.
    assert world.admin_a.execute(ONE, {"id": report["id"]})["report"]["status"] == "SENT"


def test_feed_filters_and_ordering(world: World) -> None:
    c = world.admin_a
    r1 = new_report(c, world.org2, formCode="usn", periodYear=2023, periodCode="Y")
    r2 = new_report(c, world.org2, formCode="vat", periodYear=2024, periodCode="Q2")
    r3 = new_report(c, world.org2, formCode="vat", periodYear=2024, periodCode="Q4")
    record(world.integrator_a, r2["id"], "REJECTED", at(0))
    since = record(world.integrator_a, r3["id"], "ACCEPTED", at(10))["report"]["updatedAt"]

    def ids(**variables: Any) -> list[str]:
        edges = c.execute(FEED, {"first": 100, "org": world.org2, **variables})["reports"]["edges"]
        return [e["node"]["id"] for e in edges]

    assert ids(form="vat", order="PERIOD_DESC") == [r3["id"], r2["id"]]
    assert ids(statuses=["REJECTED"]) == [r2["id"]]
    assert ids(statuses=["DRAFT"], form="usn") == [r1["id"]]
    assert ids(**{"from": "2024-01-01", "to": "2024-06-30"}) == [r2["id"]]
    assert r3["id"] not in ids(since=since) and ids(since=r1["updatedAt"])[0] == r3["id"]
    period = ids(order="PERIOD_DESC")
    assert period.index(r3["id"]) < period.index(r2["id"]) < period.index(r1["id"])
    # Paging by cursor walks the same order without repeats.
    first = c.execute(FEED, {"first": 2, "org": world.org2})["reports"]
    assert first["pageInfo"]["hasNextPage"] is True
    rest = c.execute(
        FEED, {"first": 100, "org": world.org2, "after": first["pageInfo"]["endCursor"]}
    )["reports"]
    both = [e["node"]["id"] for e in first["edges"] + rest["edges"]]
    assert both == ids() and len(set(both)) == len(both)
    counts = c.execute(COUNTS, {"org": world.org2})["reportStatusCounts"]
    by = {x["status"]: x["count"] for x in counts["byStatus"]}
    assert by["REJECTED"] >= 1 and by["ACCEPTED"] >= 1 and counts["total"] == sum(by.values())


FEED_WITH_DOCUMENTS = """query($first: Int, $order: ReportOrder) {
  reports(first: $first, orderBy: $order) {
    edges { node { id status overdue flowComplete documentCount organization { name }
                   documents { id kind name size downloadable } } } } }"""


def test_feed_page_costs_at_most_two_statements(world: World, live_server) -> None:  # type: ignore[no-untyped-def]
    report_file = {
        "kind": "REPORT_FILE",
        "filename": "report.xml",
        "contentBase64": base64.b64encode(b"<?xml version='1.0'?><Report/>").decode(),
    }
    for n in range(12):
        report = new_report(world.admin_a, world.org1)
        # Every other report carries a document: rows with and without them on each page.
        record(
            world.integrator_a,
            report["id"],
            "SENT",
            at(0),
            **({"documents": [report_file]} if n % 2 else {}),
        )
    engine = live_server.app.state.services.engine.sync_engine
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        statements.append(statement)

    def feed_cost(c: GraphQLClient, size: int, query: str = FEED, **variables: Any) -> list[str]:
        announced()  # the announcements of the writes above (and their hooks) run meanwhile
        statements.clear()
        sa.event.listen(engine, "before_cursor_execute", count)
        try:
            edges = c.execute(query, {"first": size, **variables})["reports"]["edges"]
        finally:
            sa.event.remove(engine, "before_cursor_execute", count)
        assert len(edges) == size
        if query is FEED_WITH_DOCUMENTS:
            documents = [e["node"]["documents"] for e in edges]
            assert all(
                len(d) == e["node"]["documentCount"] for d, e in zip(documents, edges, strict=True)
            )
            if variables.get("order") == "UPDATED_DESC" and size == 12:
                # The 12 reports just made, newest first: every other one has a document.
                assert [len(d) for d in documents] == [1, 0] * 6, documents
        # Binding a transaction to the tenant (role, search_path) and the login lookup in the
        # shared schema are the request's, not the feed's.
        return [
            s
            for s in statements
            if "set_config" not in s
            and not s.startswith("SET LOCAL")
            and s not in ("BEGIN READ ONLY", "COMMIT")  # a compiled page's (saas.db.read_once)
            and "shared." not in s
            and "outbox" not in s  # the event pipeline of earlier writes, running meanwhile
        ]

    for c in (world.admin_a, world.client1):
        small, large = feed_cost(c, 3), feed_cost(c, 12)
        assert 1 <= len(small) <= 2 and 1 <= len(large) <= 2, large
        assert any("reports" in s for s in large), large
        # With each row's documents (and each event's), in either order: still two.
        for order in ("UPDATED_DESC", "ATTENTION"):
            small = feed_cost(c, 3, FEED_WITH_DOCUMENTS, order=order)
            large = feed_cost(c, 12, FEED_WITH_DOCUMENTS, order=order)
            assert 1 <= len(small) <= 2 and len(large) <= 2, large
            assert any("report_documents" in s for s in large), large
