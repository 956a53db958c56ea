"""Performers (issue 17): one profile per firm for a performer of two firms, the portfolio
(own items only), and the customers' settings (responsible person, payer's account, the fee
for the firm only)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.ids import gid
from tests.support.performers import (
    BANK,
    ERR,
    PerformersWorld,
    performers_world,
    save_profile,
)

ME = "{ performerProfile { id fullName portfolio { id title url } } }"
ADD = f"""mutation($t: String!, $u: String) {{ addPortfolioItem(title: $t, url: $u) {{ __typename
  ... on PortfolioItem {{ id title url }} {ERR} }} }}"""
REMOVE = f"""mutation($i: ID!) {{ removePortfolioItem(itemId: $i) {{ __typename {ERR} }} }}"""
SETTINGS = f"""mutation($o: ID!, $i: PerformerCustomerInput!) {{ savePerformerCustomer(
  organizationId: $o, input: $i) {{ __typename ... on PerformerCustomer {{ organizationId
  responsible {{ id }} bank {{ bik account }} agencyFeePercent }} {ERR} }} }}"""
READ = f"""query($o: ID!) {{ performerCustomer(organizationId: $o) {{ __typename
  ... on PerformerCustomer {{ agencyFeePercent bank {{ account }} }} {ERR} }} }}"""


@pytest.fixture(scope="module")
def world(db_engine, firms) -> Iterator[PerformersWorld]:  # type: ignore[no-untyped-def]
    yield from performers_world(db_engine, firms)


def test_a_performer_of_two_firms_has_a_profile_at_each(
    login: Any, firms: Any, world: PerformersWorld
) -> None:
    at_a, at_b = login(firms["a"], world.performer_ab), login(firms["b"], world.performer_ab)
    assert save_profile(at_a, "Двойной Исполнитель А")["__typename"] == "PerformerProfile"
    assert at_b.execute(ME)["performerProfile"] is None
    assert save_profile(at_b, "Двойной Исполнитель Б")["__typename"] == "PerformerProfile"
    assert at_a.execute(ME)["performerProfile"]["fullName"] == "Двойной Исполнитель А"
    assert at_b.execute(ME)["performerProfile"]["fullName"] == "Двойной Исполнитель Б"
    # A portfolio item at firm A is neither seen nor removable at firm B.
    item = at_a.execute(ADD, {"t": "Логотип", "u": "https://example.com/logo"})["addPortfolioItem"]
    assert item["__typename"] == "PortfolioItem", item
    assert at_b.execute(ME)["performerProfile"]["portfolio"] == []
    assert at_b.execute(REMOVE, {"i": item["id"]})["removePortfolioItem"]["code"] == "NOT_FOUND"
    assert [p["title"] for p in at_a.execute(ME)["performerProfile"]["portfolio"]] == ["Логотип"]


def test_portfolio_items_are_removed_by_their_owner_only(
    login: Any, firms: Any, world: PerformersWorld
) -> None:
    a = firms["a"]
    owner, other = login(a, world.performer_1), login(a, world.performer_2)
    save_profile(owner, "Соколова Ирина Павловна")
    save_profile(other, "Орлов Павел Сергеевич")
    bad = owner.execute(ADD, {"t": "Сайт", "u": "javascript:alert(1)"})["addPortfolioItem"]
    assert bad["code"] == "URL", bad
    item = owner.execute(ADD, {"t": "Сайт кофейни", "u": None})["addPortfolioItem"]
    assert other.execute(REMOVE, {"i": item["id"]})["removePortfolioItem"]["code"] == "NOT_FOUND"
    assert "Сайт кофейни" in [
        p["title"] for p in owner.execute(ME)["performerProfile"]["portfolio"]
    ]
    gone = owner.execute(REMOVE, {"i": item["id"]})["removePortfolioItem"]
    assert gone["__typename"] != "NotFoundError", gone
    assert "Сайт кофейни" not in [
        p["title"] for p in owner.execute(ME)["performerProfile"]["portfolio"]
    ]


def test_customer_settings_responsible_account_and_the_fee(
    login: Any, firms: Any, world: PerformersWorld
) -> None:
    a = firms["a"]
    org = gid("ClientOrganization", world.drive.org_x)
    customer = login(a, world.customer_x)
    # A contact of the organization or the firm's staff may be responsible; a performer not.
    contact = customer.execute(
        SETTINGS, {"o": org, "i": {"responsiblePersonId": gid("Person", world.customer_x)}}
    )["savePerformerCustomer"]
    assert contact["responsible"]["id"] == gid("Person", world.customer_x), contact
    staff = customer.execute(
        SETTINGS, {"o": org, "i": {"responsiblePersonId": gid("Person", world.drive.admin_a)}}
    )["savePerformerCustomer"]
    assert staff["__typename"] == "PerformerCustomer", staff
    outsider = customer.execute(
        SETTINGS, {"o": org, "i": {"responsiblePersonId": gid("Person", world.performer_1)}}
    )["savePerformerCustomer"]
    assert outsider["code"] in ("NOT_A_CONTACT", "NOT_FOUND"), outsider
    # The payer's account is checked against the BIK.
    wrong = {**BANK, "account": "40817810938160925983"}
    refused = customer.execute(SETTINGS, {"o": org, "i": {"bank": wrong}})["savePerformerCustomer"]
    assert refused["code"] == "ACCOUNT_KEY", refused
    # The fee: the firm's staff with performers:manage only.
    fee = customer.execute(SETTINGS, {"o": org, "i": {"agencyFeePercent": "5"}})
    assert fee["savePerformerCustomer"]["code"] == "FEE_STAFF_ONLY"
    admin = login(a, world.drive.admin_a)
    set_fee = admin.execute(SETTINGS, {"o": org, "i": {"bank": BANK, "agencyFeePercent": "7.5"}})
    assert set_fee["savePerformerCustomer"]["agencyFeePercent"] in ("7.5", "7.50"), set_fee
    assert (
        customer.execute(READ, {"o": org})["performerCustomer"]["bank"]["account"]
        == (BANK["account"])
    )
    # Another organization's customer and a contact without the grant see nothing of it.
    for who in (login(a, world.customer_y), login(a, world.plain_x)):
        assert who.execute(READ, {"o": org})["performerCustomer"]["code"] == "NOT_FOUND"
