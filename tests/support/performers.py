"""Self-employed performers for tests (issue 17): the personas (`performers_world`: the drive's
world, customers holding the 'performers' grant, performers of firm A and of firm B, and one
performer working at both firms) and a way to reach the НПД simulator of the live server.

    @pytest.fixture(scope="module")
    def world(db_engine, firms) -> Iterator[PerformersWorld]:
        yield from performers_world(db_engine, firms)

Profiles are not made here: a performer fills their own through the API
(`tests/modules/test_performers_*.py` show how), or a test inserts a row with `add_profile`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from saas.modules.performers.service.gateway import status_checker
from saas.modules.performers.service.npd import NpdSimulator
from tests.support.clients import inn12
from tests.support.documents import World, drive_world, make_contact, schema_of
from tests.support.ids import gid
from tests.support.mail import messages_to, text_of
from tests.support.people import add_membership, make_person


@dataclass(frozen=True)
class PerformersWorld:
    drive: World
    customer_x: int  # performers + documents + upload in X (firm A)
    customer_y: int  # performers + documents + upload in Y (firm A)
    plain_x: int  # documents only in X: no performers grant
    performer_1: int  # firm A
    performer_2: int  # firm A
    performer_b: int  # firm B only
    performer_ab: int  # a performer at both firms


def make_performer(db_engine: sa.Engine, firm: Any, name: str = "Исполнитель") -> int:
    person = make_person(db_engine, name)
    add_membership(db_engine, person, firm.id, "performer", ["performer"])
    return person


def enable_performers(db_engine: sa.Engine, slug: str, org: int) -> None:
    """The firm turns the agency service on for an organization (off by default)."""
    with db_engine.begin() as conn:
        conn.execute(
            sa.text(
                f"UPDATE {schema_of(slug)}.client_organizations SET enabled_modules = "
                "array_append(enabled_modules, 'performers') "
                "WHERE id = :o AND NOT ('performers' = ANY(enabled_modules))"
            ),
            {"o": org},
        )


def add_profile(
    db_engine: sa.Engine, slug: str, person: int, *, inn: str | None = None, name: str = ""
) -> str:
    """A performer's profile row (for tests of later stages); returns the INN."""
    inn = inn or inn12()
    with db_engine.begin() as conn:
        conn.execute(
            sa.text(
                f"INSERT INTO {schema_of(slug)}.performer_profiles (person_id, inn, full_name, "
                "bank_name, bank_bik, bank_corr_account, bank_account) VALUES (:p, :inn, :n, "
                "'ПАО Сбербанк', '044525225', '30101810400000000225', '40817810938160925982')"
            ),
            {"p": person, "inn": inn, "n": name or f"Исполнитель {person}"},
        )
    return inn


def performers_world(db_engine: sa.Engine, firms: dict[str, Any]) -> Iterator[PerformersWorld]:
    a, b = firms["a"], firms["b"]
    grants = ["performers", "documents", "upload"]
    for drive in drive_world(db_engine, firms):
        for org in (drive.org_x, drive.org_y):
            enable_performers(db_engine, a.slug, org)
        both = make_performer(db_engine, a, "Двойной")
        add_membership(db_engine, both, b.id, "performer", ["performer"])
        yield PerformersWorld(
            drive=drive,
            customer_x=make_contact(db_engine, a, drive.org_x, grants, "Заказчик Икс"),
            customer_y=make_contact(db_engine, a, drive.org_y, grants, "Заказчик Игрек"),
            plain_x=make_contact(db_engine, a, drive.org_x, ["documents", "upload"]),
            performer_1=make_performer(db_engine, a, "Исполнитель Один"),
            performer_2=make_performer(db_engine, a, "Исполнитель Два"),
            performer_b=make_performer(db_engine, b, "Исполнитель Бэ"),
            performer_ab=both,
        )


def simulator(live_server: Any) -> NpdSimulator:
    """The НПД simulator of the live server's process (set `.statuses[inn] = False` to make a
    performer lose the status, `.outage_calls = n` for an outage)."""
    gateway = status_checker(live_server.app.state.services).gateway
    assert isinstance(gateway, NpdSimulator)
    return gateway


def set_status(live_server: Any, inn: str, self_employed: bool) -> None:
    """The tax service answers `self_employed` for `inn` from now on (the day's cached answer
    is dropped, as it would be on the next day)."""
    checker = status_checker(live_server.app.state.services)
    simulator(live_server).statuses[inn] = self_employed
    checker._cache = {k: v for k, v in checker._cache.items() if k[1] != inn}


# ------------------------------------------------------------------ GraphQL of the path

ERR = "... on Error { code message } ... on ValidationError { field }"
BANK = {
    "bankName": "ПАО Сбербанк",
    "bik": "044525225",
    "corrAccount": "30101810400000000225",
    "account": "40817810938160925982",
}
PROFILE = """id inn fullName skills npdStatus npdMessage hasBankDetails bank { bik account }
  portfolio { title } ordersDone ordersGiven"""
SAVE_PROFILE = f"""mutation($input: PerformerProfileInput!) {{ savePerformerProfile(input: $input)
  {{ __typename ... on PerformerProfile {{ {PROFILE} }} {ERR} }} }}"""
ORDER = """id title status budgetKopecks personal skills performer { id fullName }
  responses { id status priceKopecks performer { id fullName npdStatus ordersDone } }"""
PUBLISH = f"""mutation($input: PerformerOrderInput!) {{ publishPerformerOrder(input: $input) {{
  __typename ... on PerformerOrder {{ {ORDER} }} {ERR} }} }}"""
RESPOND = f"""mutation($o: ID!, $m: String!, $p: Int) {{ respondToPerformerOrder(orderId: $o,
  message: $m, priceKopecks: $p) {{ __typename ... on PerformerResponse {{ id status }}
  {ERR} }} }}"""
CHOOSE = f"""mutation($r: ID!) {{ choosePerformerResponse(responseId: $r) {{ __typename
  ... on PerformerOrder {{ {ORDER} }} {ERR} }} }}"""


def save_profile(c: Any, name: str, **extra: Any) -> dict[str, Any]:
    data = {"inn": inn12(), "fullName": name, "skills": ["Дизайн", "figma"], "bank": BANK}
    return dict(c.execute(SAVE_PROFILE, {"input": {**data, **extra}})["savePerformerProfile"])


def publish(c: Any, org: int, **extra: Any) -> dict[str, Any]:
    data = {
        "organizationId": gid("ClientOrganization", org),
        "title": "Логотип для кофейни",
        "budgetKopecks": 30_000_00,
        "skills": ["дизайн"],
    }
    return dict(c.execute(PUBLISH, {"input": {**data, **extra}})["publishPerformerOrder"])


def assigned_order(
    customer: Any, performer: Any, org: int, price: int | None = None, **extra: Any
) -> dict[str, Any]:
    """An order of `org` published by `customer`, answered by `performer` (who has a
    profile), and given to them."""
    order = publish(customer, org, **extra)
    reply = performer.execute(RESPOND, {"o": order["id"], "m": "Готов", "p": price})
    chosen = customer.execute(CHOOSE, {"r": reply["respondToPerformerOrder"]["id"]})
    result = dict(chosen["choosePerformerResponse"])
    assert result["status"] == "ASSIGNED", result
    return result


SIGNATURE = "side signer { id } signedAt sha256 ip userAgent"
CONTRACT = f"""id number amountKopecks status sha256 downloadUrl signatures {{ {SIGNATURE} }}
  acts {{ id number amountKopecks status }}"""
ACT = f"id number amountKopecks status sha256 downloadUrl signatures {{ {SIGNATURE} }}"
CREATE = f"""mutation($o: ID!) {{ createPerformerContract(orderId: $o) {{ __typename
  ... on PerformerContract {{ {CONTRACT} }} {ERR} }} }}"""
CODE = f"""mutation($c: ID, $a: ID) {{ requestPerformerSignatureCode(contractId: $c, actId: $a) {{
  __typename ... on SignatureCodeSent {{ sentTo expiresAt }} {ERR} }} }}"""
SIGN = f"""mutation($c: ID, $a: ID, $code: String!) {{ signPerformerDocument(contractId: $c,
  actId: $a, code: $code) {{ __typename ... on PerformerContract {{ {CONTRACT} }}
  ... on PerformerAct {{ {ACT} }} {ERR} }} }}"""
ACCEPT = f"""mutation($c: ID!, $k: Int!) {{ acceptPerformerWork(contractId: $c, amountKopecks: $k)
  {{ __typename ... on PerformerAct {{ {ACT} }} {ERR} }} }}"""


def code_for(settings: Any, address: str) -> str:
    found = re.search(r"^\s+(\d{6})\s*$", text_of(messages_to(settings, address)[-1]), re.M)
    assert found, "no code in the e-mail"
    return found.group(1)


def sign_with_code(who: Any, settings: Any, address: str, **document: str) -> dict[str, Any]:
    sent = who.execute(CODE, {"c": None, "a": None, **document})
    assert sent["requestPerformerSignatureCode"]["__typename"] == "SignatureCodeSent", sent
    code = code_for(settings, address)
    signed = who.execute(SIGN, {"c": None, "a": None, "code": code, **document})
    return dict(signed["signPerformerDocument"])


@dataclass(frozen=True)
class Party:
    """A signer: their GraphQL client and the e-mail their codes go to."""

    client: Any
    email: str


def signed_act(
    settings: Any, customer: Party, performer: Party, org: int, price: int, accepted: int
) -> dict[str, Any]:
    """The whole path up to a signed act: order, response, choice, contract signed by both,
    work accepted (`accepted` kopecks) and the act signed by both."""
    order = assigned_order(customer.client, performer.client, org, price=price)
    made = customer.client.execute(CREATE, {"o": order["id"]})["createPerformerContract"]
    assert made["__typename"] == "PerformerContract", made
    sign_with_code(customer.client, settings, customer.email, c=made["id"])
    assert sign_with_code(performer.client, settings, performer.email, c=made["id"])["status"] == (
        "SIGNED"
    )
    act = customer.client.execute(ACCEPT, {"c": made["id"], "k": accepted})["acceptPerformerWork"]
    sign_with_code(customer.client, settings, customer.email, a=act["id"])
    done = sign_with_code(performer.client, settings, performer.email, a=act["id"])
    assert done["status"] == "SIGNED", done
    return done


def paid_history(
    db_engine: sa.Engine,
    slug: str,
    org: int,
    person: int,
    payments: list[tuple[str, int]],
    *,
    payer_kind: str = "legal",
) -> None:
    """Rows of work already paid (for income, statistics and risks): an order and a contract of
    `org` for `person`, then per (ISO date or timestamp, kopecks) a signed-and-paid act, its
    payment and its НПД receipt issued then."""
    schema = schema_of(slug)
    with db_engine.begin() as conn:
        order = conn.execute(
            sa.text(
                f"INSERT INTO {schema}.performer_orders (organization_id, title, budget_kopecks, "
                "status, performer_person_id) VALUES (:o, 'История', 1, 'done', :p) RETURNING id"
            ),
            {"o": org, "p": person},
        ).scalar_one()
        contract = conn.execute(
            sa.text(
                f"INSERT INTO {schema}.performer_contracts (order_id, organization_id, "
                "performer_person_id, number, amount_kopecks, status, sha256, storage_key) "
                "VALUES (:r, :o, :p, :n, 1, 'signed', '', '') RETURNING id"
            ),
            {"r": order, "o": org, "p": person, "n": f"H-{order}"},
        ).scalar_one()
        for n, (day, kopecks) in enumerate(payments):
            at = day if "T" in day else f"{day}T12:00:00+00:00"  # a date: noon UTC
            act = conn.execute(
                sa.text(
                    f"INSERT INTO {schema}.performer_acts (contract_id, organization_id, "
                    "performer_person_id, number, amount_kopecks, status, sha256, storage_key) "
                    "VALUES (:c, :o, :p, :n, :k, 'paid', '', '') RETURNING id"
                ),
                {"c": contract, "o": org, "p": person, "n": f"H-{order}-{n}", "k": kopecks},
            ).scalar_one()
            payment = conn.execute(
                sa.text(
                    f"INSERT INTO {schema}.performer_payments (act_id, organization_id, "
                    "performer_person_id, amount_kopecks, status, paid_at) "
                    "VALUES (:a, :o, :p, :k, 'paid', :at) RETURNING id"
                ),
                {"a": act, "o": org, "p": person, "k": kopecks, "at": at},
            ).scalar_one()
            conn.execute(
                sa.text(
                    f"INSERT INTO {schema}.performer_receipts (payment_id, organization_id, "
                    "performer_person_id, receipt_uid, amount_kopecks, customer_name, "
                    "customer_inn, payer_kind, issued_at) VALUES (:pay, :o, :p, :uid, :k, "
                    "'Клиент', '7707083893', :kind, :at)"
                ),
                {
                    "pay": payment,
                    "o": org,
                    "p": person,
                    "uid": f"h-{payment}",
                    "k": kopecks,
                    "kind": payer_kind,
                    "at": at,
                },
            )
