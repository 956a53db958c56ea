"""Client organizations and contact persons over GraphQL, against the live server.

People log in with sessions written straight into shared.sessions (the same rows the auth
module issues); contacts join through the real invitation e-mail and acceptInvitation.
"""

from __future__ import annotations

import email
import re
import uuid
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from saas.auth.tokens import API_TOKEN_PREFIX, digest, new_secret
from saas.mail import outbox_dir
from tests.support.client import GraphQLClient, error_codes
from tests.support.clients import (
    CREATE,
    ORG,
    RESULT,
    create,
    created,
    inn12,
    llc,
    sole_proprietor,
)
from tests.support.ids import person_gid, pk
from tests.support.people import (
    add_membership,
    make_person,
)

# ------------------------------------------------------------------------------ GraphQL

UPDATE = f"""mutation($input: UpdateClientOrganizationInput!) {{
  updateClientOrganization(input: $input) {{ {RESULT} }} }}"""
ARCHIVE = f"mutation($id: ID!) {{ archiveClientOrganization(id: $id) {{ {RESULT} }} }}"
RESTORE = f"mutation($id: ID!) {{ restoreClientOrganization(id: $id) {{ {RESULT} }} }}"
MANAGERS = f"""mutation($id: ID!, $manager: ID, $moderators: [ID!]) {{
  setClientOrganizationManagers(
    id: $id, responsibleManagerId: $manager, moderatorIds: $moderators
  ) {{ {RESULT} }}
}}"""
ONE = f"""query($id: ID!) {{ clientOrganization(id: $id) {{
  __typename ... on ClientOrganization {{ {ORG} }} ... on NotFoundError {{ code message }} }} }}"""
LIST = """query($first: Int, $after: String, $last: Int, $before: String, $search: String,
            $status: ClientOrganizationStatus, $taxRegime: TaxRegime, $manager: ID) {
  clientOrganizations(first: $first, after: $after, last: $last, before: $before, search: $search,
                      status: $status, taxRegime: $taxRegime, responsibleManagerId: $manager) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id name inn taxRegime status } }
  }
}"""
CONTACT_RESULT = """
  __typename
  ... on ClientContact { id status isClientAdmin grants invitationAccepted person { id email } }
  ... on Error { code message }
  ... on ValidationError { field }
"""
INVITE = f"""mutation($org: ID!, $email: String!, $grants: [ClientModule!],
                     $admin: Boolean! = false) {{
  inviteContact(organizationId: $org, email: $email, grants: $grants, isClientAdmin: $admin) {{
    {CONTACT_RESULT}
  }}
}}"""
SET_GRANTS = f"""mutation($id: ID!, $grants: [ClientModule!]!) {{
  setContactGrants(contactId: $id, grants: $grants) {{ {CONTACT_RESULT} }} }}"""
DEACTIVATE = f"mutation($id: ID!) {{ deactivateContact(contactId: $id) {{ {CONTACT_RESULT} }} }}"
SET_ADMIN = f"""mutation($id: ID!, $admin: Boolean!) {{
  setContactClientAdmin(contactId: $id, isClientAdmin: $admin) {{ {CONTACT_RESULT} }} }}"""
VIEWER_GRANTS = "query($org: ID!) { viewerGrants(organizationId: $org) }"
ACCEPT = """mutation($token: String!, $password: String!, $name: String) {
  acceptInvitation(token: $token, password: $password, displayName: $name) {
    __typename ... on InvitationAccepted { loggedIn } ... on Error { code message } } }"""


def names(connection: dict[str, Any]) -> list[str]:
    return [e["node"]["name"] for e in connection["edges"]]


def listing(c: GraphQLClient, **variables: Any) -> dict[str, Any]:
    return c.execute(LIST, variables)["clientOrganizations"]


def invitation_token(settings: Any, address: str, host: str | None = None, nth: int = 0) -> str:
    """The link token of the nth newest invitation e-mail to `address` (with a link to `host`)
    in the outbox."""
    found: list[str] = []
    for path in sorted(Path(outbox_dir(settings)).glob("*.eml"), reverse=True):
        message = email.message_from_bytes(path.read_bytes(), policy=default_policy)
        if str(message["To"]).lower() != address.lower():
            continue
        body = message.get_body(preferencelist=("plain",))
        assert body is not None
        link = re.search(r"https?://([^/\s]+)/\S*token=([A-Za-z0-9_\-]+)", body.get_content())
        assert link, body.get_content()
        if host is None or link.group(1).split(":")[0] == host:
            found.append(link.group(2))
        if len(found) > nth:
            return found[nth]
    raise AssertionError(f"no invitation e-mail to {address}")


def invite(
    c: GraphQLClient, org_id: str, address: str, grants: list[str], admin: bool = False
) -> dict[str, Any]:
    return c.execute(INVITE, {"org": org_id, "email": address, "grants": grants, "admin": admin})[
        "inviteContact"
    ]


def join(
    client: Any,
    firm: Any,
    settings: Any,
    address: str,
    password: str = "Kabinet-Secret-Pass-42",
    nth: int = 0,
) -> GraphQLClient:
    """Accept the nth newest invitation to `address` from `firm` as the invitee would; returns
    its client."""
    c = client(firm.host)
    result = c.execute(
        ACCEPT,
        {
            "token": invitation_token(settings, address, firm.host, nth),
            "password": password,
            "name": "Контакт Клиентов",
        },
    )["acceptInvitation"]
    assert result == {"__typename": "InvitationAccepted", "loggedIn": True}, result
    return c


def new_email(tag: str) -> str:
    return f"{tag}-{uuid.uuid4().hex[:8]}@client.test"


# -------------------------------------------------------------------------------- tests


def test_bad_numbers_are_refused_with_a_clear_message(login, firms, staff) -> None:  # type: ignore[no-untyped-def]
    admin = login(firms["a"], staff.admin_a)
    broken_inn = llc("ООО Сломанный ИНН", inn="7707083894")
    result = create(admin, broken_inn)
    assert result["__typename"] == "ValidationError"
    assert (result["field"], result["code"]) == ("inn", "INVALID_INN")
    assert "ИНН 7707083894" in result["message"] and "контрольное число" in result["message"]
    english = create(admin, broken_inn, headers={"accept-language": "en-US,en;q=0.9"})
    assert english["message"] == "INN 7707083894: the check digit is wrong; check the number."

    cases = [
        (llc("X", ogrn="1027700132196"), "ogrn", "INVALID_OGRN", "OGRN 1027700132196"),
        (llc("X", kpp="77360100"), "kpp", "INVALID_KPP", "KPP: 9 characters"),
        (llc("X", kpp=None), "kpp", "REQUIRED", "KPP: required"),
        (
            llc("X", inn=inn12()),
            "inn",
            "INN_LEGAL_FORM_MISMATCH",
            "12 digits is an individual's INN",
        ),
        (sole_proprietor("X", kpp="773601001"), "kpp", "KPP_NOT_ALLOWED", "has no KPP"),
        (
            sole_proprietor("X", ogrn="304500116000158"),
            "ogrn",
            "INVALID_OGRN",
            "OGRNIP 304500116000158",
        ),
        (
            llc("X", taxRegime="NPD"),
            "taxRegime",
            "TAX_REGIME_LEGAL_FORM_MISMATCH",
            "individuals only",
        ),
        (llc("   "), "name", "REQUIRED", "Name"),
        (llc("X", inn="77070838"), "inn", "INVALID_INN", "10 digits"),
    ]
    for data, field, code, needle in cases:
        result = create(admin, data, headers={"accept-language": "en"})
        assert result["__typename"] == "ValidationError", (data, result)
        assert (result["field"], result["code"]) == (field, code), result
        assert needle in result["message"], result["message"]
    assert listing(admin, search="Сломанный", status=None)["totalCount"] == 0


def test_create_edit_archive_and_restore(login, firms, staff) -> None:  # type: ignore[no-untyped-def]
    admin = login(firms["a"], staff.admin_a)
    tag = uuid.uuid4().hex[:6]
    org = created(
        admin,
        llc(
            f"ООО  «Ромашка {tag}» ",
            responsibleManagerId=person_gid(staff.manager_a),
            moderatorIds=[person_gid(staff.manager2_a)],
            enabledModules=["REPORTS", "DOCUMENTS"],
        ),
    )
    assert org["name"] == f"ООО «Ромашка {tag}»"
    assert (org["legalForm"], org["taxRegime"], org["status"]) == ("OOO", "USN_INCOME", "ACTIVE")
    assert org["responsibleManager"]["displayName"] == "Мария Менеджерова"
    assert [m["id"] for m in org["moderators"]] == [person_gid(staff.manager2_a)]
    assert org["enabledModules"] == ["REPORTS", "DOCUMENTS"]

    edited = admin.execute(
        UPDATE,
        {
            "input": {
                "id": org["id"],
                "name": f"ООО «Ромашка Плюс {tag}»",
                "taxRegime": "OSNO",
                "kpp": "7736AB001",
            }
        },
    )["updateClientOrganization"]
    assert (edited["name"], edited["taxRegime"], edited["kpp"], edited["inn"]) == (
        f"ООО «Ромашка Плюс {tag}»",
        "OSNO",
        "7736AB001",
        org["inn"],
    )
    refused = admin.execute(UPDATE, {"input": {"id": org["id"], "inn": "1234567890"}})[
        "updateClientOrganization"
    ]
    assert (refused["__typename"], refused["field"]) == ("ValidationError", "inn")
    # Turning an LLC into a sole proprietor means new numbers: the old ones are refused.
    refused = admin.execute(UPDATE, {"input": {"id": org["id"], "legalForm": "IP"}})[
        "updateClientOrganization"
    ]
    assert (refused["code"], refused["field"]) == ("INN_LEGAL_FORM_MISMATCH", "inn")
    unchanged = admin.execute(ONE, {"id": org["id"]})["clientOrganization"]
    assert (unchanged["inn"], unchanged["legalForm"]) == (org["inn"], "OOO")

    archived = admin.execute(ARCHIVE, {"id": org["id"]})["archiveClientOrganization"]
    assert archived["status"] == "ARCHIVED" and archived["archivedAt"]
    assert names(listing(admin, search=tag)) == []
    assert names(listing(admin, search=tag, status="ARCHIVED")) == [f"ООО «Ромашка Плюс {tag}»"]
    assert listing(admin, search=tag, status=None)["totalCount"] == 1
    blocked = admin.execute(UPDATE, {"input": {"id": org["id"], "name": "Нельзя"}})[
        "updateClientOrganization"
    ]
    assert (blocked["__typename"], blocked["code"]) == ("ConflictError", "ARCHIVED")

    restored = admin.execute(RESTORE, {"id": org["id"]})["restoreClientOrganization"]
    assert restored["status"] == "ACTIVE" and restored["archivedAt"] is None
    assert names(listing(admin, search=tag)) == [f"ООО «Ромашка Плюс {tag}»"]


def test_one_active_organization_per_inn_and_kpp(login, firms, staff) -> None:  # type: ignore[no-untyped-def]
    admin = login(firms["a"], staff.admin_a)
    head = created(admin, llc("ООО Головная"))
    twin = create(admin, llc("ООО Двойник", inn=head["inn"]))
    assert (twin["__typename"], twin["code"]) == ("ConflictError", "DUPLICATE_INN")
    assert head["inn"] in twin["message"]
    branch = created(admin, llc("ООО Головная, филиал", inn=head["inn"], kpp="773602001"))
    assert branch["inn"] == head["inn"]

    admin.execute(ARCHIVE, {"id": head["id"]})
    again = created(admin, llc("ООО Головная (снова)", inn=head["inn"]))
    restore = admin.execute(RESTORE, {"id": head["id"]})["restoreClientOrganization"]
    assert (restore["__typename"], restore["code"]) == ("ConflictError", "DUPLICATE_INN")
    admin.execute(ARCHIVE, {"id": again["id"]})
    assert (
        admin.execute(RESTORE, {"id": head["id"]})["restoreClientOrganization"]["status"]
        == "ACTIVE"
    )


def test_search_filters_and_keyset_paging(login, firms, staff) -> None:  # type: ignore[no-untyped-def]
    admin = login(firms["a"], staff.admin_a)
    tag = uuid.uuid4().hex[:8]
    made = [
        created(
            admin,
            llc(
                f"Альфа {tag} 1",
                taxRegime="OSNO",
                responsibleManagerId=person_gid(staff.manager_a),
            ),
        ),
        created(admin, llc(f"Бета {tag} 2", taxRegime="USN_INCOME_EXPENSE")),
        created(
            admin,
            llc(
                f"Вега {tag} 3",
                taxRegime="OSNO",
                responsibleManagerId=person_gid(staff.manager2_a),
            ),
        ),
        created(
            admin,
            sole_proprietor(f"ИП Глебов {tag} 4", responsibleManagerId=person_gid(staff.manager_a)),
        ),
        created(admin, llc(f"Дельта {tag} 5", taxRegime="ESHN")),
    ]
    everything = listing(admin, search=tag.upper())
    assert everything["totalCount"] == 5
    assert names(everything) == sorted(o["name"] for o in made)
    assert names(listing(admin, search=f"бета {tag}")) == [
        f"Бета {tag} 2"
    ]  # case-insensitive, Cyrillic
    assert names(listing(admin, search=made[3]["inn"][2:9])) == [f"ИП Глебов {tag} 4"]
    assert names(listing(admin, search=tag, taxRegime="OSNO")) == [
        f"Альфа {tag} 1",
        f"Вега {tag} 3",
    ]
    assert names(listing(admin, search=tag, manager=person_gid(staff.manager_a))) == [
        f"Альфа {tag} 1",
        f"ИП Глебов {tag} 4",
    ]
    assert listing(admin, search=f"%{tag}")["totalCount"] == 0  # LIKE wildcards are literal

    order = names(everything)  # Альфа, Бета, Вега, Дельта, ИП Глебов
    first = listing(admin, search=tag, first=2)
    assert names(first) == order[:2]
    assert first["pageInfo"]["hasNextPage"] and not first["pageInfo"]["hasPreviousPage"]
    second = listing(admin, search=tag, first=2, after=first["pageInfo"]["endCursor"])
    assert names(second) == order[2:4]
    third = listing(admin, search=tag, first=2, after=second["pageInfo"]["endCursor"])
    assert names(third) == order[4:] and not third["pageInfo"]["hasNextPage"]
    back = listing(admin, search=tag, last=2, before=third["pageInfo"]["startCursor"])
    assert names(back) == order[2:4] and back["pageInfo"]["hasPreviousPage"]

    too_big = admin.raw(LIST, {"first": 1000})
    assert error_codes(too_big) == ["PAGE_TOO_LARGE"]
    bad_cursor = admin.raw(LIST, {"first": 2, "after": "bm9wZQ"})
    assert error_codes(bad_cursor) == ["INVALID_CURSOR"]


def test_managers_and_moderators_must_be_staff_of_the_firm(login, firms, staff, db_engine) -> None:  # type: ignore[no-untyped-def]
    admin = login(firms["a"], staff.admin_a)
    org = created(admin, llc("ООО Менеджмент"))
    result = admin.execute(
        MANAGERS,
        {
            "id": org["id"],
            "manager": person_gid(staff.manager2_a),
            "moderators": [person_gid(staff.manager_a)],
        },
    )["setClientOrganizationManagers"]
    assert result["responsibleManager"]["id"] == person_gid(staff.manager2_a)
    assert [m["id"] for m in result["moderators"]] == [person_gid(staff.manager_a)]

    for stranger, field in (
        (staff.admin_b, "responsibleManagerId"),
        (make_person(db_engine, "Никто"), "responsibleManagerId"),
    ):
        refused = admin.execute(MANAGERS, {"id": org["id"], "manager": person_gid(stranger)})[
            "setClientOrganizationManagers"
        ]
        assert (refused["__typename"], refused["code"], refused["field"]) == (
            "ValidationError",
            "NOT_STAFF",
            field,
        )
    refused = admin.execute(MANAGERS, {"id": org["id"], "moderators": [person_gid(staff.admin_b)]})[
        "setClientOrganizationManagers"
    ]
    assert (refused["code"], refused["field"]) == ("NOT_STAFF", "moderatorIds")
    cleared = admin.execute(MANAGERS, {"id": org["id"], "manager": None, "moderators": []})[
        "setClientOrganizationManagers"
    ]
    assert cleared["responsibleManager"] is None and cleared["moderators"] == []


def test_staff_without_write_permission_cannot_create(login, firms, staff, db_engine) -> None:  # type: ignore[no-untyped-def]
    auditor = make_person(db_engine, "Аудитор")
    add_membership(db_engine, auditor, firms["a"].id, "staff", ["auditor"])
    c = login(firms["a"], auditor)
    assert error_codes(c.raw(CREATE, {"input": llc("ООО Аудит")})) == ["FORBIDDEN"]
    assert listing(c, first=1)["totalCount"] >= 1  # but reads every organization of the firm


# ----------------------------------------------------------------------- contact persons


@pytest.fixture
def served(login, firms, staff):  # type: ignore[no-untyped-def]
    """Two organizations of firm A: `x` offers reports and documents; `y` every module."""
    admin = login(firms["a"], staff.admin_a)
    tag = uuid.uuid4().hex[:6]
    x = created(admin, llc(f"ООО Икс {tag}", enabledModules=["REPORTS", "DOCUMENTS"]))
    y = created(admin, llc(f"ООО Игрек {tag}"))
    return admin, x, y, tag


def test_client_user_sees_only_its_organizations(served, client, firms, settings) -> None:  # type: ignore[no-untyped-def]
    admin, x, y, tag = served
    address = new_email("member")
    contact = invite(admin, x["id"], address, ["REPORTS"])
    assert contact["__typename"] == "ClientContact"
    assert (contact["status"], contact["isClientAdmin"], contact["grants"]) == (
        "ACTIVE",
        False,
        ["REPORTS"],
    )
    assert contact["invitationAccepted"] is False and contact["person"]["email"] == address
    member = join(client, firms["a"], settings, address)

    visible = listing(member, status=None)
    assert names(visible) == [x["name"]] and visible["totalCount"] == 1
    assert listing(member, search=tag)["totalCount"] == 1
    other = member.execute(ONE, {"id": y["id"]})["clientOrganization"]
    assert other == {
        "__typename": "NotFoundError",
        "code": "NOT_FOUND",
        "message": other["message"],
    }
    assert (
        member.execute("query($id: ID!) { node(id: $id) { id } }", {"id": y["id"]})["node"] is None
    )
    assert member.execute(VIEWER_GRANTS, {"org": y["id"]})["viewerGrants"] == []
    own = member.execute(ONE, {"id": x["id"]})["clientOrganization"]
    assert own["name"] == x["name"]
    # A plain contact sees itself among the contacts, nobody else.
    invite(admin, x["id"], new_email("colleague"), ["DOCUMENTS"])
    seen = member.execute(
        "query($id: ID!) { clientOrganization(id: $id) { "
        "... on ClientOrganization { contacts { person { email } } } } }",
        {"id": x["id"]},
    )["clientOrganization"]["contacts"]
    assert seen == [{"person": {"email": address}}]
    # Staff-only operations stay closed.
    assert error_codes(member.raw(CREATE, {"input": llc("ООО Захват")})) == ["FORBIDDEN"]
    assert error_codes(member.raw(ARCHIVE, {"id": x["id"]})) == ["FORBIDDEN"]
    assert error_codes(member.raw(SET_GRANTS, {"id": contact["id"], "grants": ["DOCUMENTS"]})) == [
        "FORBIDDEN"
    ]
    assert member.execute(ONE, {"id": x["id"]})["clientOrganization"]["status"] == "ACTIVE"
    # Archiving hides the organization from its contacts.
    admin.execute(ARCHIVE, {"id": x["id"]})
    assert listing(member, status=None)["totalCount"] == 0
    assert (
        member.execute(ONE, {"id": x["id"]})["clientOrganization"]["__typename"] == "NotFoundError"
    )
    admin.execute(RESTORE, {"id": x["id"]})


def test_grants_are_enforced_and_client_admins_stay_within_limits(
    served, client, firms, settings
) -> None:  # type: ignore[no-untyped-def]
    admin, x, y, _ = served
    boss_email, member_email = new_email("boss"), new_email("member")
    boss_contact = invite(admin, x["id"], boss_email, ["REPORTS", "DOCUMENTS"], admin=True)
    assert boss_contact["isClientAdmin"] is True
    member_contact = invite(admin, x["id"], member_email, ["REPORTS"])
    y_contact = invite(admin, y["id"], new_email("other"), ["REPORTS"])
    boss = join(client, firms["a"], settings, boss_email)
    member = join(client, firms["a"], settings, member_email)

    # The contact without 'documents' does not get it; later modules ask exactly this.
    assert member.execute(VIEWER_GRANTS, {"org": x["id"]})["viewerGrants"] == ["REPORTS"]
    assert boss.execute(VIEWER_GRANTS, {"org": x["id"]})["viewerGrants"] == ["REPORTS", "DOCUMENTS"]
    assert admin.execute(VIEWER_GRANTS, {"org": x["id"]})["viewerGrants"] == [
        "REPORTS",
        "DOCUMENTS",
    ]

    # A client admin manages its organization's contacts, within the modules the firm enabled.
    assert (
        len(
            boss.execute(
                ONE.replace("moderators { id email }", "contacts { id }"), {"id": x["id"]}
            )["clientOrganization"]["contacts"]
        )
        == 2
    )
    granted = boss.execute(
        SET_GRANTS, {"id": member_contact["id"], "grants": ["DOCUMENTS", "REPORTS"]}
    )["setContactGrants"]
    assert granted["grants"] == ["REPORTS", "DOCUMENTS"]
    assert member.execute(VIEWER_GRANTS, {"org": x["id"]})["viewerGrants"] == [
        "REPORTS",
        "DOCUMENTS",
    ]
    disabled = boss.execute(SET_GRANTS, {"id": member_contact["id"], "grants": ["UPLOAD"]})[
        "setContactGrants"
    ]
    assert (disabled["__typename"], disabled["code"], disabled["field"]) == (
        "ValidationError",
        "MODULE_DISABLED",
        "grants",
    )
    disabled = admin.execute(
        INVITE, {"org": x["id"], "email": new_email("n"), "grants": ["UPLOAD"]}
    )["inviteContact"]
    assert (disabled["code"], disabled["field"]) == ("MODULE_DISABLED", "grants")
    no_admins = boss.execute(
        INVITE, {"org": x["id"], "email": new_email("n"), "grants": [], "admin": True}
    )["inviteContact"]
    assert (no_admins["code"], no_admins["field"]) == ("NOT_ALLOWED", "isClientAdmin")
    invited = invite(boss, x["id"], new_email("helper"), ["REPORTS"])
    assert invited["__typename"] == "ClientContact" and invited["isClientAdmin"] is False
    # ...and cannot touch another organization's contacts, or invite into it.
    assert (
        boss.execute(SET_GRANTS, {"id": y_contact["id"], "grants": ["REPORTS"]})[
            "setContactGrants"
        ]["code"]
        == "NOT_FOUND"
    )
    assert (
        boss.execute(DEACTIVATE, {"id": y_contact["id"]})["deactivateContact"]["code"]
        == "NOT_FOUND"
    )
    assert invite(boss, y["id"], new_email("n"), [])["code"] == "NOT_FOUND"
    # Appointing client admins is the firm's.
    assert error_codes(boss.raw(SET_ADMIN, {"id": member_contact["id"], "admin": True})) == [
        "FORBIDDEN"
    ]
    # A plain member manages nobody.
    assert error_codes(
        member.raw(SET_GRANTS, {"id": member_contact["id"], "grants": ["REPORTS"]})
    ) == ["FORBIDDEN"]

    # The firm switching a module off for the organization removes it from every grant at once.
    admin.execute(UPDATE, {"input": {"id": x["id"], "enabledModules": ["DOCUMENTS"]}})
    assert member.execute(VIEWER_GRANTS, {"org": x["id"]})["viewerGrants"] == ["DOCUMENTS"]
    viewer_side = member.execute(
        "query($id: ID!) { clientOrganization(id: $id) { "
        "... on ClientOrganization { viewerGrants } } }",
        {"id": x["id"]},
    )
    assert viewer_side["clientOrganization"]["viewerGrants"] == ["DOCUMENTS"]


def test_inviting_an_existing_contact_again(served, client, firms, settings) -> None:  # type: ignore[no-untyped-def]
    admin, x, _, _ = served
    address = new_email("twice")
    first = invite(admin, x["id"], address, ["REPORTS"])
    second = invite(admin, x["id"], address.upper(), ["DOCUMENTS"])  # not accepted: a new link
    assert second["id"] == first["id"] and second["grants"] == ["DOCUMENTS"]
    join(client, firms["a"], settings, address)
    again = invite(admin, x["id"], address, ["REPORTS"])
    assert (again["__typename"], again["code"]) == ("ConflictError", "ALREADY_CONTACT")
    bad = invite(admin, x["id"], "not-an-email", [])
    assert (bad["__typename"], bad["field"]) == ("ValidationError", "email")


def test_deactivation_takes_effect_on_the_next_request(
    served, client, login, firms, settings, staff, db_engine
) -> None:  # type: ignore[no-untyped-def]
    admin, x, _, _ = served
    address = new_email("leaving")
    contact = invite(admin, x["id"], address, ["REPORTS", "DOCUMENTS"])
    member = join(client, firms["a"], settings, address)
    person_id = pk(contact["person"]["id"])
    second_session = login(firms["a"], person_id)
    token = API_TOKEN_PREFIX + new_secret(24)
    with db_engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO shared.api_tokens "
                "(tenant_id, name, role, prefix, token_hash, created_by) "
                "VALUES (:t, 'sync', 'integrator', :p, :h, :c)"
            ),
            {"t": firms["a"].id, "p": token[:12], "h": digest(token), "c": person_id},
        )
    by_token = client(firms["a"].host, token=token)
    assert by_token.execute("{ currentFirm { slug } }")["currentFirm"]["slug"] == "firm-a"

    # The same person is also a contact of an organization at firm B: that stays untouched.
    admin_b = login(firms["b"], staff.admin_b)
    b_org = created(admin_b, llc("Bravo Client LLC"))
    invite(admin_b, b_org["id"], address, ["DOCUMENTS"])
    at_b = join(client, firms["b"], settings, address)
    assert names(listing(at_b)) == ["Bravo Client LLC"]

    assert names(listing(member)) == [x["name"]]
    done = admin.execute(DEACTIVATE, {"id": contact["id"]})["deactivateContact"]
    assert (done["status"], done["invitationAccepted"]) == ("DEACTIVATED", False)

    for c in (member, second_session):
        # The session stays, but it no longer belongs to a member of the firm: anonymous.
        refused = c.raw(LIST, {})
        assert error_codes(refused) == ["UNAUTHENTICATED"], refused
        assert c.execute("{ currentFirm { slug } }")["currentFirm"]["slug"] == "firm-a"
    response = by_token.post({"query": "{ currentFirm { slug } }"})
    assert response.status_code == 401 and response.json()["error"]["code"] == "INVALID_TOKEN"
    with db_engine.connect() as conn:
        status = conn.execute(
            sa.text(
                "SELECT status FROM shared.memberships WHERE person_id = :p AND tenant_id = :t"
            ),
            {"p": person_id, "t": firms["a"].id},
        ).scalar_one()
    assert status == "deactivated"
    # A fresh session of that person carries no access to the organization any more.
    fresh = login(firms["a"], person_id)
    assert error_codes(fresh.raw(LIST, {})) == ["FORBIDDEN"]
    assert names(listing(at_b)) == ["Bravo Client LLC"]

    shown = admin.execute(
        "query($id: ID!) { clientOrganization(id: $id) { ... on ClientOrganization { "
        "active: contacts { id } all: contacts(includeDeactivated: true) { id status } } } }",
        {"id": x["id"]},
    )["clientOrganization"]
    assert contact["id"] not in [c["id"] for c in shown["active"]]
    assert {"id": contact["id"], "status": "DEACTIVATED"} in shown["all"]
    assert (
        admin.execute(SET_GRANTS, {"id": contact["id"], "grants": []})["setContactGrants"][
            "__typename"
        ]
        == "ClientContact"
    )

    # Invited again, the person comes back through a new invitation.
    back = invite(admin, x["id"], address, ["REPORTS"])
    assert (back["id"], back["status"]) == (contact["id"], "ACTIVE")
    returning = client(firms["a"].host)
    accepted = returning.execute(
        ACCEPT,
        {
            "token": invitation_token(settings, address, firms["a"].host),
            "password": "Kabinet-Secret-Pass-42",
        },
    )["acceptInvitation"]
    assert accepted["__typename"] == "InvitationAccepted", accepted
    assert names(listing(returning)) == [x["name"]]


def test_firm_b_cannot_reach_firm_a_organizations(served, login, firms, staff) -> None:  # type: ignore[no-untyped-def]
    admin_a, x, _, _ = served
    contact = invite(admin_a, x["id"], new_email("a-contact"), ["REPORTS"])
    b = login(firms["b"], staff.admin_b)
    assert pk(x["id"]) >= 1_000_000  # firm A's numbering, see `staff`

    assert b.execute(ONE, {"id": x["id"]})["clientOrganization"]["__typename"] == "NotFoundError"
    assert b.execute("query($id: ID!) { node(id: $id) { id } }", {"id": x["id"]})["node"] is None
    assert b.execute(VIEWER_GRANTS, {"org": x["id"]})["viewerGrants"] == []
    assert x["id"] not in [e["node"]["id"] for e in listing(b, status=None, first=100)["edges"]]
    for mutation, variables, field in (
        (UPDATE, {"input": {"id": x["id"], "name": "Взлом"}}, "updateClientOrganization"),
        (ARCHIVE, {"id": x["id"]}, "archiveClientOrganization"),
        (RESTORE, {"id": x["id"]}, "restoreClientOrganization"),
        (MANAGERS, {"id": x["id"], "manager": None}, "setClientOrganizationManagers"),
        (INVITE, {"org": x["id"], "email": new_email("spy"), "grants": []}, "inviteContact"),
        (SET_GRANTS, {"id": contact["id"], "grants": ["DOCUMENTS"]}, "setContactGrants"),
        (DEACTIVATE, {"id": contact["id"]}, "deactivateContact"),
        (SET_ADMIN, {"id": contact["id"], "admin": True}, "setContactClientAdmin"),
    ):
        result = b.execute(mutation, variables)[field]
        assert (result["__typename"], result["code"]) == ("NotFoundError", "NOT_FOUND"), (
            field,
            result,
        )
    still = admin_a.execute(ONE, {"id": x["id"]})["clientOrganization"]
    assert (still["name"], still["status"]) == (x["name"], "ACTIVE")
    # A session of firm A is not accepted at firm B's host at all.
    response = b.post({"query": "{ currentFirm { slug } }"}, headers={"host": firms["a"].host})
    assert response.status_code == 403


def test_staff_appoint_client_admins(served, client, firms, settings, db_engine) -> None:  # type: ignore[no-untyped-def]
    admin, x, _, _ = served
    address = new_email("promoted")
    contact = invite(admin, x["id"], address, ["REPORTS"])
    member = join(client, firms["a"], settings, address)
    promoted = admin.execute(SET_ADMIN, {"id": contact["id"], "admin": True})[
        "setContactClientAdmin"
    ]
    assert promoted["isClientAdmin"] is True
    with db_engine.connect() as conn:
        roles = conn.execute(
            sa.text(
                "SELECT roles FROM shared.memberships WHERE person_id = :p AND client_org_id = :o"
            ),
            {"p": pk(contact["person"]["id"]), "o": pk(x["id"])},
        ).scalar_one()
    assert roles == ["client_admin"]
    # The next request of that person carries the new role.
    other = invite(member, x["id"], new_email("by-new-admin"), ["REPORTS"])
    assert other["__typename"] == "ClientContact"


def test_one_person_contact_of_organizations_at_two_firms(
    served, client, login, firms, settings, staff
) -> None:  # type: ignore[no-untyped-def]
    admin_a, x, y, _ = served
    address = new_email("two-firms")
    invite(admin_a, x["id"], address, ["REPORTS"])
    invite(admin_a, y["id"], address, ["UPLOAD"])
    admin_b = login(firms["b"], staff.admin_b)
    b_org = created(admin_b, llc(f"Bravo Partner {uuid.uuid4().hex[:4]}"))
    invite(admin_b, b_org["id"], address, ["DOCUMENTS"])
    at_a = join(client, firms["a"], settings, address)
    join(client, firms["a"], settings, address, nth=1)  # the other organization's link
    at_b = join(client, firms["b"], settings, address)

    assert names(listing(at_a)) == sorted([x["name"], y["name"]])
    assert at_a.execute(VIEWER_GRANTS, {"org": y["id"]})["viewerGrants"] == ["UPLOAD"]
    assert names(listing(at_b)) == [b_org["name"]]
    cabinets = at_b.execute("{ viewer { cabinets { kind organizationName firm { slug } } } }")[
        "viewer"
    ]["cabinets"]
    assert sorted(
        (c["firm"]["slug"], c["kind"], c["organizationName"]) for c in cabinets
    ) == sorted(
        [
            ("firm-a", "CLIENT", x["name"]),
            ("firm-a", "CLIENT", y["name"]),
            ("firm-b", "CLIENT", b_org["name"]),
        ]
    )
