"""Time and amounts on service requests over GraphQL (issue 14): the performer's timer
(one running per person and request, whole minutes), time made by hand (limits, no future
date), the amount of an hourly service (catalog price × hours, to the kopeck) and of a
per-piece one (price × quantity), none without a price; a client neither records nor sees
time or amounts; another firm reaches nothing."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from tests.support.documents import schema_of
from tests.support.firms import firm_today
from tests.support.ids import gid, pk
from tests.support.requests import ADD_SERVICE, BASE_ERR, RequestsWorld, act, launch, requests_world

LATER = (firm_today() + timedelta(days=90)).isoformat()
TIME = """id status quantity amount timeMinutes runningTimerStartedAt
  timeEntries { id minutes manual workDate note startedAt stoppedAt person { id } }"""


def mutation(name: str, decl: str = "", call: str = "") -> str:
    return f"""mutation($id: ID!{decl}) {{ {name}(id: $id{call}) {{ __typename
      ... on ServiceRequest {{ {TIME} }} {BASE_ERR} }} }}"""


START = mutation("startServiceRequestTimer")
STOP = mutation("stopServiceRequestTimer")
RECORD = mutation(
    "recordServiceRequestTime",
    ", $m: Int!, $d: Date, $n: String",
    ", minutes: $m, workDate: $d, note: $n",
)
QUANTITY = mutation("setServiceRequestQuantity", ", $q: Int!", ", quantity: $q")
READ = f"""query($id: ID!) {{ serviceRequest(id: $id) {{ __typename
  ... on ServiceRequest {{ {TIME} }} {BASE_ERR} }} }}"""


@pytest.fixture(scope="module")
def world(db_engine, firms) -> Iterator[RequestsWorld]:  # type: ignore[no-untyped-def]
    yield from requests_world(db_engine, firms)


def service(c: Any, world: RequestsWorld, **pricing: Any) -> str:
    added = c.execute(
        ADD_SERVICE,
        {
            "o": gid("ClientOrganization", world.drive.org_x),
            "input": {
                "category": "Консалтинг",
                "groupName": "Время",
                "name": f"Консультация {uuid.uuid4().hex[:6]}",
                "plannedDays": 1,
                **pricing,
            },
        },
    )["addCatalogService"]
    assert added["__typename"] == "CatalogService", added
    return str(added["id"])


def reviewed(login: Any, firms: Any, world: RequestsWorld, **pricing: Any) -> str:
    """A request of X (launched by its client) of a new service priced so, under review."""
    admin = login(firms["a"], world.drive.admin_a)
    client = login(firms["a"], world.requester_x)
    rid = str(launch(client, service(admin, world, **pricing), LATER)["id"])
    assert act(login(firms["a"], world.drive.staff_a), "review", rid)["status"] == "UNDER_REVIEW"
    return rid


def call(c: Any, query: str, **variables: Any) -> dict[str, Any]:
    return dict(next(iter(c.execute(query, variables).values())))


def test_the_timer_and_time_by_hand_give_an_hourly_services_amount(
    login: Any, firms: Any, world: RequestsWorld, db_engine: sa.Engine
) -> None:
    a = firms["a"]
    performer = login(a, world.drive.staff_a)
    rid = reviewed(login, firms, world, priceKind="HOURLY", price="1000.00")

    started = call(performer, START, id=rid)
    assert started["__typename"] == "ServiceRequest", started
    assert started["runningTimerStartedAt"] and started["timeMinutes"] == 0
    assert Decimal(started["amount"]) == Decimal("0.00")
    assert call(performer, START, id=rid)["code"] == "TIMER_RUNNING"
    # Another performer runs a timer of their own on the same request.
    manager = login(a, world.drive.manager_a)
    assert call(manager, START, id=rid)["__typename"] == "ServiceRequest"
    assert call(manager, READ, id=rid)["runningTimerStartedAt"]
    assert call(manager, STOP, id=rid)["__typename"] == "ServiceRequest"

    # It ran 89.5 minutes (moved back directly): stopped, it counts 90.
    with db_engine.begin() as conn:
        conn.execute(
            sa.text(
                f"UPDATE {schema_of(a.slug)}.service_request_time SET started_at = "
                "started_at - interval '89 minutes 30 seconds' "
                "WHERE request_id = :r AND person_id = :p AND stopped_at IS NULL"
            ),
            {"r": pk(rid), "p": world.drive.staff_a},
        )
    stopped = call(performer, STOP, id=rid)
    assert stopped["runningTimerStartedAt"] is None
    timer = [
        e for e in stopped["timeEntries"] if e["person"]["id"] == gid("Person", world.drive.staff_a)
    ]
    assert [(e["minutes"], e["manual"], e["workDate"]) for e in timer] == [
        (90, False, firm_today().isoformat())
    ]
    assert call(performer, STOP, id=rid)["code"] == "NO_TIMER"

    yesterday = (firm_today() - timedelta(days=1)).isoformat()
    by_hand = call(performer, RECORD, id=rid, m=36, d=yesterday, n="Созвон с клиентом\nпо договору")
    assert by_hand["__typename"] == "ServiceRequest", by_hand
    manual = [e for e in by_hand["timeEntries"] if e["manual"]]
    assert [(e["minutes"], e["workDate"], e["note"]) for e in manual] == [
        (36, yesterday, "Созвон с клиентом\nпо договору")
    ]
    # The manager's timer counted one minute at least: 90 + 36 + 1 = 127 minutes, 2116.67 ₽.
    assert by_hand["timeMinutes"] == 127
    assert Decimal(by_hand["amount"]) == Decimal("2116.67")

    tomorrow = (firm_today() + timedelta(days=1)).isoformat()
    future = call(performer, RECORD, id=rid, m=10, d=tomorrow)
    assert (future["code"], future["field"]) == ("FUTURE_DATE", "workDate")
    for minutes in (0, 1441):
        refused = call(performer, RECORD, id=rid, m=minutes)
        assert (refused["code"], refused["field"]) == ("BAD_MINUTES", "minutes")
    assert call(performer, READ, id=rid)["timeMinutes"] == 127  # the refusals wrote nothing

    # Done: no new timer, but time is still recorded by hand.
    act(performer, "accept", rid)
    act(performer, "complete", rid, reason="Консультация дана")
    assert call(performer, START, id=rid)["code"] == "WRONG_STATUS"
    assert call(performer, RECORD, id=rid, m=4)["timeMinutes"] == 131


def test_a_per_piece_service_counts_the_quantity_and_an_unpriced_one_has_no_amount(
    login: Any, firms: Any, world: RequestsWorld
) -> None:
    performer = login(firms["a"], world.drive.staff_a)
    piece = reviewed(login, firms, world, priceKind="PIECE", price="1500.00")
    assert Decimal(call(performer, READ, id=piece)["amount"]) == Decimal("1500.00")
    three = call(performer, QUANTITY, id=piece, q=3)
    assert (three["quantity"], Decimal(three["amount"])) == (3, Decimal("4500.00"))
    # Time on a per-piece service does not change its amount.
    assert Decimal(call(performer, RECORD, id=piece, m=60)["amount"]) == Decimal("4500.00")
    for bad in (0, 10_001):
        refused = call(performer, QUANTITY, id=piece, q=bad)
        assert (refused["code"], refused["field"]) == ("BAD_QUANTITY", "quantity")
    free = reviewed(login, firms, world)
    assert call(performer, RECORD, id=free, m=15)["amount"] is None


def test_a_client_neither_records_nor_sees_time_and_another_firm_reaches_nothing(
    login: Any, firms: Any, world: RequestsWorld
) -> None:
    a = firms["a"]
    client = login(a, world.requester_x)
    performer = login(a, world.drive.staff_a)
    admin = login(a, world.drive.admin_a)
    new = str(
        launch(client, service(admin, world, priceKind="HOURLY", price="900.00"), LATER)["id"]
    )
    # A request still NEW takes no timer (it is not under review yet).
    assert call(performer, START, id=new)["code"] == "WRONG_STATUS"
    rid = reviewed(login, firms, world, priceKind="HOURLY", price="900.00")
    call(performer, RECORD, id=rid, m=20)
    for query, variables in ((START, {"id": rid}), (RECORD, {"id": rid, "m": 5})):
        refused = client.raw(query, variables)
        assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN", refused
    seen = call(client, READ, id=rid)
    assert (seen["timeEntries"], seen["amount"], seen["timeMinutes"]) == ([], None, None)
    assert Decimal(call(performer, READ, id=rid)["amount"]) == Decimal("300.00")
    outsider = login(firms["b"], world.drive.admin_b)
    assert call(outsider, START, id=rid)["code"] == "NOT_FOUND"
    assert call(outsider, RECORD, id=rid, m=5)["code"] == "NOT_FOUND"
