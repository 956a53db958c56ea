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


WITHDRAW = f"""mutation($r: ID!) {{ withdrawPerformerResponse(responseId: $r) {{ __typename
  ... on PerformerResponse {{ id status }} {ERR} }} }}"""


def test_staff_publish_on_behalf_and_responses_withdrawn_by_their_author_only(
    login: Any, firms: Any, world: PerformersWorld
) -> None:
    a, b = firms["a"], firms["b"]
    admin = login(a, world.drive.admin_a)
    order = publish(admin, world.drive.org_x)
    assert order["__typename"] == "PerformerOrder" and order["status"] == "OPEN", order
    # A performer of firm B only cannot respond to firm A's order (it does not exist for them).
    at_b = login(b, world.performer_b)
    save_profile(at_b, "Исполнитель Фирмы Б")
    foreign = at_b.execute(RESPOND, {"o": order["id"], "m": "Готов", "p": None})
    assert foreign["respondToPerformerOrder"]["code"] == "NOT_FOUND"
    one, two = login(a, world.performer_1), login(a, world.performer_2)
    save_profile(one, "Соколова Ирина Павловна")
    save_profile(two, "Орлов Павел Сергеевич")
    reply = one.execute(RESPOND, {"o": order["id"], "m": "Готов", "p": 20_000_00})
    response = reply["respondToPerformerOrder"]
    assert response["status"] == "PENDING", response
    # Another performer, the customer and firm B cannot withdraw it.
    for who in (two, at_b):
        assert who.execute(WITHDRAW, {"r": response["id"]})["withdrawPerformerResponse"][
            "code"
        ] in ("NOT_FOUND", "WRONG_SIDE")
    customer = login(a, world.customer_x)
    by_customer = customer.raw(WITHDRAW, {"r": response["id"]})
    assert by_customer["errors"][0]["extensions"]["code"] == "FORBIDDEN", by_customer
    gone = one.execute(WITHDRAW, {"r": response["id"]})["withdrawPerformerResponse"]
    assert gone["status"] == "WITHDRAWN", gone
    assert one.execute(WITHDRAW, {"r": response["id"]})["withdrawPerformerResponse"]["code"] == (
        "RESPONSE_STATUS"
    )
    # A withdrawn response may be renewed while the order is open.
    again = one.execute(RESPOND, {"o": order["id"], "m": "Снова готов", "p": None})
    assert again["respondToPerformerOrder"]["status"] == "PENDING"
