"""Follow-ups by hand over GraphQL: `closeReportFollowUp` and `reassignReportFollowUp` (the
report stops "being fixed" with its last open one, the change goes to the outbox and reaches
the client's live feed, both are audited), refused to client users, to staff without the
permission, and across firms."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import sqlalchemy as sa

from saas.tenants.provisioning import schema_for
from tests.support.client import GraphQLClient, error_codes
from tests.support.ids import gid, pk
from tests.support.live import cookie, hub_listening, next_change, open_socket, subscribe
from tests.support.people import add_membership, make_person, open_session, session_client
from tests.support.reports import World, at, build_world, new_report, record

FOLLOW_UPS = """query($id: ID!) { report(id: $id) { ... on Report { beingFixed followUpDue
  followUps { id status closedAt manager { id displayName } } } } }"""
CHANGED = """__typename
  ... on ReportFollowUpChanged { followUp { id status closedAt manager { id } }
                                 report { id beingFixed followUpDue } }
  ... on Error { code message } ... on ValidationError { field }"""
CLOSE = f"""mutation($f: ID!) {{ closeReportFollowUp(followUpId: $f) {{ {CHANGED} }} }}"""
REASSIGN = f"""mutation($f: ID!, $m: ID!) {{
  reassignReportFollowUp(followUpId: $f, managerId: $m) {{ {CHANGED} }} }}"""
AUDIT = """query($a: String!) { auditLog(first: 5, filter: {action: $a}) {
  ... on AuditEntryConnection { edges { node { action actionLabel objectId data } } } } }"""


@pytest.fixture(scope="module")
def world(db_engine, firms, live_server) -> World:  # type: ignore[no-untyped-def]
    return build_world(db_engine, firms, live_server.url)


def rejected_report(world: World, times: int = 1) -> tuple[dict[str, Any], list[str]]:
    """A report rejected `times` times (one open follow-up each): it and the follow-ups' ids."""
    report = new_report(world.admin_a, world.org1)
    for n in range(times):
        result = record(world.admin_a, report["id"], "REJECTED", at(n))
        assert result["__typename"] == "ReportEventRecorded", result
    state = world.admin_a.execute(FOLLOW_UPS, {"id": report["id"]})["report"]
    assert state["beingFixed"] is True
    return report, [f["id"] for f in state["followUps"]]


def outbox_of(db_engine: sa.Engine, slug: str, report_id: str) -> list[dict[str, Any]]:
    with db_engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                f'SELECT payload FROM "{schema_for(slug)}".outbox '
                "WHERE topic = 'report.status_changed' ORDER BY id"
            )
        ).scalars()
        return [p for p in rows if p["report_id"] == pk(report_id)]


def test_closing_the_last_follow_up_ends_being_fixed_and_is_published(
    world: World, firms, db_engine: sa.Engine
) -> None:  # type: ignore[no-untyped-def]
    report, (newer, older) = rejected_report(world, times=2)
    published = len(outbox_of(db_engine, firms["a"].slug, report["id"]))

    first = world.admin_a.execute(CLOSE, {"f": older})["closeReportFollowUp"]
    assert first["__typename"] == "ReportFollowUpChanged", first
    assert (first["followUp"]["status"], first["report"]["beingFixed"]) == ("done", True)
    assert first["followUp"]["closedAt"]
    # One follow-up is still open: nothing the feed shows changed, nothing published.
    assert len(outbox_of(db_engine, firms["a"].slug, report["id"])) == published

    last = world.admin_a.execute(CLOSE, {"f": newer})["closeReportFollowUp"]
    assert (last["report"]["beingFixed"], last["report"]["followUpDue"]) == (False, None)
    payloads = outbox_of(db_engine, firms["a"].slug, report["id"])
    assert len(payloads) == published + 1
    assert (payloads[-1]["being_fixed"], payloads[-1]["status"]) == (False, "rejected")

    again = world.admin_a.execute(CLOSE, {"f": newer})["closeReportFollowUp"]
    assert (again["__typename"], again["code"]) == ("ConflictError", "FOLLOW_UP_CLOSED")
    entries = world.admin_a.execute(AUDIT, {"a": "report.follow_up_close"})["auditLog"]["edges"]
    assert any(e["node"]["data"].get("follow_up") for e in entries), entries
    assert entries[0]["node"]["actionLabel"] in (
        "Исправление по отчёту закрыто",
        "Report follow-up closed",
    )


def test_reassigning_gives_the_follow_up_to_another_staff_member(world: World) -> None:
    report, (follow_up,) = rejected_report(world)
    manager = gid("Person", world.manager_a_id)
    result = world.admin_a.execute(REASSIGN, {"f": follow_up, "m": manager})
    changed = result["reassignReportFollowUp"]
    assert changed["__typename"] == "ReportFollowUpChanged", changed
    assert changed["followUp"]["manager"]["id"] == manager
    state = world.admin_a.execute(FOLLOW_UPS, {"id": report["id"]})["report"]
    assert state["followUps"][0]["manager"]["displayName"] == "Мария Менеджер"
    assert state["beingFixed"] is True  # reassigning closes nothing
    entries = world.admin_a.execute(AUDIT, {"a": "report.follow_up_assign"})["auditLog"]["edges"]
    assert entries[0]["node"]["data"]["manager"] == world.manager_a_id

    # A client user is no staff: NOT_STAFF, in the caller's language.
    client_person = world.client1.execute("{ viewer { id } }")["viewer"]["id"]
    refused = world.admin_a.execute(
        REASSIGN, {"f": follow_up, "m": client_person}, headers={"accept-language": "ru"}
    )["reassignReportFollowUp"]
    assert (refused["__typename"], refused["code"]) == ("ValidationError", "NOT_STAFF"), refused
    world.admin_a.execute(CLOSE, {"f": follow_up})
    closed = world.admin_a.execute(REASSIGN, {"f": follow_up, "m": manager})
    assert closed["reassignReportFollowUp"]["code"] == "FOLLOW_UP_CLOSED"


def test_clients_staff_without_permission_and_other_firms_are_refused(
    world: World, db_engine: sa.Engine, firms, live_server
) -> None:  # type: ignore[no-untyped-def]
    report, (follow_up,) = rejected_report(world)
    manager = gid("Person", world.manager_a_id)
    # A client user of the same organization: no reports:write / reports:manage.
    assert error_codes(world.client1.raw(CLOSE, {"f": follow_up})) == ["FORBIDDEN"]
    assert error_codes(world.client1.raw(REASSIGN, {"f": follow_up, "m": manager})) == ["FORBIDDEN"]
    # Staff who only read reports.
    reader = make_person(db_engine, "Читатель Отчётов")
    add_membership(db_engine, reader, firms["a"].id, "staff", ["staff"])
    staff = session_client(
        live_server.url, firms["a"].host, *open_session(db_engine, reader, firms["a"].id)
    )
    assert error_codes(staff.raw(CLOSE, {"f": follow_up})) == ["FORBIDDEN"]
    # Another firm: the id names nothing there.
    foreign = world.admin_b.execute(CLOSE, {"f": follow_up})["closeReportFollowUp"]
    assert (foreign["__typename"], foreign["code"]) == ("NotFoundError", "NOT_FOUND")
    foreign = world.admin_b.execute(REASSIGN, {"f": follow_up, "m": manager})
    assert foreign["reassignReportFollowUp"]["__typename"] in ("NotFoundError", "ValidationError")
    # A malformed id answers like a missing one.
    missing = world.admin_a.execute(CLOSE, {"f": "bm90LWFuLWlk"})["closeReportFollowUp"]
    assert missing["code"] == "NOT_FOUND"
    state = world.admin_a.execute(FOLLOW_UPS, {"id": report["id"]})["report"]
    assert state["followUps"][0]["status"] == "open" and state["beingFixed"] is True


def test_client_users_see_no_follow_ups(world: World) -> None:
    report, _ = rejected_report(world)
    seen: GraphQLClient = world.client1
    state = seen.execute(FOLLOW_UPS, {"id": report["id"]})["report"]
    assert state["followUps"] == [] and state["beingFixed"] is True


async def test_the_client_sees_the_fix_end_live(world: World, live_server) -> None:  # type: ignore[no-untyped-def]
    """Closing the last follow-up reaches the client's open feed like a status change."""
    report, (follow_up,) = await asyncio.to_thread(rejected_report, world)
    ws = await open_socket(live_server.port, world.host_a, cookie(world.client1))
    try:
        await subscribe(ws, {"org": world.org1})
        await hub_listening()
        closed = await asyncio.to_thread(world.admin_a.execute, CLOSE, {"f": follow_up})
        assert closed["closeReportFollowUp"]["__typename"] == "ReportFollowUpChanged"
        change = await next_change(ws, 10.0)
        assert change is not None
        assert (change["reportId"], change["status"], change["beingFixed"]) == (
            report["id"],
            "REJECTED",
            False,
        )
    finally:
        await ws.close()
