"""Performers (issue 17): the whole path in the API — order, responses, choice (НПД checked),
contract and act signed by both codes — then a payment registry whose performers are checked
again (one who lost the status holds only their payment), the 1CClientBankExchange file
validated field by field and parsed back, the registry paid, receipts with the customer's
name, INN and exact amount, and a receipt cancelled by its performer."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from saas.modules.performers.service import bank_file
from tests.support.client import error_codes
from tests.support.documents import schema_of
from tests.support.ids import gid, pk
from tests.support.people import email_of
from tests.support.performers import (
    BANK,
    ERR,
    Party,
    PerformersWorld,
    add_profile,
    make_performer,
    paid_history,
    performers_world,
    save_profile,
    set_status,
    signed_act,
    simulator,
)
from tests.support.requests import statements

PAYMENT = """id status amountKopecks heldReason performer { fullName inn }
  receipt { id receiptUid amountKopecks customerName customerInn status downloadUrl }"""
REGISTRY = f"id number status totalKopecks sha256 downloadUrl payments {{ {PAYMENT} }}"
FORM = f"""mutation($o: ID!) {{ formPaymentRegistry(organizationId: $o) {{ __typename
  ... on PaymentRegistry {{ {REGISTRY} }} {ERR} }} }}"""
PAID = f"""mutation($r: ID!) {{ markPaymentRegistryPaid(registryId: $r) {{ __typename
  ... on PaymentRegistry {{ {REGISTRY} }} {ERR} }} }}"""
CANCEL = f"""mutation($r: ID!, $why: ReceiptCancelReason!) {{ cancelPerformerReceipt(receiptId: $r,
  reason: $why) {{ __typename ... on PerformerReceipt {{ id status cancelReason }} {ERR} }} }}"""
SETTINGS = f"""mutation($o: ID!, $i: PerformerCustomerInput!) {{ savePerformerCustomer(
  organizationId: $o, input: $i) {{ __typename ... on PerformerCustomer {{ organizationId }}
  {ERR} }} }}"""
ONE = f"""query($id: ID!) {{ paymentRegistry(id: $id) {{ __typename
  ... on PaymentRegistry {{ {REGISTRY} }} {ERR} }} }}"""
RECEIPTS = "{ performerReceipts { id status amountKopecks customerInn } }"
PAYER = {
    "bankName": "АО «Альфа-Банк»",
    "bik": "044525593",
    "corrAccount": "30101810200000000593",
    "account": "40702810801300000001",
}


@pytest.fixture(scope="module")
def world(db_engine, firms) -> Iterator[PerformersWorld]:  # type: ignore[no-untyped-def]
    yield from performers_world(db_engine, firms)


def test_the_whole_path_to_paid_receipts_with_one_payment_held(  # noqa: PLR0915
    db_engine: sa.Engine,
    login: Any,
    firms: Any,
    world: PerformersWorld,
    settings: Any,
    live_server: Any,
) -> None:
    a, b = firms["a"], firms["b"]
    org = world.drive.org_x
    customer = Party(login(a, world.customer_x), email_of(db_engine, world.customer_x))
    one = Party(login(a, world.performer_1), email_of(db_engine, world.performer_1))
    two = Party(login(a, world.performer_2), email_of(db_engine, world.performer_2))
    save_profile(one.client, "Соколова Ирина Павловна")
    lost = save_profile(two.client, "Орлов Павел Сергеевич")["inn"]
    first = signed_act(settings, customer, one, org, price=30_000_00, accepted=12_345_67)
    second = signed_act(settings, customer, two, org, price=20_000_00, accepted=20_000_00)
    # Without the payer's account no registry (and no file) is made.
    missing = customer.client.execute(FORM, {"o": gid("ClientOrganization", org)})
    assert missing["formPaymentRegistry"]["code"] == "PAYER_ACCOUNT_MISSING"
    saved = customer.client.execute(
        SETTINGS, {"o": gid("ClientOrganization", org), "i": {"bank": PAYER}}
    )["savePerformerCustomer"]
    assert saved["__typename"] == "PerformerCustomer", saved
    # The second performer lost the НПД status since the choice: only their payment is held.
    set_status(live_server, lost, False)
    formed = customer.client.execute(FORM, {"o": gid("ClientOrganization", org)})
    registry = formed["formPaymentRegistry"]
    assert registry["__typename"] == "PaymentRegistry", registry
    assert registry["totalKopecks"] == 12_345_67
    by_name = {p["performer"]["fullName"]: p for p in registry["payments"]}
    assert by_name["Соколова Ирина Павловна"]["status"] == "INCLUDED"
    held = by_name["Орлов Павел Сергеевич"]
    assert held["status"] == "HELD" and "не является" in held["heldReason"]
    # The file: the format's rules field by field, the one included payment, parsed back.
    response = customer.client.http.get(registry["downloadUrl"], headers=customer.client.headers())
    assert response.status_code == 200
    data = response.content
    parsed = bank_file.validate(data, expected_total=Decimal("12345.67"))
    assert len(parsed.documents) == 1
    doc = parsed.documents[0]
    assert (
        doc["Сумма"] == "12345.67"
        and doc["ПолучательИНН"] == by_name["Соколова Ирина Павловна"]["performer"]["inn"]
    )
    assert doc["ПлательщикРасчСчет"] == PAYER["account"] and "НПД" in doc["НазначениеПлатежа"]
    assert data.decode("cp1251").startswith("1CClientBankExchange")
    # Nothing left to pay until the status is back; then the held act goes in a new registry.
    again = customer.client.execute(FORM, {"o": gid("ClientOrganization", org)})
    assert again["formPaymentRegistry"]["code"] == "ALL_HELD"
    # Paid: receipts with the customer's name and INN and the exact amount.
    paid = customer.client.execute(PAID, {"r": registry["id"]})["markPaymentRegistryPaid"]
    assert paid["status"] == "PAID", paid
    receipt = {p["performer"]["fullName"]: p for p in paid["payments"]}["Соколова Ирина Павловна"][
        "receipt"
    ]
    assert receipt["amountKopecks"] == 12_345_67 and receipt["status"] == "ISSUED"
    assert receipt["customerName"] == "ООО «Икс»" and len(receipt["customerInn"]) == 10
    sim_receipt = simulator(live_server).receipts[receipt["receiptUid"]]
    assert sim_receipt.amount == Decimal("12345.67") and sim_receipt.customer_name == "ООО «Икс»"
    assert (
        one.client.http.get(receipt["downloadUrl"], headers=one.client.headers()).content[:4]
        == b"%PDF"
    )
    # Both sides see the receipt; the other performer and firm B do not.
    assert [r["id"] for r in one.client.execute(RECEIPTS)["performerReceipts"]] == [receipt["id"]]
    assert receipt["id"] in [
        r["id"] for r in customer.client.execute(RECEIPTS)["performerReceipts"]
    ]
    assert two.client.execute(RECEIPTS)["performerReceipts"] == []
    assert login(b, world.performer_ab).execute(RECEIPTS)["performerReceipts"] == []
    other = login(a, world.customer_y).execute(ONE, {"id": registry["id"]})["paymentRegistry"]
    assert other["code"] == "NOT_FOUND"
    # Only the performer cancels a receipt, with the reason.
    refused = customer.client.raw(CANCEL, {"r": receipt["id"], "why": "REFUND"})
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    cancelled = one.client.execute(CANCEL, {"r": receipt["id"], "why": "REFUND"})
    assert cancelled["cancelPerformerReceipt"]["status"] == "CANCELLED"
    assert simulator(live_server).receipts[receipt["receiptUid"]].cancelled_reason == "refund"
    # The status is back: the held act is paid through the next registry.
    set_status(live_server, lost, True)
    later = customer.client.execute(FORM, {"o": gid("ClientOrganization", org)})
    assert later["formPaymentRegistry"]["totalKopecks"] == 20_000_00, later
    assert later["formPaymentRegistry"]["number"] == registry["number"] + 1
    del first, second


def test_an_outage_holds_payments_instead_of_failing_and_a_registry_loads_in_few_statements(
    db_engine: sa.Engine,
    login: Any,
    firms: Any,
    world: PerformersWorld,
    settings: Any,
    live_server: Any,
) -> None:
    a = firms["a"]
    org = world.drive.org_y
    customer = Party(login(a, world.customer_y), email_of(db_engine, world.customer_y))
    performer = Party(login(a, world.performer_ab), email_of(db_engine, world.performer_ab))
    inn = save_profile(performer.client, "Двойной Исполнитель", bank=BANK)["inn"]
    signed_act(settings, customer, performer, org, price=5_000_00, accepted=5_000_00)
    customer.client.execute(SETTINGS, {"o": gid("ClientOrganization", org), "i": {"bank": PAYER}})
    set_status(live_server, inn, True)
    sim = simulator(live_server)
    sim.outage_calls = 50
    try:
        down = customer.client.execute(FORM, {"o": gid("ClientOrganization", org)})
    finally:
        sim.outage_calls = 0
    assert down["formPaymentRegistry"]["code"] == "ALL_HELD"
    formed = customer.client.execute(FORM, {"o": gid("ClientOrganization", org)})
    registry = formed["formPaymentRegistry"]
    assert registry["totalKopecks"] == 5_000_00, registry
    with statements(live_server.app.state.services.engine.sync_engine) as seen:
        shown = customer.client.execute(ONE, {"id": registry["id"]})["paymentRegistry"]
    assert len(shown["payments"]) == 1
    assert 0 < len([s for s in seen if "performer_" in s]) <= 6, seen


def _walk(c: Any, field: str, args: str, variables: dict[str, Any], size: int) -> list[str]:
    """Every id of a newest-first list, `size` at a time, each page after the last id seen."""
    declared = ", $o: ID" if variables else ""
    query = f"""query($after: String, $first: Int!{declared}) {{ {field}({args}first: $first,
      after: $after) {{ id }} }}"""
    seen: list[str] = []
    after = None
    for _ in range(50):
        page = [
            r["id"] for r in c.execute(query, {**variables, "first": size, "after": after})[field]
        ]
        seen += page
        if len(page) < size:
            return seen
        after = page[-1]
    raise AssertionError("the list never ended")


def test_registries_payments_and_receipts_page_on_after_the_last_id(
    login: Any, firms: Any, world: PerformersWorld, db_engine: sa.Engine
) -> None:
    a = firms["a"]
    person = make_performer(db_engine, a, "Постраничный")
    add_profile(db_engine, a.slug, person)
    paid_history(
        db_engine,
        a.slug,
        world.drive.org_y,
        person,
        [(f"2026-0{m}-15", m * 100_00) for m in range(1, 6)],
    )
    with db_engine.begin() as conn:
        for n in range(5):
            conn.execute(
                sa.text(
                    f"INSERT INTO {schema_of(a.slug)}.performer_registries (organization_id, "
                    "number, status, total_kopecks) VALUES (:o, :n, 'paid', 1)"
                ),
                {"o": world.drive.org_y, "n": 9000 + n},
            )
    me = login(a, person)
    customer = login(a, world.customer_y)
    org = {"o": gid("ClientOrganization", world.drive.org_y)}
    for who, field, args, variables in (
        (me, "performerPayments", "", {}),
        (me, "performerReceipts", "", {}),
        (customer, "performerReceipts", "organizationId: $o, ", org),
        (customer, "paymentRegistries", "organizationId: $o, ", org),
    ):
        everything = _walk(who, field, args, variables, 100)
        paged = _walk(who, field, args, variables, 2)
        assert paged == everything and len(everything) >= 5, (field, paged, everything)
        assert [pk(i) for i in paged] == sorted((pk(i) for i in paged), reverse=True)
    # A customer of another organization pages through none of Y's.
    other = login(a, world.customer_x)
    assert _walk(other, "paymentRegistries", "organizationId: $o, ", org, 2) == []
    # A cursor that is no id of the list is refused, not read as "from the start".
    for field in ("performerOrders", "performerPayments", "performerReceipts"):
        for cursor in ("garbage", gid("ClientOrganization", world.drive.org_y)):
            answer = me.raw(f"query($a: String) {{ {field}(after: $a) {{ id }} }}", {"a": cursor})
            assert error_codes(answer) == ["INVALID_ID"], (field, cursor, answer)
