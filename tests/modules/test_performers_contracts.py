"""Performers (issue 17): the contract of an assigned order from the firm's template, signed by
both sides with one-time codes from their e-mails, the signature page, and acceptance acts
(partial, never above the contract)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from tests.support.documents import schema_of
from tests.support.ids import gid
from tests.support.mail import last_message_to, text_of
from tests.support.people import email_of
from tests.support.performers import (
    ACCEPT,
    CODE,
    CONTRACT,
    CREATE,
    ERR,
    SIGN,
    PerformersWorld,
    assigned_order,
    code_for,
    performers_world,
    save_profile,
    sign_with_code,
)
from tests.support.requests import statements

ONE = f"""query($id: ID!) {{ performerContract(id: $id) {{ __typename
  ... on PerformerContract {{ {CONTRACT} }} {ERR} }} }}"""
TEMPLATE = """mutation($b: String) { savePerformerContractTemplate(body: $b) { __typename
  ... on PerformerContractTemplate { own fields } ... on Error { code message } } }"""


@pytest.fixture(scope="module")
def world(db_engine, firms) -> Iterator[PerformersWorld]:  # type: ignore[no-untyped-def]
    yield from performers_world(db_engine, firms)


def pdf_text(c: Any, url: str) -> str:
    response = c.http.get(url, headers=c.headers())
    assert response.status_code == 200, response.text[:300]
    reader = PdfReader(io.BytesIO(response.content))
    return "\n".join(page.extract_text() for page in reader.pages)


def downloads_logged(db_engine: Any, slug: str, number: str) -> list[tuple[str, str]]:
    """(who, whether the signed copy) per fetch of a contract's links; each with an address."""
    with db_engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                f"SELECT actor, ip, data->>'signed' FROM {schema_of(slug)}.audit_log "
                "WHERE action = 'performer.document_downloaded' AND object_id = :d ORDER BY id"
            ),
            {"d": str(made_id(db_engine, slug, number))},
        ).all()
    assert all(r[1] for r in rows), rows
    return [(r[0], r[2]) for r in rows]


def test_contract_signed_by_both_codes_and_acts_up_to_its_amount(
    db_engine: Any, login: Any, firms: Any, world: PerformersWorld, settings: Any
) -> None:
    a, b = firms["a"], firms["b"]
    admin = login(a, world.drive.admin_a)
    custom = admin.execute(TEMPLATE, {"b": "Договор {number} с {nobody}"})
    assert custom["savePerformerContractTemplate"]["code"] == "TEMPLATE_FIELDS"
    performer = login(a, world.performer_1)
    save_profile(performer, "Соколова Ирина Павловна")
    customer = login(a, world.customer_x)
    order = assigned_order(customer, performer, world.drive.org_x, price=25_000_00)
    made = customer.execute(CREATE, {"o": order["id"]})["createPerformerContract"]
    assert made["__typename"] == "PerformerContract", made
    assert (made["status"], made["amountKopecks"]) == ("SIGNING", 25_000_00)
    text = pdf_text(customer, made["downloadUrl"])
    assert "Соколова Ирина Павловна" in text and made["number"] in text
    again = customer.execute(CREATE, {"o": order["id"]})["createPerformerContract"]
    assert again["code"] == "CONTRACT_EXISTS"
    # Work is accepted only under a signed contract.
    early = customer.execute(ACCEPT, {"c": made["id"], "k": 100})["acceptPerformerWork"]
    assert early["code"] == "CONTRACT_NOT_SIGNED"
    # Staff sign nothing; another organization's customer and firm B do not see it.
    staff = admin.execute(CODE, {"c": made["id"], "a": None})["requestPerformerSignatureCode"]
    assert staff["code"] == "NOT_A_SIGNER"
    other = login(a, world.customer_y).execute(ONE, {"id": made["id"]})["performerContract"]
    assert other["code"] == "NOT_FOUND"
    stranger = login(a, world.performer_2).execute(ONE, {"id": made["id"]})
    assert stranger["performerContract"]["code"] == "NOT_FOUND"
    at_b = login(b, world.performer_ab).execute(ONE, {"id": made["id"]})["performerContract"]
    assert at_b["code"] == "NOT_FOUND"
    # A wrong code counts an attempt; the right one signs the customer's side.
    customer_mail = email_of(db_engine, world.customer_x)
    sent = customer.execute(CODE, {"c": made["id"], "a": None})["requestPerformerSignatureCode"]
    assert sent["sentTo"].endswith(customer_mail.split("@")[1])
    code = code_for(settings, customer_mail)
    letter = last_message_to(settings, customer_mail)
    assert made["number"] in str(letter["Subject"]) and code not in str(letter["Subject"])
    assert made["sha256"] in text_of(letter).replace("\n", "")
    wrong = "000000" if code != "000000" else "111111"
    refused = customer.execute(SIGN, {"c": made["id"], "a": None, "code": wrong})
    assert refused["signPerformerDocument"]["code"] == "WRONG_CODE"
    assert "4" in refused["signPerformerDocument"]["message"]
    too_soon = customer.execute(CODE, {"c": made["id"], "a": None})
    assert too_soon["requestPerformerSignatureCode"]["code"] == "CODE_RECENTLY_SENT"
    half = customer.execute(SIGN, {"c": made["id"], "a": None, "code": code})
    half = half["signPerformerDocument"]
    assert half["status"] == "SIGNING" and [s["side"] for s in half["signatures"]] == ["CUSTOMER"]
    assert half["signatures"][0]["sha256"] == made["sha256"]
    # The performer signs with their own code: the contract is signed, with its page.
    performer_mail = email_of(db_engine, world.performer_1)
    done = sign_with_code(performer, settings, performer_mail, c=made["id"])
    assert done["status"] == "SIGNED", done
    assert {s["side"] for s in done["signatures"]} == {"CUSTOMER", "PERFORMER"}
    signed_text = pdf_text(performer, done["downloadUrl"])
    assert "Лист подписания" in signed_text and made["sha256"] in signed_text.replace("\n", "")
    assert customer_mail in signed_text and performer_mail in signed_text
    # Every fetch of a link is in the firm's audit log, with the person and the address.
    assert downloads_logged(db_engine, a.slug, made["number"]) == [
        (f"person:{world.customer_x}", "false"),
        (f"person:{world.performer_1}", "true"),
    ]


def test_acts_accept_part_of_a_signed_contract_never_more(
    db_engine: Any, login: Any, firms: Any, world: PerformersWorld, settings: Any
) -> None:
    a = firms["a"]
    performer = login(a, world.performer_2)
    save_profile(performer, "Орлов Павел Сергеевич")
    customer = login(a, world.customer_y)
    order = assigned_order(customer, performer, world.drive.org_y, price=25_000_00)
    made = customer.execute(CREATE, {"o": order["id"]})["createPerformerContract"]
    customer_mail = email_of(db_engine, world.customer_y)
    performer_mail = email_of(db_engine, world.performer_2)
    sign_with_code(customer, settings, customer_mail, c=made["id"])
    assert sign_with_code(performer, settings, performer_mail, c=made["id"])["status"] == "SIGNED"
    # Acts: partial acceptance, never above what is left.
    first = customer.execute(ACCEPT, {"c": made["id"], "k": 10_000_00})["acceptPerformerWork"]
    assert first["__typename"] == "PerformerAct" and first["status"] == "SIGNING", first
    over = customer.execute(ACCEPT, {"c": made["id"], "k": 15_000_01})["acceptPerformerWork"]
    assert over["code"] == "ACCEPT_AMOUNT" and "15 000,00" in over["message"]
    assert sign_with_code(customer, settings, customer_mail, a=first["id"])["status"] == "SIGNING"
    act = sign_with_code(performer, settings, performer_mail, a=first["id"])
    assert act["status"] == "SIGNED", act
    act_text = pdf_text(customer, act["downloadUrl"])
    assert "Принято услуг на сумму: 10 000,00" in act_text
    assert "Период оказания услуг:" in act_text and made["number"] in act_text
    shown = customer.execute(ONE, {"id": made["id"]})["performerContract"]
    assert [(x["number"], x["status"]) for x in shown["acts"]] == [(first["number"], "SIGNED")]
    acts = "query($c: ID!) { performerActs(contractId: $c) { number status amountKopecks } }"
    listed = customer.execute(acts, {"c": made["id"]})["performerActs"]
    assert listed == [{"number": first["number"], "status": "SIGNED", "amountKopecks": 10_000_00}]
    assert login(a, world.customer_x).execute(acts, {"c": made["id"]})["performerActs"] is None


READ_TEMPLATE = "{ performerContractTemplate { own body fields } }"


def made_id(db_engine: Any, slug: str, number: str) -> int:
    with db_engine.connect() as conn:
        return int(
            conn.execute(
                sa.text(f"SELECT id FROM {schema_of(slug)}.performer_contracts WHERE number = :n"),
                {"n": number},
            ).scalar_one()
        )


def age_code(db_engine: Any, slug: str, contract_id: int, *, expire: bool) -> None:
    """The pending code of a contract was sent two minutes ago (and, with `expire`, has
    expired): a new one may be asked for."""
    with db_engine.begin() as conn:
        conn.execute(
            sa.text(
                f"UPDATE {schema_of(slug)}.performer_signatures SET created_at = now() - "
                "interval '2 minutes', code_expires_at = CASE WHEN :e THEN now() - "
                "interval '1 second' ELSE code_expires_at END "
                "WHERE document_kind = 'contract' AND document_id = :d AND signed_at IS NULL"
            ),
            {"e": expire, "d": contract_id},
        )


def template_contract(
    db_engine: Any, login: Any, a: Any, world: PerformersWorld
) -> tuple[Any, Any, dict[str, Any], int]:
    """The firm's own template makes the contract of performer_ab's order for customer_x, then
    the template goes back to the default: (customer, performer, contract, its row id)."""
    admin = login(a, world.drive.admin_a)
    # The firm's own template is used for new contracts; null goes back to the default.
    own = "Договор № {number} от {date}. Заказчик: {customer_name}. Исполнитель: {performer_name}."
    saved = admin.execute(TEMPLATE, {"b": own})["savePerformerContractTemplate"]
    assert saved["__typename"] == "PerformerContractTemplate" and saved["own"] is True, saved
    assert "performer_name" in saved["fields"]
    assert admin.execute(READ_TEMPLATE)["performerContractTemplate"]["own"] is True
    performer = login(a, world.performer_ab)
    save_profile(performer, "Кузнецов Олег Андреевич")
    customer = login(a, world.customer_x)
    order = assigned_order(customer, performer, world.drive.org_x, price=7_000_00)
    made = customer.execute(CREATE, {"o": order["id"]})["createPerformerContract"]
    assert made["__typename"] == "PerformerContract", made
    text = " ".join(pdf_text(customer, made["downloadUrl"]).split())
    assert f"Договор № {made['number']} от" in text and "Кузнецов Олег Андреевич" in text
    default = admin.execute(TEMPLATE, {"b": None})["savePerformerContractTemplate"]
    assert default["own"] is False
    shipped = admin.execute(READ_TEMPLATE)["performerContractTemplate"]
    assert shipped["own"] is False and "{performer_name}" in shipped["body"]
    assert "налог на профессиональный доход" in shipped["body"].lower()
    return customer, performer, made, made_id(db_engine, a.slug, made["number"])


def test_codes_expire_run_out_and_sign_only_for_the_documents_sides(
    db_engine: Any, login: Any, firms: Any, world: PerformersWorld, settings: Any
) -> None:
    a, b = firms["a"], firms["b"]
    customer, performer, made, contract_id = template_contract(db_engine, login, a, world)
    # A third person of the firm and the same performer at firm B neither ask nor sign.
    third = login(a, world.performer_2)
    assert (
        third.execute(CODE, {"c": made["id"], "a": None})["requestPerformerSignatureCode"]["code"]
        == "NOT_FOUND"
    )
    assert (
        third.execute(SIGN, {"c": made["id"], "a": None, "code": "123456"})[
            "signPerformerDocument"
        ]["code"]
        == "NOT_FOUND"
    )
    at_b = login(b, world.performer_ab)
    assert (
        at_b.execute(CODE, {"c": made["id"], "a": None})["requestPerformerSignatureCode"]["code"]
        == "NOT_FOUND"
    )
    # Five wrong codes use the attempts up: the right code no longer signs.
    customer_mail = email_of(db_engine, world.customer_x)
    sent = customer.execute(CODE, {"c": made["id"], "a": None})["requestPerformerSignatureCode"]
    assert sent["__typename"] == "SignatureCodeSent", sent
    code = code_for(settings, customer_mail)
    wrong = "000000" if code != "000000" else "111111"
    left = []
    for _ in range(5):
        refused = customer.execute(SIGN, {"c": made["id"], "a": None, "code": wrong})
        assert refused["signPerformerDocument"]["code"] == "WRONG_CODE"
        left.append(refused["signPerformerDocument"]["message"])
    assert left[0].endswith(": 4.") and left[-1].endswith(": 0."), left
    spent = customer.execute(SIGN, {"c": made["id"], "a": None, "code": code})
    assert spent["signPerformerDocument"]["code"] == "CODE_EXPIRED"
    # A new code after a minute; once its 15 minutes have passed it signs nothing.
    age_code(db_engine, a.slug, contract_id, expire=False)
    customer.execute(CODE, {"c": made["id"], "a": None})
    second = code_for(settings, customer_mail)
    age_code(db_engine, a.slug, contract_id, expire=True)
    late = customer.execute(SIGN, {"c": made["id"], "a": None, "code": second})
    assert late["signPerformerDocument"]["code"] == "CODE_EXPIRED"
    # A fresh code signs the customer's side, once.
    half = sign_with_code(customer, settings, customer_mail, c=made["id"])
    assert half["status"] == "SIGNING" and [s["side"] for s in half["signatures"]] == ["CUSTOMER"]
    twice = customer.execute(CODE, {"c": made["id"], "a": None})["requestPerformerSignatureCode"]
    assert twice["code"] == "ALREADY_SIGNED"
    again = customer.execute(SIGN, {"c": made["id"], "a": None, "code": "123456"})
    assert again["signPerformerDocument"]["code"] == "ALREADY_SIGNED"
    # The performer signs: the signed copy is the contract as made (the firm's own template
    # then), though the template went back to the default since.
    performer_mail = email_of(db_engine, world.performer_ab)
    done = sign_with_code(performer, settings, performer_mail, c=made["id"])
    assert done["status"] == "SIGNED", done
    signed = " ".join(pdf_text(customer, done["downloadUrl"]).split())
    assert f"Договор № {made['number']} от" in signed and "Лист подписания" in signed
    assert "ДОГОВОР ВОЗМЕЗДНОГО ОКАЗАНИЯ УСЛУГ" not in signed
    # The signature records the customer's user agent; the list shows the contract to both.
    assert half["signatures"][0]["userAgent"]
    mine = "{ performerContracts { number status } }"
    for who in (customer, performer):
        numbers = [c["number"] for c in who.execute(mine)["performerContracts"]]
        assert made["number"] in numbers
    others = [c["number"] for c in third.execute(mine)["performerContracts"]]
    assert made["number"] not in others
    # Pages: newest first, `after` the last contract seen.
    page = "query($a: String) { performerContracts(first: 1, after: $a) { id } }"
    one = customer.execute(page, {"a": None})["performerContracts"]
    two = customer.execute(page, {"a": one[0]["id"]})["performerContracts"]
    assert one == [{"id": made["id"]}] and len(two) == 1 and two[0]["id"] != made["id"]


LIST = """query($o: ID) { performerContracts(organizationId: $o, first: 20) { number
  order { title } signatures { side signer { id } } acts { number } } }"""


def test_twenty_contracts_load_in_a_fixed_number_of_statements(
    db_engine: Any, login: Any, firms: Any, world: PerformersWorld, live_server: Any
) -> None:
    a = firms["a"]
    performer = login(a, world.performer_2)
    save_profile(performer, "Орлов Павел Сергеевич")
    customer = login(a, world.customer_y)
    for n in range(20):
        order = assigned_order(customer, performer, world.drive.org_y, title=f"Работа {n}")
        made = customer.execute(CREATE, {"o": order["id"]})["createPerformerContract"]
        assert made["__typename"] == "PerformerContract", made
    engine = live_server.app.state.services.engine.sync_engine
    with statements(engine) as seen:
        shown = customer.execute(LIST, {"o": gid("ClientOrganization", world.drive.org_y)})
    contracts = shown["performerContracts"]
    assert len(contracts) == 20 and {c["order"]["title"] for c in contracts} >= {"Работа 19"}
    ours = [s for s in seen if "performer_" in s]
    assert 0 < len(ours) <= 6, ours
