"""Only built modules are offered (issue 11): `availableModules` lists them, new organizations
get them, and the `ClientModule` values of modules not built yet (chat, ordering services,
approvals) stay in the enum but are refused when enabled or granted. A module that registers
its grant (saas.core.modules) is offered from then on; the tenant migration removed the
unbuilt grants rows already held."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from saas.core.modules import register_grant, unregister_grant
from saas.db.migrate import upgrade_tenant_schema
from saas.tenants.provisioning import provision_tenant, schema_for
from tests.support.client import GraphQLClient
from tests.support.clients import RESULT, create, created, llc

# What is built today, in the product's words (issue 11: reports, documents and the upload of
# primary documents; issue 13: the chat; ordering services and approvals are not).
BUILT = [
    ("REPORTS", "Отчётность", "Reports"),
    ("DOCUMENTS", "Документы", "Documents"),
    ("UPLOAD", "Загрузка первичных документов", "Upload primary documents"),
    ("CHAT", "Чат с бухгалтером", "Chat with the accountant"),
    ("REQUESTS", "Заявки на услуги", "Service requests"),
]
# Built, but off by default: the firm turns the agency service on per organization.
OFF_BY_DEFAULT = [("PERFORMERS", "Самозанятые исполнители", "Self-employed performers")]
NOT_BUILT = {"ORDER_SERVICES", "APPROVE"}

AVAILABLE = "{ availableModules { module nameRu nameEn enabledByDefault } }"
ENUM = '{ __type(name: "ClientModule") { enumValues { name } } }'
UPDATE = f"""mutation($input: UpdateClientOrganizationInput!) {{
  updateClientOrganization(input: $input) {{ {RESULT} }} }}"""
CONTACT = """__typename ... on ClientContact { id grants } ... on Error { code message }
  ... on ValidationError { field }"""
INVITE = f"""mutation($org: ID!, $email: String!, $grants: [ClientModule!]) {{
  inviteContact(organizationId: $org, email: $email, grants: $grants) {{ {CONTACT} }} }}"""
SET_GRANTS = f"""mutation($id: ID!, $grants: [ClientModule!]!) {{
  setContactGrants(contactId: $id, grants: $grants) {{ {CONTACT} }} }}"""
MODULES_OF = """query($id: ID!) { clientOrganization(id: $id) { ... on ClientOrganization {
  enabledModules viewerGrants contacts { id grants } } } }"""
EN = {"accept-language": "en"}


def email() -> str:
    return f"modules-{uuid.uuid4().hex[:8]}@client.test"


def invite(c: GraphQLClient, org: str, grants: list[str] | None, **kw: Any) -> dict[str, Any]:
    return c.execute(INVITE, {"org": org, "email": email(), "grants": grants}, **kw)[
        "inviteContact"
    ]


@pytest.fixture
def admin(login, firms, staff) -> GraphQLClient:  # type: ignore[no-untyped-def]
    return login(firms["a"], staff.admin_a)


def test_only_built_modules_are_offered_and_the_enum_keeps_the_others(
    admin: GraphQLClient, login, firms, staff
) -> None:  # type: ignore[no-untyped-def]
    offered = admin.execute(AVAILABLE)["availableModules"]
    assert offered == [
        {"module": m, "nameRu": ru, "nameEn": en, "enabledByDefault": True} for m, ru, en in BUILT
    ] + [
        {"module": m, "nameRu": ru, "nameEn": en, "enabledByDefault": False}
        for m, ru, en in OFF_BY_DEFAULT
    ]
    # Integrators' queries naming the other values still validate.
    values = {v["name"] for v in admin.execute(ENUM)["__type"]["enumValues"]}
    assert values == {m for m, _, _ in BUILT + OFF_BY_DEFAULT} | NOT_BUILT
    # Firm B sees the same list (the modules are the platform's, not a firm's).
    assert login(firms["b"], staff.admin_b).execute(AVAILABLE)["availableModules"] == offered


def test_a_new_organization_gets_the_built_modules(admin: GraphQLClient) -> None:
    org = created(admin, llc(f"ООО Модули {uuid.uuid4().hex[:6]}"))
    assert org["enabledModules"] == [m for m, _, _ in BUILT]
    shown = admin.execute(MODULES_OF, {"id": org["id"]})["clientOrganization"]
    assert shown["viewerGrants"] == [m for m, _, _ in BUILT]
    # A contact invited without grants gets none (the cabinet ticks the defaults itself).
    contact = invite(admin, org["id"], None)
    assert (contact["__typename"], contact["grants"]) == ("ClientContact", [])


def assert_not_available(result: dict[str, Any], field: str, words: str) -> None:
    assert (result["__typename"], result["code"], result["field"]) == (
        "ValidationError",
        "MODULE_NOT_AVAILABLE",
        field,
    ), result
    assert words in result["message"], result["message"]


def test_enabling_or_granting_a_module_not_built_is_refused(admin: GraphQLClient) -> None:
    refused = create(admin, llc("ООО Заказ", enabledModules=["REPORTS", "ORDER_SERVICES"]))
    assert_not_available(refused, "enabledModules", "Заказ услуг")
    refused = create(admin, llc("ООО Approve", enabledModules=["APPROVE"]), headers=EN)
    assert_not_available(refused, "enabledModules", "Approvals")

    org = created(admin, llc(f"ООО Согласие {uuid.uuid4().hex[:6]}"))
    refused = admin.execute(UPDATE, {"input": {"id": org["id"], "enabledModules": ["APPROVE"]}})
    assert_not_available(refused["updateClientOrganization"], "enabledModules", "Согласование")

    refused = invite(admin, org["id"], ["REPORTS", "ORDER_SERVICES"], headers=EN)
    assert_not_available(refused, "grants", "Order services")
    contact = invite(admin, org["id"], ["REPORTS"])
    refused = admin.execute(
        SET_GRANTS, {"id": contact["id"], "grants": ["DOCUMENTS", "ORDER_SERVICES"]}
    )
    assert_not_available(refused["setContactGrants"], "grants", "Заказ услуг")

    # Nothing of it was written.
    shown = admin.execute(MODULES_OF, {"id": org["id"]})["clientOrganization"]
    assert shown["enabledModules"] == [m for m, _, _ in BUILT]
    assert shown["contacts"] == [{"id": contact["id"], "grants": ["REPORTS"]}]


@pytest.fixture
def approvals_are_built() -> Iterator[None]:
    """The approvals module, once built, declares its grant like this (off by default)."""
    register_grant("approve", ru="Согласование", en="Approvals", default=False, module="approve")
    try:
        yield
    finally:
        unregister_grant("approve")


def test_a_module_that_registers_its_grant_is_offered(
    admin: GraphQLClient, approvals_are_built: None
) -> None:
    offered = admin.execute(AVAILABLE)["availableModules"]
    # In the order of registration (a module's own registration may come before or after the
    # registry's discovery of the built ones: compared as sets).
    assert {(m["module"], m["enabledByDefault"]) for m in offered} == {
        ("REPORTS", True),
        ("DOCUMENTS", True),
        ("UPLOAD", True),
        ("CHAT", True),
        ("REQUESTS", True),
        ("PERFORMERS", False),
        ("APPROVE", False),
    }
    org = created(admin, llc(f"ООО Согласие {uuid.uuid4().hex[:6]}"))
    assert "APPROVE" not in org["enabledModules"]  # off by default: the firm turns it on
    enabled = admin.execute(
        UPDATE, {"input": {"id": org["id"], "enabledModules": ["REPORTS", "APPROVE"]}}
    )["updateClientOrganization"]
    assert enabled["enabledModules"] == ["REPORTS", "APPROVE"]
    contact = invite(admin, org["id"], ["APPROVE"])
    assert (contact["__typename"], contact["grants"]) == ("ClientContact", ["APPROVE"])


def test_the_migration_removes_grants_of_modules_not_built(db_engine: sa.Engine) -> None:
    """A firm as the previous release left it: chat and approvals enabled and granted."""
    slug = f"modules-{uuid.uuid4().hex[:6]}"
    provision_tenant(db_engine, slug, "Модули")
    schema = schema_for(slug)
    with db_engine.begin() as conn:
        conn.exec_driver_sql(
            f"ALTER TABLE {schema}.client_organizations ALTER COLUMN enabled_modules "
            "SET DEFAULT '{reports,documents,upload,chat,order_services,approve}'"
        )
        org = conn.execute(
            sa.text(
                f"INSERT INTO {schema}.client_organizations "
                "(name, legal_form, inn, kpp, ogrn, tax_regime, enabled_modules) VALUES "
                "('ООО Старое', 'ooo', '7707083893', '773601001', '1027700132195', 'osno', "
                "'{chat,reports,approve,documents}') RETURNING id"
            )
        ).scalar_one()
        contact = conn.execute(
            sa.text(
                f"INSERT INTO {schema}.client_contacts (organization_id, person_id) "
                "VALUES (:o, 1) RETURNING id"
            ),
            {"o": org},
        ).scalar_one()
        conn.execute(
            sa.text(
                f"INSERT INTO {schema}.client_grants (contact_id, module) VALUES "
                "(:c, 'reports'), (:c, 'chat'), (:c, 'order_services'), (:c, 'approve')"
            ),
            {"c": contact},
        )
        # The previous release had no chat either (t_chat_1 runs again below).
        for table in (
            "chat_notice_actions",
            "chat_notices",
            "chat_reads",
            "chat_message_files",
            "chat_messages",
            "chat_conversations",
        ):
            conn.exec_driver_sql(f"DROP TABLE {schema}.{table}")
        conn.exec_driver_sql(f"DROP FUNCTION {schema}.chat_messages_append_only()")
        # Nor the calendars (t_calendar_1 runs again below).
        for table in ("calendar_exchange_dates", "calendar_feeds"):
            conn.exec_driver_sql(f"DROP TABLE {schema}.{table}")
        conn.exec_driver_sql(f"ALTER TABLE {schema}.client_organizations DROP COLUMN has_employees")
        # Nor the service requests (t_requests_1 runs again below), nor the performers.
        for table in (
            "performer_templates",
            "performer_agency_documents",
            "performer_receipts",
            "performer_payments",
            "performer_registries",
            "performer_signatures",
            "performer_acts",
            "performer_contracts",
            "performer_responses",
            "performer_order_files",
            "performer_orders",
            "performer_customers",
            "performer_portfolio",
            "performer_profiles",
            "request_onboarding_tasks",
            "service_request_time",
            "service_request_files",
            "service_request_comments",
            "service_requests",
            "request_services",
            "request_templates",
            "request_departments",
        ):
            conn.exec_driver_sql(f"DROP TABLE {schema}.{table}")
        conn.exec_driver_sql(f"UPDATE {schema}.alembic_version SET version_num = 't_clients_2'")
    with db_engine.begin() as conn:
        role = conn.execute(
            sa.text("SELECT db_role FROM shared.tenants WHERE slug = :s"), {"s": slug}
        ).scalar_one()
        # t_clients_3, then what came after it (the chat's t_chat_1...).
        assert upgrade_tenant_schema(conn, schema, role)[:2] == ["t_clients_3", "t_chat_1"]
    with db_engine.connect() as conn:
        modules = conn.execute(
            sa.text(f"SELECT enabled_modules FROM {schema}.client_organizations WHERE id = :o"),
            {"o": org},
        ).scalar_one()
        grants = conn.execute(
            sa.text(f"SELECT module FROM {schema}.client_grants WHERE contact_id = :c"),
            {"c": contact},
        ).all()
        default = conn.execute(
            sa.text(
                f"INSERT INTO {schema}.client_organizations "
                "(name, legal_form, inn, kpp, ogrn, tax_regime) VALUES "
                "('ООО Новое', 'ooo', '7728168971', '770801001', '1027700067328', 'osno') "
                "RETURNING enabled_modules"
            )
        ).scalar_one()
        conn.rollback()
    # The order kept; the chat and the requests, built since (t_chat_1, t_requests_1), are
    # on for every organization.
    assert modules == ["reports", "documents", "chat", "requests"]
    assert [row[0] for row in grants] == ["reports"]
    assert default == ["reports", "documents", "upload", "chat", "requests"]


def test_a_module_the_organization_does_not_have_is_not_shown_as_granted(
    admin: GraphQLClient,
) -> None:
    """Issue 12: a contact's grants list only what the organization has; the grant of a
    module switched off is kept and counts again once it is switched back on."""
    org = created(admin, llc(f"ООО Модули {uuid.uuid4().hex[:6]}"))
    contact = invite(admin, org["id"], ["REPORTS", "DOCUMENTS"])
    assert contact["grants"] == ["REPORTS", "DOCUMENTS"]
    admin.execute(UPDATE, {"input": {"id": org["id"], "enabledModules": ["REPORTS"]}})
    shown = admin.execute(MODULES_OF, {"id": org["id"]})["clientOrganization"]
    assert shown["enabledModules"] == ["REPORTS"]
    assert shown["contacts"] == [{"id": contact["id"], "grants": ["REPORTS"]}]
    admin.execute(UPDATE, {"input": {"id": org["id"], "enabledModules": ["REPORTS", "DOCUMENTS"]}})
    shown = admin.execute(MODULES_OF, {"id": org["id"]})["clientOrganization"]
    assert shown["contacts"] == [{"id": contact["id"], "grants": ["REPORTS", "DOCUMENTS"]}]
