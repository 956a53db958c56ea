"""The firm's own contact card for a person (label, phone, note on the membership), the
viewer's own display name, the staff picker, and a client admin who cannot leave their
organization without an admin (issue 12), over GraphQL HTTP."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa

from tests.support.client import error_codes
from tests.support.clients import created, llc
from tests.support.documents import schema_of
from tests.support.ids import gid, person_gid, pk
from tests.support.people import add_membership, make_person

SET_CARD = """mutation($person: ID!, $label: String!, $phone: String!, $note: String! = "") {
  setContactCard(personId: $person, label: $label, phone: $phone, note: $note) {
    __typename
    ... on PersonCard { id displayName label phone note }
    ... on Error { code message }
    ... on ValidationError { field }
  }
}"""
MANAGER = """query($id: ID!) { clientOrganization(id: $id) { ... on ClientOrganization {
  responsibleManager { displayName email label phone note } } } }"""
DEACTIVATE = """mutation($id: ID!) { deactivateContact(contactId: $id) {
  __typename ... on ClientContact { status } ... on Error { code message } } }"""
RENAME = """mutation($name: String!) { updateDisplayName(displayName: $name) {
  __typename ... on Viewer { displayName } ... on Error { code message }
  ... on ValidationError { field } } }"""
STAFF = "{ assignableStaff { id displayName } }"


def client_admin(db_engine: sa.Engine, firm: Any, org: int, name: str) -> tuple[int, int]:
    """An active client admin of `org` (contact and membership); (person id, contact id)."""
    person = make_person(db_engine, name)
    add_membership(db_engine, person, firm.id, "client", ["client_admin"], org)
    with db_engine.begin() as conn:
        contact = conn.execute(
            sa.text(
                f"INSERT INTO {schema_of(firm.slug)}.client_contacts "
                "(organization_id, person_id, is_client_admin) VALUES (:o, :p, true) RETURNING id"
            ),
            {"o": org, "p": person},
        ).scalar_one()
    return person, int(contact)


def org_pk(org: dict[str, Any]) -> int:
    return pk(org["id"])


def test_a_firm_card_is_its_own_and_shown_only_inside_that_firm(
    login, firms, staff, db_engine
) -> None:  # type: ignore[no-untyped-def]
    admin = login(firms["a"], staff.admin_a)
    org = created(admin, llc(f"ООО Карточка {uuid.uuid4().hex[:6]}"))
    admin.execute(
        "mutation($id: ID!, $m: ID) { setClientOrganizationManagers(id: $id, "
        "responsibleManagerId: $m) { __typename } }",
        {"id": org["id"], "m": person_gid(staff.manager_a)},
    )
    card = admin.execute(
        SET_CARD,
        {
            "person": person_gid(staff.manager_a),
            "label": "Ведущий бухгалтер",
            "phone": "+7 495 123-45-67",
            "note": "в отпуске в августе",
        },
    )["setContactCard"]
    assert card["__typename"] == "PersonCard", card
    assert (card["label"], card["phone"], card["note"]) == (
        "Ведущий бухгалтер",
        "+7 495 123-45-67",
        "в отпуске в августе",
    )
    # Her own name is untouched.
    assert card["displayName"] == "Мария Менеджерова"

    # A client contact of the organization sees the manager's label and phone, not the note.
    person, _ = client_admin(db_engine, firms["a"], org_pk(org), "Клиент Карточкин")
    as_client = login(firms["a"], person)
    shown = as_client.execute(MANAGER, {"id": org["id"]})["clientOrganization"]
    assert shown["responsibleManager"]["label"] == "Ведущий бухгалтер"
    assert shown["responsibleManager"]["phone"] == "+7 495 123-45-67"
    assert shown["responsibleManager"]["note"] is None

    # The client user may not write cards; another firm cannot name this firm's person.
    refused = as_client.raw(
        SET_CARD, {"person": person_gid(staff.manager_a), "label": "x", "phone": ""}
    )
    assert error_codes(refused) == ["FORBIDDEN"], refused
    admin_b = login(firms["b"], staff.admin_b)
    foreign = admin_b.execute(
        SET_CARD, {"person": person_gid(staff.manager_a), "label": "Чужой", "phone": ""}
    )["setContactCard"]
    assert foreign["__typename"] in ("NotFoundError", "ValidationError"), foreign
    with db_engine.connect() as conn:
        labels = (
            conn.execute(
                sa.text(
                    "SELECT DISTINCT contact_label FROM shared.memberships WHERE person_id = :p"
                ),
                {"p": staff.manager_a},
            )
            .scalars()
            .all()
        )
    assert labels == ["Ведущий бухгалтер"]

    # A person of both firms: each firm's label stays in that firm.
    both = make_person(db_engine, "Общий Человек")
    add_membership(db_engine, both, firms["b"].id, "staff", ["manager"])
    add_membership(db_engine, both, firms["a"].id, "staff", ["manager"])
    admin.execute(SET_CARD, {"person": person_gid(both), "label": "Альфа-метка", "phone": ""})
    admin_b.execute(SET_CARD, {"person": person_gid(both), "label": "Бета-метка", "phone": ""})
    seen = {
        firm: next(
            p
            for p in c.execute("{ assignableStaff { id label } }")["assignableStaff"]
            if p["id"] == person_gid(both)
        )["label"]
        for firm, c in (("a", admin), ("b", admin_b))
    }
    assert seen == {"a": "Альфа-метка", "b": "Бета-метка"}


def test_a_bad_phone_is_refused_in_the_callers_language(login, firms, staff) -> None:  # type: ignore[no-untyped-def]
    admin = login(firms["a"], staff.admin_a)
    bad = {"person": person_gid(staff.manager2_a), "label": "", "phone": "звоните"}
    ru = admin.execute(SET_CARD, bad)["setContactCard"]
    en = admin.execute(SET_CARD, bad, headers={"accept-language": "en"})["setContactCard"]
    assert (ru["__typename"], ru["code"], ru["field"]) == (
        "ValidationError",
        "INVALID_PHONE",
        "phone",
    )
    assert ru["message"].startswith("Телефон") and en["message"].startswith("Phone")


def test_the_staff_picker_lists_active_staff_only(login, firms, staff, db_engine) -> None:  # type: ignore[no-untyped-def]
    admin = login(firms["a"], staff.admin_a)
    org = created(admin, llc(f"ООО Пикер {uuid.uuid4().hex[:6]}"))
    client_person, _ = client_admin(db_engine, firms["a"], org_pk(org), "Не Сотрудник")
    ids = {p["id"] for p in admin.execute(STAFF)["assignableStaff"]}
    assert {person_gid(staff.admin_a), person_gid(staff.manager_a)} <= ids
    assert person_gid(client_person) not in ids and person_gid(staff.admin_b) not in ids
    refused = login(firms["a"], client_person).raw(STAFF)
    assert error_codes(refused) == ["FORBIDDEN"], refused


def test_the_last_client_admin_cannot_deactivate_themselves(login, firms, staff, db_engine) -> None:  # type: ignore[no-untyped-def]
    admin = login(firms["a"], staff.admin_a)
    org = created(admin, llc(f"ООО Последний {uuid.uuid4().hex[:6]}"))
    person, contact = client_admin(db_engine, firms["a"], org_pk(org), "Последний Админ")
    me = login(firms["a"], person)
    ru = me.execute(DEACTIVATE, {"id": gid("ClientContact", contact)})["deactivateContact"]
    en = me.execute(
        DEACTIVATE, {"id": gid("ClientContact", contact)}, headers={"accept-language": "en"}
    )["deactivateContact"]
    assert (ru["__typename"], ru["code"]) == ("ConflictError", "LAST_CLIENT_ADMIN"), ru
    assert ru["message"].startswith("Вы единственный") and en["message"].startswith("You are")

    # With a second admin, leaving is allowed.
    client_admin(db_engine, firms["a"], org_pk(org), "Второй Админ")
    done = me.execute(DEACTIVATE, {"id": gid("ClientContact", contact)})["deactivateContact"]
    assert done == {"__typename": "ClientContact", "status": "DEACTIVATED"}


def test_a_person_renames_themselves(login, firms, db_engine) -> None:  # type: ignore[no-untyped-def]
    person = make_person(db_engine, "Старое Имя")
    add_membership(db_engine, person, firms["a"].id, "staff", ["manager"])
    me = login(firms["a"], person)
    assert me.execute(RENAME, {"name": "  Новое   Имя "})["updateDisplayName"] == {
        "__typename": "Viewer",
        "displayName": "Новое Имя",
    }
    empty = me.execute(RENAME, {"name": "  "}, headers={"accept-language": "en"})
    assert empty["updateDisplayName"]["code"] == "INVALID_DISPLAY_NAME"
    assert empty["updateDisplayName"]["message"].startswith("Name")
    assert me.execute("{ viewer { displayName } }")["viewer"]["displayName"] == "Новое Имя"
