"""Performers (issue 17): changing and cancelling an open order over GraphQL — only the
organization's customer, only while open, with the publishing checks."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.ids import gid
from tests.support.performers import (
    ERR,
    ORDER,
    RESPOND,
    PerformersWorld,
    performers_world,
    publish,
    save_profile,
)

UPDATE = f"""mutation($id: ID!, $input: PerformerOrderInput!) {{ updatePerformerOrder(orderId: $id,
  input: $input) {{ __typename ... on PerformerOrder {{ {ORDER} }} {ERR} }} }}"""
CANCEL = f"""mutation($id: ID!) {{ cancelPerformerOrder(orderId: $id) {{ __typename
  ... on PerformerOrder {{ {ORDER} }} {ERR} }} }}"""


@pytest.fixture(scope="module")
def world(db_engine, firms) -> Iterator[PerformersWorld]:  # type: ignore[no-untyped-def]
    yield from performers_world(db_engine, firms)


def _terms(org: int, **extra: Any) -> dict[str, Any]:
    data = {
        "organizationId": gid("ClientOrganization", org),
        "title": "Логотип и визитки",
        "budgetKopecks": 45_000_00,
        "skills": ["дизайн", "полиграфия"],
    }
    return {**data, **extra}


def test_update_an_open_order_and_who_may(login: Any, firms: Any, world: PerformersWorld) -> None:
    a, b = firms["a"], firms["b"]
    customer = login(a, world.customer_x)
    order = publish(customer, world.drive.org_x)
    changed = customer.execute(UPDATE, {"id": order["id"], "input": _terms(world.drive.org_x)})
    done = changed["updatePerformerOrder"]
    assert done["__typename"] == "PerformerOrder", done
    assert (done["title"], done["budgetKopecks"]) == ("Логотип и визитки", 45_000_00)
    assert done["skills"] == ["дизайн", "полиграфия"]
    # The publishing checks hold: no zero budget, no past deadline, no moving organizations.
    zero = customer.execute(
        UPDATE, {"id": order["id"], "input": _terms(world.drive.org_x, budgetKopecks=0)}
    )
    assert zero["updatePerformerOrder"]["code"] == "BUDGET"
    past = customer.execute(
        UPDATE, {"id": order["id"], "input": _terms(world.drive.org_x, deadline="2020-01-01")}
    )
    assert past["updatePerformerOrder"]["code"] == "DEADLINE_PAST"
    moved = customer.execute(UPDATE, {"id": order["id"], "input": _terms(world.drive.org_y)})
    assert moved["updatePerformerOrder"]["code"] in ("ORGANIZATION", "NOT_FOUND")
    # Another organization's customer, a contact without the grant, a performer, firm B: refused.
    for who in (
        login(a, world.customer_y),
        login(a, world.plain_x),
        login(b, world.performer_ab),
    ):
        answer = who.raw(UPDATE, {"id": order["id"], "input": _terms(world.drive.org_x)})
        data = (answer.get("data") or {}).get("updatePerformerOrder")
        assert data is None or data.get("__typename") != "PerformerOrder", answer
    performer = login(a, world.performer_1)
    save_profile(performer, "Соколова Ирина Павловна")
    by_performer = performer.raw(UPDATE, {"id": order["id"], "input": _terms(world.drive.org_x)})
    assert by_performer.get("errors") or (
        by_performer["data"]["updatePerformerOrder"]["__typename"] != "PerformerOrder"
    )
    # The title is unchanged by all the refusals.
    again = customer.execute(UPDATE, {"id": order["id"], "input": _terms(world.drive.org_x)})
    assert again["updatePerformerOrder"]["title"] == "Логотип и визитки"


def test_cancel_only_an_open_order(login: Any, firms: Any, world: PerformersWorld) -> None:
    a = firms["a"]
    customer = login(a, world.customer_x)
    order = publish(customer, world.drive.org_x)
    stranger = login(a, world.customer_y)
    assert stranger.execute(CANCEL, {"id": order["id"]})["cancelPerformerOrder"]["code"] == (
        "NOT_FOUND"
    )
    gone = customer.execute(CANCEL, {"id": order["id"]})["cancelPerformerOrder"]
    assert gone["status"] == "CANCELLED", gone
    # A cancelled order takes no response, no change and no second cancellation.
    performer = login(a, world.performer_2)
    save_profile(performer, "Орлов Павел Сергеевич")
    late = performer.execute(RESPOND, {"o": order["id"], "m": "Готов", "p": None})
    assert late["respondToPerformerOrder"]["__typename"] != "PerformerResponse"
    edit = customer.execute(UPDATE, {"id": order["id"], "input": _terms(world.drive.org_x)})
    assert edit["updatePerformerOrder"]["code"] == "ORDER_STATUS"
    twice = customer.execute(CANCEL, {"id": order["id"]})["cancelPerformerOrder"]
    assert twice["code"] == "ORDER_STATUS"
