"""Reports for tests: the reports tests' world (two firms' staff, organizations, client
contacts with grants, an integrator token), fresh reports and events over GraphQL.

    @pytest.fixture(scope="module")
    def world(db_engine, firms, live_server) -> World:
        return build_world(db_engine, firms, live_server.url)
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import sqlalchemy as sa

from saas.tenants.provisioning import schema_for
from tests.support.client import GraphQLClient
from tests.support.clients import llc
from tests.support.ids import gid, pk
from tests.support.jobs import job_finished
from tests.support.people import (
    add_membership,
    integrator_token,
    make_person,
    open_session,
    session_client,
)

_external = itertools.count(1)


def external_id(tag: str = "ev") -> str:
    return f"{tag}-{uuid.uuid4().hex[:8]}-{next(_external)}"


@dataclass
class World:
    admin_a: GraphQLClient
    manager_a_id: int
    token_a: str
    integrator_a: GraphQLClient
    admin_b: GraphQLClient
    org1: str  # firm A, client1 holds 'reports'
    org2: str  # firm A, client2 holds only 'chat'
    client1: GraphQLClient
    client1_token: tuple[str, str]  # (session secret, csrf) for WebSocket cookies
    client2: GraphQLClient
    host_a: str
    host_b: str


def add_contact(
    db_engine: sa.Engine, slug: str, tenant_id: int, org_id: int, grants: list[str]
) -> tuple[int, str, str]:
    """A client user: contact of `org_id` with `grants`, a client membership, a session."""
    person = make_person(db_engine, "Клиент Клиентов")
    schema = schema_for(slug)
    with db_engine.begin() as conn:
        contact = conn.execute(
            sa.text(
                f'INSERT INTO "{schema}".client_contacts (organization_id, person_id, status, '
                "is_client_admin) VALUES (:o, :p, 'active', false) RETURNING id"
            ),
            {"o": org_id, "p": person},
        ).scalar_one()
        for module in grants:
            conn.execute(
                sa.text(
                    f'INSERT INTO "{schema}".client_grants (contact_id, module) VALUES (:c, :m)'
                ),
                {"c": contact, "m": module},
            )
    add_membership(db_engine, person, tenant_id, "client", ["client_member"], org_id)
    secret, csrf = open_session(db_engine, person, tenant_id)
    return person, secret, csrf


def build_world(db_engine: sa.Engine, firms: dict[str, Any], url: str) -> World:
    a, b = firms["a"], firms["b"]
    # Firm A's report ids start far above firm B's, so "A's id at B" names nothing at B.
    with db_engine.begin() as conn:
        for table in ("reports", "client_organizations"):
            sequence = f"{schema_for(a.slug)}.{table}_id_seq"
            conn.exec_driver_sql(
                f"SELECT setval('{sequence}', 1000000, false) "
                f"WHERE (SELECT last_value FROM {sequence}) < 1000000"
            )
    admin_a_id = make_person(db_engine, "Анна Отчётова")
    manager_a_id = make_person(db_engine, "Мария Менеджер")
    admin_b_id = make_person(db_engine, "Bob Reports")
    add_membership(db_engine, admin_a_id, a.id, "staff", ["firm_admin"])
    add_membership(db_engine, manager_a_id, a.id, "staff", ["manager"])
    add_membership(db_engine, admin_b_id, b.id, "staff", ["firm_admin"])
    admin_a = session_client(url, a.host, *open_session(db_engine, admin_a_id, a.id))
    admin_b = session_client(url, b.host, *open_session(db_engine, admin_b_id, b.id))

    def org(c: GraphQLClient, name: str) -> str:
        result = c.execute(
            """mutation($input: CreateClientOrganizationInput!) {
                 createClientOrganization(input: $input) {
                   __typename ... on ClientOrganization { id } ... on Error { code message } } }""",
            {"input": llc(name, responsibleManagerId=gid("Person", manager_a_id))},
        )["createClientOrganization"]
        assert result["__typename"] == "ClientOrganization", result
        return str(result["id"])

    org1 = org(admin_a, f"Ромашка {uuid.uuid4().hex[:4]}")
    org2 = org(admin_a, f"Лютик {uuid.uuid4().hex[:4]}")
    _, s1, c1 = add_contact(db_engine, a.slug, a.id, pk(org1), ["reports", "chat"])
    _, s2, c2 = add_contact(db_engine, a.slug, a.id, pk(org2), ["chat"])
    token_a = integrator_token(db_engine, a.id, admin_a_id)
    return World(
        admin_a=admin_a,
        manager_a_id=manager_a_id,
        token_a=token_a,
        integrator_a=GraphQLClient(url, a.host, token=token_a),
        admin_b=admin_b,
        org1=org1,
        org2=org2,
        client1=session_client(url, a.host, s1, c1),
        client1_token=(s1, c1),
        client2=session_client(url, a.host, s2, c2),
        host_a=a.host,
        host_b=b.host,
    )


# ------------------------------------------------------------------------------ GraphQL

REPORT = """id organizationId formCode periodYear periodCode periodStart authorityCode
  correction status statusAt beingFixed updatedAt"""
CREATE = f"""mutation($input: CreateReportInput!) {{ createReport(input: $input) {{
  __typename ... on Report {{ {REPORT} }} ... on Error {{ code message }}
  ... on ValidationError {{ field }} }} }}"""
RECORD = f"""mutation($input: RecordReportEventInput!) {{ recordReportEvent(input: $input) {{
  __typename
  ... on ReportEventRecorded {{ duplicate event {{ id externalId kind occurredAt }}
                               report {{ {REPORT} }} }}
  ... on Error {{ code message }} ... on ValidationError {{ field }} }} }}"""
ONE = f"""query($id: ID!) {{ report(id: $id) {{ __typename
  ... on Report {{ {REPORT} timeline {{ externalId kind occurredAt text reasonCode }}
                  followUps {{ dueDate status manager {{ id }} }}
                  responsibleManager {{ id }} organization {{ name }} form {{ code nameRu }} }}
  ... on NotFoundError {{ code }} }} }}"""
_periods = itertools.count(0)
BASE = datetime(2026, 4, 20, 9, 0, tzinfo=UTC)


def new_report(c: GraphQLClient, org: str, **extra: Any) -> dict[str, Any]:
    """A fresh monthly report (a new period each call, so they never collide)."""
    n = next(_periods)
    data = {
        "organizationId": org,
        "formCode": "pers_sved",
        "periodYear": 2000 + n // 12,
        "periodCode": f"{n % 12 + 1:02d}",
        "authorityCode": "7701",
        **extra,
    }
    result = c.execute(CREATE, {"input": data})["createReport"]
    assert result["__typename"] == "Report", result
    return result


def record(
    c: GraphQLClient, report: str, kind: str, at: datetime, ext: str | None = None, **extra: Any
) -> dict[str, Any]:
    data = {
        "reportId": report,
        "externalId": ext or external_id(kind),
        "kind": kind,
        "occurredAt": at.isoformat(),
        **extra,
    }
    return c.execute(RECORD, {"input": data})["recordReportEvent"]


def at(minutes: int) -> datetime:
    return BASE + timedelta(minutes=minutes)


# ------------------------------------------------------------------------- bulk import

IMPORT = """mutation($lines: String!) { importReportEvents(jsonLines: $lines) {
  __typename ... on ReportImport { id status total } ... on ValidationError { code field } } }"""
STATE = """query($id: ID!) { reportImport(id: $id) { __typename
  ... on ReportImport { status done total recorded duplicates failed error
                        errors { line code message } }
  ... on NotFoundError { code } } }"""


def line(**fields: Any) -> str:
    """One JSON line of an import."""
    return orjson.dumps(fields).decode()


def wait_done(
    world: World, import_id: str, within: float = 30, client: GraphQLClient | None = None
) -> dict[str, Any]:
    """The import's state once it is DONE or FAILED (read by the integrator, or `client`)."""

    c = client or world.integrator_a
    return job_finished(
        lambda: c.execute(STATE, {"id": import_id})["reportImport"],
        within=within,
        what=f"import {import_id}",
    )
