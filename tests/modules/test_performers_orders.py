"""Performers (issue 17): profiles, orders, responses and the choice over GraphQL, with the
НПД status checked when the order is given, and who sees what."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from tests.support.clients import inn12
from tests.support.performers import (
    BANK,
    CHOOSE,
    ERR,
    ORDER,
    PROFILE,
    RESPOND,
    SAVE_PROFILE,
    PerformersWorld,
    performers_world,
    publish,
    save_profile,
    set_status,
    simulator,
)
from tests.support.requests import statements

CHECK = f"""mutation {{ checkMyNpdStatus {{ __typename ... on PerformerProfile {{ {PROFILE} }}
  {ERR} }} }}"""
ORDERS = f"""query($o: ID, $mine: Boolean, $skill: String) {{ performerOrders(organizationId: $o,
  mine: $mine, skill: $skill) {{ {ORDER} }} }}"""
ONE = f"""query($id: ID!) {{ performerOrder(id: $id) {{ __typename ... on PerformerOrder {{
  {ORDER} }} {ERR} }} }}"""


@pytest.fixture(scope="module")
def world(db_engine, firms) -> Iterator[PerformersWorld]:  # type: ignore[no-untyped-def]
    yield from performers_world(db_engine, firms)


def test_profile_checks_inn_and_bank_keys_and_the_npd_status(
    login: Any, firms: Any, world: PerformersWorld
) -> None:
    me = login(firms["a"], world.performer_1)
    bad = me.execute(SAVE_PROFILE, {"input": {"inn": "500100732258", "fullName": "Я"}})
    assert bad["savePerformerProfile"]["code"] == "INN_CHECKSUM"
    wrong_key = {**BANK, "account": "40817810938160925983"}
    refused = save_profile(me, "Соколова Ирина Павловна", bank=wrong_key)
    assert (refused["code"], refused["field"]) == ("ACCOUNT_KEY", "bank.account")
    saved = save_profile(me, "Соколова Ирина Павловна")
    assert saved["__typename"] == "PerformerProfile", saved
    assert saved["skills"] == ["дизайн", "figma"] and saved["npdStatus"] == "UNKNOWN"
    checked = me.execute(CHECK)["checkMyNpdStatus"]
    assert checked["npdStatus"] == "ACTIVE" and "является" in checked["npdMessage"]
    # A customer cannot save a performer profile.
    customer = login(firms["a"], world.customer_x)
    denied = customer.raw(SAVE_PROFILE, {"input": {"inn": inn12(), "fullName": "X"}})
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"


def test_order_responses_and_choice_with_the_status_checked(
    db_engine: sa.Engine, login: Any, firms: Any, world: PerformersWorld, live_server: Any
) -> None:
    a = firms["a"]
    one, two = login(a, world.performer_1), login(a, world.performer_2)
    save_profile(one, "Соколова Ирина Павловна")
    lost_inn = inn12()
    save_profile(two, "Орлов Павел Сергеевич", inn=lost_inn)
    customer = login(a, world.customer_x)
    order = publish(customer, world.drive.org_x)
    assert order["__typename"] == "PerformerOrder" and order["status"] == "OPEN", order
    # Both performers see the open order; a customer of another organization does not.
    assert order["id"] in [
        o["id"] for o in one.execute(ORDERS, {"skill": "дизайн"})["performerOrders"]
    ]
    other = login(a, world.customer_y)
    assert other.execute(ONE, {"id": order["id"]})["performerOrder"]["code"] == "NOT_FOUND"
    first = one.execute(RESPOND, {"o": order["id"], "m": "Сделаю за три дня", "p": 25_000_00})
    second = two.execute(RESPOND, {"o": order["id"], "m": "Опыт 5 лет", "p": None})
    r1, r2 = first["respondToPerformerOrder"], second["respondToPerformerOrder"]
    assert r1["status"] == r2["status"] == "PENDING"
    again = one.execute(RESPOND, {"o": order["id"], "m": "ещё", "p": None})
    assert again["respondToPerformerOrder"]["code"] == "ALREADY_RESPONDED"
    # A performer sees only their own response; the customer both, with the profiles.
    seen = one.execute(ONE, {"id": order["id"]})["performerOrder"]["responses"]
    assert [r["id"] for r in seen] == [r1["id"]]
    shown = customer.execute(ONE, {"id": order["id"]})["performerOrder"]["responses"]
    assert {r["performer"]["fullName"] for r in shown} == {
        "Соколова Ирина Павловна",
        "Орлов Павел Сергеевич",
    }
    # The second performer is no longer self-employed: the choice is refused with the words.
    set_status(live_server, lost_inn, False)
    refused = customer.execute(CHOOSE, {"r": r2["id"]})["choosePerformerResponse"]
    assert refused["code"] == "NOT_SELF_EMPLOYED" and "не является" in refused["message"]
    # The service down beyond the retries: NPD_UNAVAILABLE, nothing changed.
    sim = simulator(live_server)
    sim.outage_calls = 10
    checker_retries_before = sim.calls
    try:
        set_status(live_server, lost_inn, True)
        down = customer.execute(CHOOSE, {"r": r2["id"]})["choosePerformerResponse"]
        assert down["code"] == "NPD_UNAVAILABLE" and sim.calls > checker_retries_before + 1
    finally:
        sim.outage_calls = 0
    assert customer.execute(ONE, {"id": order["id"]})["performerOrder"]["status"] == "OPEN"
    chosen = customer.execute(CHOOSE, {"r": r1["id"]})["choosePerformerResponse"]
    assert chosen["status"] == "ASSIGNED", chosen
    assert chosen["performer"]["fullName"] == "Соколова Ирина Павловна"
    assert {r["id"]: r["status"] for r in chosen["responses"]} == {
        r1["id"]: "CHOSEN",
        r2["id"]: "DECLINED",
    }
    # The order is no longer open: no more responses, no second choice.
    late = two.execute(CHOOSE, {"r": r2["id"]})["choosePerformerResponse"]
    assert late["code"] == "WRONG_SIDE"  # a performer never chooses
    assert customer.execute(CHOOSE, {"r": r2["id"]})["choosePerformerResponse"]["code"] in (
        "ORDER_STATUS",
        "RESPONSE_STATUS",
    )


def test_personal_orders_and_who_sees_them(login: Any, firms: Any, world: PerformersWorld) -> None:
    a, b = firms["a"], firms["b"]
    target = login(a, world.performer_ab)
    mine = save_profile(target, "Двойной Исполнитель")
    customer = login(a, world.customer_y)
    personal = publish(customer, world.drive.org_y, addressedPerformerId=mine["id"])
    assert personal["personal"] is True, personal
    assert personal["id"] in [o["id"] for o in target.execute(ORDERS, {})["performerOrders"]]
    stranger = login(a, world.performer_2)
    assert personal["id"] not in [o["id"] for o in stranger.execute(ORDERS, {})["performerOrders"]]
    assert stranger.execute(ONE, {"id": personal["id"]})["performerOrder"]["code"] == "NOT_FOUND"
    # The same person at firm B has no profile there and sees nothing of firm A.
    at_b = login(b, world.performer_ab)
    assert at_b.execute("{ performerProfile { id } }")["performerProfile"] is None
    assert at_b.execute(ONE, {"id": personal["id"]})["performerOrder"]["code"] == "NOT_FOUND"
    # A contact without the grant cannot publish nor read.
    plain = login(a, world.plain_x)
    refused = publish(plain, world.drive.org_x)
    assert refused["code"] == "NOT_FOUND", refused
    assert plain.execute(ORDERS, {})["performerOrders"] == []


def test_an_order_with_twenty_responses_loads_in_a_fixed_number_of_statements(
    db_engine: sa.Engine, login: Any, firms: Any, world: PerformersWorld, live_server: Any
) -> None:
    from tests.support.performers import add_profile, make_performer

    a = firms["a"]
    customer = login(a, world.customer_x)
    order = publish(customer, world.drive.org_x, title="Много откликов")
    for n in range(20):
        person = make_performer(db_engine, a, f"Массовый {n}")
        add_profile(db_engine, a.slug, person)
        reply = login(a, person).execute(RESPOND, {"o": order["id"], "m": f"№{n}", "p": None})
        assert reply["respondToPerformerOrder"]["status"] == "PENDING"
    with statements(live_server.app.state.services.engine.sync_engine) as seen:
        shown = customer.execute(ONE, {"id": order["id"]})["performerOrder"]
    assert len(shown["responses"]) == 20
    ours = [s for s in seen if "performer_" in s]
    assert 0 < len(ours) <= 5, ours
