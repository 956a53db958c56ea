"""The firm's audit log over GraphQL: `auditLog` (filters by who acted, action, object and
period; Relay pagination; who may read it; one firm never sees another's entries), the CSV
export job (`exportAuditLog` / `auditLogExport`), and the number of SQL statements a page
costs.

Entries come from what this module's people do through the API (creating organizations,
roles, an API token, and the token's own work), plus entries of the platform's operator
written straight into firm A's log at fixed instants of 2020, so the period filter has exact
expected answers. The firms are shared with the whole session: every expectation is narrowed
to this module's own people, objects or instants.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from dramatiq import Worker

from saas.modules.clients.validation import INN10_WEIGHTS
from saas.tenants.provisioning import schema_for
from tests.support.announcements import announced
from tests.support.auth import TestPerson, create_person, login
from tests.support.client import GraphQLClient
from tests.support.ids import gid, pk
from tests.support.jobs import job_finished

LOG = """query($filter: AuditLogFilter, $first: Int, $after: String, $last: Int,
  $before: String) {
  auditLog(filter: $filter, first: $first, after: $after, last: $last, before: $before) {
    __typename
    ... on AuditEntryConnection {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { id at action actionLabel objectType objectId data ip
        actor { kind subject label apiTokenId person { id email displayName } } } }
    }
    ... on Error { code message }
    ... on ValidationError { field }
  } }"""
EXPORT = """mutation($filter: AuditLogFilter) { exportAuditLog(filter: $filter) {
  __typename ... on AuditLogExport { id status } ... on Error { code } } }"""
EXPORT_STATE = """query($id: ID!) { auditLogExport(id: $id) { __typename
  ... on AuditLogExport { status done total rows error downloadUrl }
  ... on Error { code } } }"""
GROUPS = "{ auditActionGroups { prefix label actions { action label } } }"
NODE = "query($id: ID!) { node(id: $id) { __typename ... on AuditEntry { action objectId } } }"

CREATE_ORG = """mutation($input: CreateClientOrganizationInput!) {
  createClientOrganization(input: $input) { __typename ... on ClientOrganization { id name }
  ... on Error { code message } } }"""
UPDATE_ORG = """mutation($input: UpdateClientOrganizationInput!) {
  updateClientOrganization(input: $input) { __typename ... on Error { code message } } }"""
CREATE_ROLE = """mutation($name: String!) { createRole(name: $name, permissions: [
  {object: "clients", action: "read"}]) { __typename ... on Error { code message } } }"""
UPDATE_ROLE = """mutation($name: String!) { updateRole(name: $name, description: "probe",
  permissions: [{object: "reports", action: "read"}]) { __typename ... on Error { code } } }"""
CREATE_TOKEN = """mutation($name: String!) { createApiToken(name: $name, role: "manager",
  expiresInDays: 5) { __typename ... on ApiTokenCreated { token apiToken { id } }
  ... on Error { code message } } }"""

OPERATOR_DAYS = [datetime(2020, 1, day, 12, 0, tzinfo=UTC) for day in (1, 2, 3, 4, 5)]


_serial = iter(range(int(uuid.uuid4().int % 5_000_000) + 1_000_000, 10**8))


def requisites(name: str) -> dict[str, Any]:
    """A new organization's fields with a valid, unused INN and OGRN."""
    serial = next(_serial)
    head = "78" + f"{serial % 10**7:07d}"
    inn = head + str(sum(int(d) * w for d, w in zip(head, INN10_WEIGHTS, strict=True)) % 11 % 10)
    ogrn = "10278" + f"{serial % 10**7:07d}"
    return {
        "name": name,
        "legalForm": "OOO",
        "inn": inn,
        "kpp": "780101001",
        "ogrn": ogrn + str(int(ogrn) % 11 % 10),
        "taxRegime": "OSNO",
    }


@dataclass
class World:
    suffix: str
    admin: TestPerson
    auditor: GraphQLClient
    admin_c: GraphQLClient
    manager: GraphQLClient
    client: GraphQLClient
    auditor_b: GraphQLClient
    admin_b: TestPerson
    org: str  # the organization A's admin created and renamed
    token_org: str  # the one the API token created
    token_id: str
    token_name: str
    role: str
    # What A's admin did, oldest first: (action, objectType, objectId).
    admin_did: list[tuple[str, str, str]]


def ok(result: dict[str, Any], typename: str) -> dict[str, Any]:
    assert result["__typename"] == typename, result
    return result


@pytest.fixture(scope="module")
def world(firms, db_engine, live_server) -> World:  # type: ignore[no-untyped-def]
    a, b = firms["a"], firms["b"]
    suffix = uuid.uuid4().hex[:8]

    def person(firm: Any, role: str, kind: str = "staff", org: int | None = None) -> TestPerson:
        return create_person(
            db_engine,
            f"audit-{role}-{firm.slug}-{suffix}@example.test",
            display_name=f"Аудит {role} {suffix}",
            memberships=[(firm.id, kind, [role], org)],
        )

    def session(firm: Any, who: TestPerson) -> GraphQLClient:
        c = GraphQLClient(live_server.url, firm.host)
        login(c, who.email, who.password)
        return c

    admin = person(a, "firm_admin")
    admin_c = session(a, admin)
    did: list[tuple[str, str, str]] = []

    org = ok(
        admin_c.execute(CREATE_ORG, {"input": requisites(f"ООО «Аудит {suffix}»")})[
            "createClientOrganization"
        ],
        "ClientOrganization",
    )
    did.append(("client_organization.create", "client_organization", str(pk(org["id"]))))
    renamed = admin_c.execute(
        UPDATE_ORG, {"input": {"id": org["id"], "name": f"ООО «Аудит-2 {suffix}»"}}
    )["updateClientOrganization"]
    ok(renamed, "ClientOrganization")
    did.append(("client_organization.update", "client_organization", str(pk(org["id"]))))

    role = f"audit_probe_{suffix}"
    assert "code" not in admin_c.execute(CREATE_ROLE, {"name": role})["createRole"]
    did.append(("role.create", "role", role))
    assert "code" not in admin_c.execute(UPDATE_ROLE, {"name": role})["updateRole"]
    did.append(("role.update", "role", role))

    token_name = f"CRM {suffix}"
    created = ok(
        admin_c.execute(CREATE_TOKEN, {"name": token_name})["createApiToken"], "ApiTokenCreated"
    )
    token_id = created["apiToken"]["id"]
    did.append(("api_token.create", "api_token", str(pk(token_id))))
    integrator = GraphQLClient(live_server.url, a.host, token=created["token"])
    token_org = ok(
        integrator.execute(CREATE_ORG, {"input": requisites(f"ООО «Токен {suffix}»")})[
            "createClientOrganization"
        ],
        "ClientOrganization",
    )

    # The platform's operator, at fixed instants (a command-line tool writes such entries).
    with db_engine.begin() as conn:
        for day, at in enumerate(OPERATOR_DAYS, start=1):
            conn.execute(
                sa.text(
                    f'INSERT INTO "{schema_for(a.slug)}".audit_log '
                    "(actor, action, object_type, object_id, data, ip, at) "
                    "VALUES ('operator:cli', 'security.update', 'probe', :o, :d, NULL, :at)"
                ),
                {"o": suffix, "d": json.dumps({"day": day, "note": "Проверка"}), "at": at},
            )

    org_pk = create_org_row(admin_c)
    did.append(("client_organization.create", "client_organization", str(org_pk)))
    return World(
        suffix=suffix,
        admin=admin,
        auditor=session(a, person(a, "auditor")),
        admin_c=admin_c,
        manager=session(a, person(a, "manager")),
        client=session(a, person(a, "client_member", "client", org_pk)),
        auditor_b=session(b, person(b, "auditor")),
        admin_b=person(b, "firm_admin"),
        org=org["id"],
        token_org=token_org["id"],
        token_id=token_id,
        token_name=token_name,
        role=role,
        admin_did=did,
    )


def create_org_row(admin: GraphQLClient) -> int:
    """An organization for the client user's membership (not one the tests look at)."""
    org = admin.execute(CREATE_ORG, {"input": requisites(f"ООО «Клиент {uuid.uuid4().hex[:6]}»")})
    return pk(ok(org["createClientOrganization"], "ClientOrganization")["id"])


def log(c: GraphQLClient, first: int = 100, **filter: Any) -> dict[str, Any]:
    result: dict[str, Any] = c.execute(LOG, {"filter": filter, "first": first})["auditLog"]
    return result


def nodes(c: GraphQLClient, **filter: Any) -> list[dict[str, Any]]:
    result = ok(log(c, **filter), "AuditEntryConnection")
    found = [e["node"] for e in result["edges"]]
    assert result["totalCount"] == len(found)
    return found


def what(entries: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    return [(e["action"], e["objectType"], e["objectId"]) for e in entries]


def test_filters_by_person_token_operator_action_object_and_period(world: World) -> None:
    c = world.auditor
    mine = nodes(c, personId=gid("Person", world.admin.id))
    # Newest first: exactly what the admin did, in reverse.
    assert what(mine) == list(reversed(world.admin_did))
    first = mine[-1]
    assert first["actor"] == {
        "kind": "PERSON",
        "subject": f"person:{world.admin.id}",
        "label": f"Аудит firm_admin {world.suffix}",
        "apiTokenId": None,
        "person": {
            "id": gid("Person", world.admin.id),
            "email": world.admin.email,
            "displayName": f"Аудит firm_admin {world.suffix}",
        },
    }
    assert first["ip"] == "127.0.0.1"
    assert first["data"]["name"] == f"ООО «Аудит {world.suffix}»"
    assert first["actionLabel"] == "Создана организация клиента"
    times = [datetime.fromisoformat(e["at"]) for e in mine]
    assert times == sorted(times, reverse=True)

    # The token's own work; its label in the caller's language.
    by_token = nodes(c, apiTokenId=world.token_id)
    assert what(by_token) == [
        ("client_organization.create", "client_organization", str(pk(world.token_org)))
    ]
    assert by_token[0]["actor"]["kind"] == "API_TOKEN"
    assert by_token[0]["actor"]["apiTokenId"] == world.token_id
    assert by_token[0]["actor"]["person"] is None
    assert by_token[0]["actor"]["label"] == f"API-токен «{world.token_name}»"
    english = c.execute(
        LOG,
        {"filter": {"apiTokenId": world.token_id}, "first": 5},
        headers={"accept-language": "en"},
    )["auditLog"]["edges"][0]["node"]
    assert english["actor"]["label"] == f"API token '{world.token_name}'"
    assert english["actionLabel"] == "Client created"
    assert nodes(c, actor=f"token:{pk(world.token_id)}") == by_token

    # Actions: exact, or every action of a kind by its prefix.
    person = gid("Person", world.admin.id)
    assert what(nodes(c, personId=person, action="role.create")) == [
        ("role.create", "role", world.role)
    ]
    assert [e["action"] for e in nodes(c, personId=person, action="role.")] == [
        "role.update",
        "role.create",
    ]
    assert nodes(c, personId=person, action="role") == []  # neither exact nor a prefix
    assert nodes(c, personId=person, action="rol.") == []

    # An object, by its type and id (whoever acted on it).
    org_id = str(pk(world.org))
    assert [
        e["action"] for e in nodes(c, object={"type": "client_organization", "id": org_id})
    ] == ["client_organization.update", "client_organization.create"]
    assert len(nodes(c, object={"type": "role", "id": world.role})) == 2
    assert nodes(c, object={"type": "client_organization", "id": "0"}) == []

    # The operator, and the period: `from` inclusive, `to` exclusive.
    probe = {"object": {"type": "probe", "id": world.suffix}}
    operator = nodes(c, actor="operator:cli", **probe)
    assert [e["data"]["day"] for e in operator] == [5, 4, 3, 2, 1]
    assert operator[0]["actor"]["kind"] == "OPERATOR"
    assert operator[0]["actor"]["label"] == "Оператор платформы"
    assert operator[0]["actor"]["person"] is None
    period = nodes(
        c, **probe, **{"from": OPERATOR_DAYS[1].isoformat(), "to": OPERATOR_DAYS[3].isoformat()}
    )
    assert [e["data"]["day"] for e in period] == [3, 2]
    assert [e["data"]["day"] for e in nodes(c, **probe, to=OPERATOR_DAYS[1].isoformat())] == [1]
    same = OPERATOR_DAYS[2].isoformat()
    assert nodes(c, **probe, **{"from": same, "to": same}) == []

    # Filters combine: the operator did nothing to the admin's organization.
    assert (
        nodes(c, actor="operator:cli", object={"type": "client_organization", "id": org_id}) == []
    )


def test_refused_filters_are_typed_errors(world: World) -> None:
    c = world.auditor
    backwards = log(c, **{"from": OPERATOR_DAYS[3].isoformat(), "to": OPERATOR_DAYS[1].isoformat()})
    assert (backwards["__typename"], backwards["code"], backwards["field"]) == (
        "ValidationError",
        "BAD_PERIOD",
        "to",
    )
    assert (
        "end"
        in c.raw(
            LOG,
            {"filter": {"from": OPERATOR_DAYS[3].isoformat(), "to": OPERATOR_DAYS[1].isoformat()}},
            headers={"accept-language": "en"},
        )["data"]["auditLog"]["message"]
    )
    two = log(c, personId=gid("Person", world.admin.id), actor="operator:cli")
    assert (two["__typename"], two["code"]) == ("ValidationError", "ONE_ACTOR")
    # A person of another firm, a malformed id, another type's id: no such person here.
    for value in (
        gid("Person", world.admin_b.id),
        "not-an-id",
        gid("ClientOrganization", pk(world.org)),
        gid("Person", 2**63),
    ):
        refused = log(c, personId=value)
        assert (refused["__typename"], refused.get("code")) == ("NotFoundError", "NOT_FOUND"), (
            value,
            refused,
        )
    refused = log(c, apiTokenId=gid("ApiToken", 2**40))
    assert refused["__typename"] == "NotFoundError"
    # The same checks refuse an export before any job exists.
    assert c.execute(EXPORT, {"filter": {"personId": gid("Person", world.admin_b.id)}})[
        "exportAuditLog"
    ] == {"__typename": "NotFoundError", "code": "NOT_FOUND"}


def test_pages_follow_the_cursors_both_ways(world: World) -> None:
    c = world.auditor
    probe = {"actor": "operator:cli", "object": {"type": "probe", "id": world.suffix}}
    whole = [e["id"] for e in nodes(c, **probe)]
    assert len(whole) == 5
    seen: list[str] = []
    after = None
    while True:
        page = c.execute(LOG, {"filter": probe, "first": 2, "after": after})["auditLog"]
        assert page["totalCount"] == 5
        seen += [e["node"]["id"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == whole
    back = c.execute(LOG, {"filter": probe, "last": 2})["auditLog"]
    assert [e["node"]["id"] for e in back["edges"]] == whole[-2:]
    before = c.execute(LOG, {"filter": probe, "last": 2, "before": back["edges"][0]["cursor"]})
    assert [e["node"]["id"] for e in before["auditLog"]["edges"]] == whole[1:3]
    too_many = c.raw(LOG, {"filter": probe, "first": 101})
    assert too_many["errors"][0]["extensions"]["code"] == "PAGE_TOO_LARGE"
    # An entry refetched by its id.
    assert c.execute(NODE, {"id": whole[0]})["node"] == {
        "__typename": "AuditEntry",
        "action": "security.update",
        "objectId": world.suffix,
    }


def test_only_the_firm_admin_and_auditors_read_it(world: World) -> None:
    assert ok(log(world.admin_c, personId=gid("Person", world.admin.id)), "AuditEntryConnection")
    entry = nodes(world.auditor, personId=gid("Person", world.admin.id))[0]["id"]
    for who in (world.manager, world.client):
        for query, variables in (
            (LOG, {"filter": {}}),
            (EXPORT, {}),
            (EXPORT_STATE, {"id": gid("AuditLogExport", 1)}),
            (GROUPS, {}),
        ):
            denied = who.raw(query, variables)
            assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN", (query, denied)
            assert denied["data"] is None or not any(denied["data"].values())
        assert who.execute(NODE, {"id": entry})["node"] is None
    groups = world.auditor.execute(GROUPS)["auditActionGroups"]
    roles = next(g for g in groups if g["prefix"] == "role.")
    assert roles["label"] == "Роли"
    assert {"action": "role.create", "label": "Создана роль"} in roles["actions"]


def test_another_firm_never_sees_these_entries(world: World) -> None:
    c = world.auditor_b
    admin_a = f"person:{world.admin.id}"
    # Named as A's entries show it: nothing in B's log.
    assert nodes(c, actor=admin_a) == []
    assert nodes(c, actor="operator:cli", object={"type": "probe", "id": world.suffix}) == []
    assert nodes(c, object={"type": "role", "id": world.role}) == []
    # B's whole log holds none of A's people, names or objects.
    after, seen = None, 0
    while True:
        page = c.execute(LOG, {"first": 100, "after": after})["auditLog"]
        text = json.dumps(page, ensure_ascii=False)
        for marker in (admin_a, world.role, world.token_name, world.suffix):
            assert marker not in text
        seen += len(page["edges"])
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    # A's entry by its id, A's person as a filter: nothing.
    entry = nodes(world.auditor, personId=gid("Person", world.admin.id))[0]["id"]
    assert c.execute(NODE, {"id": entry})["node"] is None
    refused = log(c, personId=gid("Person", world.admin.id))
    assert (refused["__typename"], refused["code"]) == ("NotFoundError", "NOT_FOUND")
    assert log(c, apiTokenId=world.token_id)["__typename"] == "NotFoundError"


def finished(c: GraphQLClient, job_id: str) -> dict[str, Any]:
    return job_finished(
        lambda: c.execute(EXPORT_STATE, {"id": job_id})["auditLogExport"], what=f"export {job_id}"
    )


def test_csv_export_holds_the_filtered_entries(world: World, worker: Worker) -> None:
    c = world.auditor
    person = gid("Person", world.admin.id)
    job = ok(
        c.execute(EXPORT, {"filter": {"personId": person}})["exportAuditLog"], "AuditLogExport"
    )
    assert job["status"] in ("QUEUED", "RUNNING", "DONE")
    state = finished(c, job["id"])
    listed = nodes(c, personId=person)
    assert state["status"] == "DONE", state
    assert (state["rows"], state["done"], state["total"]) == (len(listed),) * 3
    response = c.http.get(state["downloadUrl"], headers=c.headers())
    assert response.status_code == 200
    assert response.content.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM, for spreadsheets
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [(r["actor"], r["action"], r["object_type"], r["object_id"], r["ip"]) for r in rows] == [
        (e["actor"]["subject"], e["action"], e["objectType"], e["objectId"], e["ip"])
        for e in listed
    ]
    assert [datetime.fromisoformat(r["time_utc"]) for r in rows] == [
        datetime.fromisoformat(e["at"]) for e in listed
    ]
    assert [json.loads(r["data"]) for r in rows] == [e["data"] for e in listed]
    assert {r["actor_name"] for r in rows} == {f"Аудит firm_admin {world.suffix}"}
    assert {r["actor_email"] for r in rows} == {world.admin.email}
    assert rows[-1]["action_label"] == "Создана организация клиента"

    # The operator's entries, with a period, in English.
    probe = {
        "actor": "operator:cli",
        "object": {"type": "probe", "id": world.suffix},
        "from": OPERATOR_DAYS[1].isoformat(),
    }
    job = c.execute(EXPORT, {"filter": probe}, headers={"accept-language": "en"})
    state = finished(c, job["exportAuditLog"]["id"])
    assert state["rows"] == 4
    text = c.http.get(state["downloadUrl"], headers=c.headers()).content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [json.loads(r["data"])["day"] for r in rows] == [5, 4, 3, 2]
    assert {(r["actor_name"], r["action_label"]) for r in rows} == {
        ("Platform operator", "Security settings changed")
    }
    assert json.loads(rows[0]["data"])["note"] == "Проверка"

    # Another firm cannot follow the job.
    other = world.auditor_b.execute(EXPORT_STATE, {"id": job["exportAuditLog"]["id"]})
    assert other["auditLogExport"] == {"__typename": "NotFoundError", "code": "NOT_FOUND"}


def test_a_page_costs_the_same_statements_whatever_its_size(
    world: World,
    firms: dict[str, Any],
    db_engine: sa.Engine,
    live_server: Any,
) -> None:
    """60 entries by 20 people and 2 tokens: a page of 50 runs as many statements as a page
    of 5 (people and token names through one DataLoader query each)."""
    a = firms["a"]
    marker = f"n1-{world.suffix}"
    people = [
        create_person(db_engine, f"audit-n1-{i}-{world.suffix}@example.test").id for i in range(30)
    ]
    tokens = [pk(world.token_id), 10**9]  # the firm's token, and one that no longer exists
    start = datetime(2021, 3, 1, tzinfo=UTC)
    with db_engine.begin() as conn:
        for i in range(60):
            actor = f"person:{people[i % 30]}" if i % 3 else f"token:{tokens[i % 2]}"
            conn.execute(
                sa.text(
                    f'INSERT INTO "{schema_for(a.slug)}".audit_log '
                    "(actor, action, object_type, object_id, data, at) "
                    "VALUES (:a, 'member.roles', 'n1', :o, '{}', :at)"
                ),
                {"a": actor, "o": marker, "at": start + timedelta(minutes=i)},
            )
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    engine = live_server.app.state.services.engine.sync_engine
    filter = {"object": {"type": "n1", "id": marker}}
    sizes = {}
    announced()  # earlier writes' announcements run after their answers
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        for size in (5, 50):
            statements.clear()
            page = world.auditor.execute(LOG, {"filter": filter, "first": size})["auditLog"]
            assert len(page["edges"]) == size
            labels = {e["node"]["actor"]["label"] for e in page["edges"]}
            sizes[size] = len(statements)
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert sizes[5] == sizes[50], (sizes, statements)
    assert f"API-токен «{world.token_name}»" in labels
    assert "API-токен №1000000000" in labels
    acted = {people[i % 30] for i in range(10, 60) if i % 3}  # the newest 50
    assert sum(1 for label in labels if label.startswith("audit-n1-")) == len(acted)
