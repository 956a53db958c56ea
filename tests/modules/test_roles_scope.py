"""Roles that mean what they say (issue 11), over GraphQL as a client sees them.

Staff without `clients:read_all` work on the organizations they are assigned to (responsible
manager, moderator): lists, counts, direct ids (`node`, `report(id)`, `clientOrganization`),
drives, the access log, writes and the live feed all stop at that line. A custom role holding
`clients:read_all`, the auditor and the firm admin see the whole firm. The guards follow the
catalog (`clients:manage`, `documents:manage`, `reports:manage`), and `viewer { permissions }`
says what a custom role may do.

The world is this module's own: fresh people in firm A, three organizations written straight
into the firm's schema (X managed by `mgr`, Y moderated by `mod`, Z nobody's), a report in
each. What each person should see is decided here, from who was assigned what, never read
back from the code under test.
"""

from __future__ import annotations

import asyncio
import base64
import json
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa
from websockets.asyncio.client import connect

from saas.auth.tokens import SESSION_COOKIE
from saas.tenants.provisioning import schema_for
from tests.support.announcements import announced
from tests.support.auth import create_person, login
from tests.support.client import GraphQLClient, error_codes
from tests.support.clients import created, llc
from tests.support.ids import gid
from tests.support.live import hub_listening
from tests.support.people import api_token

FIRM_WIDE_ROLE = f"whole_firm_{uuid.uuid4().hex[:6]}"
IMPORTER_ROLE = f"importer_{uuid.uuid4().hex[:6]}"

ORGS = """query { clientOrganizations(first: 100, status: null) {
  totalCount edges { node { id name viewerPermissions } } } }"""
ORG = """query($id: ID!) { clientOrganization(id: $id) { __typename
  ... on ClientOrganization { id } ... on Error { code } } }"""
NODE = "query($id: ID!) { node(id: $id) { __typename id } }"
FEED = """query($first: Int, $docs: Boolean!) { reports(first: $first) {
  totalCount edges { node { id organizationId organization { name }
  documents @include(if: $docs) { id } } } } }"""
REPORT = """query($id: ID!) { report(id: $id) { __typename
  ... on Report { id } ... on Error { code } } }"""
COUNTS = "query { reportStatusCounts { total } }"
CREATE_REPORT = """mutation($input: CreateReportInput!) { createReport(input: $input) {
  __typename ... on Report { id organizationId } ... on Error { code } } }"""
RECORD = """mutation($input: RecordReportEventInput!) { recordReportEvent(input: $input) {
  __typename ... on ReportEventRecorded { report { id status } } ... on Error { code } } }"""
DRIVE = """query($org: ID!) { drive(organizationId: $org) { __typename
  ... on Drive { folders { id } } ... on Error { code } } }"""
ACCESS_LOG = """query { driveAccessLog(first: 100) { edges { node { organizationId } } } }"""
ARCHIVE = """mutation($id: ID!) { archiveClientOrganization(id: $id) { __typename
  ... on Error { code } } }"""
SET_MANAGERS = """mutation($id: ID!, $manager: ID, $moderators: [ID!]) {
  setClientOrganizationManagers(id: $id, responsibleManagerId: $manager,
                                moderatorIds: $moderators) { __typename ... on Error { code } } }"""
SET_REPORT_MANAGER = """mutation($id: ID!, $manager: ID) {
  setReportManager(reportId: $id, responsibleManagerId: $manager) { __typename
  ... on Report { id responsibleManager { id } } ... on Error { code } } }"""
VIEWER = "query { viewer { permissions } }"
CREATE_ROLE = """mutation($name: String!, $permissions: [PermissionInput!]!) {
  createRole(name: $name, permissions: $permissions) {
    __typename ... on Error { code message } } }"""
SUBSCRIBE = """subscription { reportStatusChanged { reportId organizationId status } }"""


def number(global_id: str) -> int:
    return int(base64.b64decode(global_id).decode().partition(":")[2])


@dataclass(frozen=True)
class World:
    host: str
    x: str
    y: str
    z: str
    report: dict[str, str]  # org letter -> report id
    people: dict[str, int]  # persona -> person id
    clients: dict[str, GraphQLClient]  # persona -> logged-in client


def _org(conn: sa.Connection, schema: str, name: str, manager: int | None) -> int:
    return int(
        conn.execute(
            sa.text(
                f"INSERT INTO {schema}.client_organizations "
                "(name, legal_form, inn, kpp, ogrn, tax_regime, responsible_manager_person_id) "
                "VALUES (:n, 'ooo', :inn, '773601001', :ogrn, 'osno', :m) RETURNING id"
            ),
            {
                "n": name,
                "inn": str(uuid.uuid4().int)[:10],
                "ogrn": str(uuid.uuid4().int)[:13],
                "m": manager,
            },
        ).scalar_one()
    )


@pytest.fixture(scope="module")
def world(db_engine, firms, people, live_server) -> Iterator[World]:  # type: ignore[no-untyped-def]
    firm = firms["a"]
    tag = uuid.uuid4().hex[:6]

    def person(persona: str, roles: list[str]) -> Any:
        return create_person(
            db_engine,
            f"{persona}-{tag}@scope.test",
            memberships=[(firm.id, "staff", roles, None)],
        )

    made = {
        "mgr": person("mgr", ["manager"]),
        "mod": person("mod", ["moderator"]),
        "auditor": person("auditor", ["auditor"]),
        "wide": person("wide", [FIRM_WIDE_ROLE]),
        "importer": person("importer", [IMPORTER_ROLE]),
    }
    schema = schema_for(firm.slug)
    with db_engine.begin() as conn:
        x = _org(conn, schema, f"Scope X {tag}", made["mgr"].id)
        y = _org(conn, schema, f"Scope Y {tag}", None)
        z = _org(conn, schema, f"Scope Z {tag}", None)
        conn.execute(
            sa.text(
                f"INSERT INTO {schema}.client_org_moderators (organization_id, person_id) "
                "VALUES (:o, :p)"
            ),
            {"o": y, "p": made["mod"].id},
        )
    clients: dict[str, GraphQLClient] = {}
    admin = GraphQLClient(live_server.url, firm.host)
    login(admin, people["a"].admin.email, people["a"].admin.password)
    clients["admin"] = admin
    for name, role_permissions in (
        (FIRM_WIDE_ROLE, ["clients:read", "clients:read_all", "reports:read"]),
        (IMPORTER_ROLE, ["clients:read", "reports:read", "reports:write"]),
    ):
        perms = [
            dict(zip(("object", "action"), p.split(":"), strict=True)) for p in role_permissions
        ]
        created = admin.execute(CREATE_ROLE, {"name": name, "permissions": perms})["createRole"]
        assert created["__typename"] == "Role", created
    for persona, who in made.items():
        c = GraphQLClient(live_server.url, firm.host)
        login(c, who.email, who.password)
        clients[persona] = c
    orgs = {"x": gid("ClientOrganization", x), "y": gid("ClientOrganization", y)}
    orgs["z"] = gid("ClientOrganization", z)
    reports = {}
    for letter, org in orgs.items():
        result = admin.execute(
            CREATE_REPORT,
            {
                "input": {
                    "organizationId": org,
                    "formCode": "pers_sved",
                    "periodYear": 2025,
                    "periodCode": "03",
                    "authorityCode": "7701",
                }
            },
        )["createReport"]
        assert result["__typename"] == "Report", result
        reports[letter] = result["id"]
    yield World(
        firm.host,
        orgs["x"],
        orgs["y"],
        orgs["z"],
        reports,
        {k: v.id for k, v in made.items()},
        clients,
    )
    for c in clients.values():
        c.close()


def org_names(c: GraphQLClient, tag_of: World) -> set[str]:
    """Which of this module's organizations (X, Y, Z) the client's list shows."""
    ours = {tag_of.x: "x", tag_of.y: "y", tag_of.z: "z"}
    edges = c.execute(ORGS)["clientOrganizations"]["edges"]
    return {ours[e["node"]["id"]] for e in edges if e["node"]["id"] in ours}


def feed_orgs(c: GraphQLClient) -> list[str]:
    edges = c.execute(FEED, {"first": 100, "docs": False})["reports"]["edges"]
    return [e["node"]["organizationId"] for e in edges]


# ------------------------------------------------------------------------------ reading


def test_staff_see_only_the_organizations_assigned_to_them(world: World) -> None:
    c = world.clients
    assert org_names(c["mgr"], world) == {"x"}
    assert org_names(c["mod"], world) == {"y"}
    # Nothing else of the firm either: these people were assigned only these.
    assert c["mgr"].execute(ORGS)["clientOrganizations"]["totalCount"] == 1
    assert c["mod"].execute(ORGS)["clientOrganizations"]["totalCount"] == 1
    for whole_firm in ("admin", "auditor", "wide"):
        assert org_names(c[whole_firm], world) == {"x", "y", "z"}, whole_firm
    # A role with clients:read but without read_all, assigned nothing, sees nothing.
    assert c["importer"].execute(ORGS)["clientOrganizations"]["totalCount"] == 0


def test_direct_ids_of_unassigned_organizations_are_not_found(world: World) -> None:
    mgr = world.clients["mgr"]
    assert mgr.execute(ORG, {"id": world.x})["clientOrganization"]["__typename"] == (
        "ClientOrganization"
    )
    assert mgr.execute(ORG, {"id": world.y})["clientOrganization"]["code"] == "NOT_FOUND"
    assert mgr.execute(NODE, {"id": world.y})["node"] is None
    assert mgr.execute(NODE, {"id": world.report["y"]})["node"] is None
    assert mgr.execute(NODE, {"id": world.report["x"]})["node"]["id"] == world.report["x"]
    assert mgr.execute(REPORT, {"id": world.report["x"]})["report"]["__typename"] == "Report"
    assert mgr.execute(REPORT, {"id": world.report["y"]})["report"]["code"] == "NOT_FOUND"
    assert mgr.execute(DRIVE, {"org": world.x})["drive"]["__typename"] == "Drive"
    assert mgr.execute(DRIVE, {"org": world.y})["drive"]["code"] == "NOT_FOUND"
    auditor = world.clients["auditor"]
    assert auditor.execute(REPORT, {"id": world.report["y"]})["report"]["__typename"] == "Report"


def test_the_reports_feed_and_counts_are_scoped(world: World) -> None:
    c = world.clients
    assert feed_orgs(c["mgr"]) == [world.x]
    assert feed_orgs(c["mod"]) == [world.y]
    assert c["mgr"].execute(COUNTS)["reportStatusCounts"]["total"] == 1
    every = set(feed_orgs(c["admin"]))
    assert {world.x, world.y, world.z} <= every
    assert set(feed_orgs(c["wide"])) == every
    assert set(feed_orgs(c["auditor"])) == every


def test_writes_stop_at_the_same_line(world: World) -> None:
    mgr = world.clients["mgr"]
    create = mgr.execute(
        CREATE_REPORT,
        {
            "input": {
                "organizationId": world.y,
                "formCode": "pers_sved",
                "periodYear": 2025,
                "periodCode": "04",
                "authorityCode": "7701",
            }
        },
    )["createReport"]
    assert create == {"__typename": "NotFoundError", "code": "NOT_FOUND"}
    record = mgr.execute(
        RECORD,
        {
            "input": {
                "reportId": world.report["y"],
                "externalId": f"scope-{uuid.uuid4().hex}",
                "kind": "SENT",
                "occurredAt": "2025-04-01T10:00:00+00:00",
            }
        },
    )["recordReportEvent"]
    assert record == {"__typename": "NotFoundError", "code": "NOT_FOUND"}


# ------------------------------------------------------------------------------- guards


def test_archive_and_managers_need_clients_manage(world: World) -> None:
    mgr, admin = world.clients["mgr"], world.clients["admin"]
    # The manager holds clients:write, not clients:manage (the catalog's "archive, appoint").
    assert error_codes(mgr.raw(ARCHIVE, {"id": world.x})) == ["FORBIDDEN"]
    assert error_codes(mgr.raw(SET_MANAGERS, {"id": world.x, "manager": None})) == ["FORBIDDEN"]
    # The firm admin may; giving Z to the manager widens what the manager sees at once.
    z_to_mgr = {"id": world.z, "manager": gid("Person", world.people["mgr"])}
    done = admin.execute(SET_MANAGERS, z_to_mgr)["setClientOrganizationManagers"]
    assert done["__typename"] == "ClientOrganization", done
    try:
        assert org_names(mgr, world) == {"x", "z"}
        assert set(feed_orgs(mgr)) == {world.x, world.z}
    finally:
        undo = admin.execute(SET_MANAGERS, {"id": world.z, "manager": None})
        assert undo["setClientOrganizationManagers"]["__typename"] == "ClientOrganization"
    assert org_names(mgr, world) == {"x"}


def test_reassigning_a_report_needs_reports_manage(world: World) -> None:
    mgr, mod = world.clients["mgr"], world.clients["mod"]
    me = gid("Person", world.people["mgr"])
    moved = mgr.execute(SET_REPORT_MANAGER, {"id": world.report["x"], "manager": me})
    assert moved["setReportManager"]["responsibleManager"]["id"] == me
    unseen = mgr.execute(SET_REPORT_MANAGER, {"id": world.report["y"], "manager": me})
    assert unseen["setReportManager"]["code"] == "NOT_FOUND"
    # Without a person the report goes back to its organization's manager (Y has none).
    back = world.clients["admin"].execute(
        """mutation($id: ID!) { setReportManager(reportId: $id) { __typename
        ... on Report { responsibleManager { id } } } }""",
        {"id": world.report["y"]},
    )["setReportManager"]
    assert back == {"__typename": "Report", "responsibleManager": None}
    # The moderator role holds reports read and write, not manage.
    refused = mod.raw(SET_REPORT_MANAGER, {"id": world.report["y"], "manager": None})
    assert error_codes(refused) == ["FORBIDDEN"]


def test_the_access_log_is_for_documents_managers_and_auditors_within_their_scope(
    world: World,
) -> None:
    c = world.clients
    # Views of the drives of X and Y, by the admin (links are logged when issued).
    for org in (world.x, world.y):
        assert c["admin"].execute(DRIVE, {"org": org})["drive"]["__typename"] == "Drive"
    # The manager (documents:* includes manage) reads the log, of its own organization only.
    mine = {
        e["node"]["organizationId"] for e in c["mgr"].execute(ACCESS_LOG)["driveAccessLog"]["edges"]
    }
    assert mine <= {world.x}
    # The moderator holds neither documents:manage nor audit:read.
    assert error_codes(c["mod"].raw(ACCESS_LOG)) == ["FORBIDDEN"]
    assert error_codes(c["auditor"].raw(ACCESS_LOG)) == []


# --------------------------------------------------------------------------- permissions


def test_viewer_permissions_follow_the_roles_not_their_names(world: World) -> None:
    c = world.clients
    importer = c["importer"].execute(VIEWER)["viewer"]["permissions"]
    assert importer == ["clients:read", "reports:read", "reports:write"]
    wide = c["wide"].execute(VIEWER)["viewer"]["permissions"]
    assert wide == ["clients:read", "clients:read_all", "reports:read"]
    mgr = set(c["mgr"].execute(VIEWER)["viewer"]["permissions"])
    assert {"reports:write", "reports:manage", "documents:manage", "clients:write"} <= mgr
    assert not mgr & {"clients:read_all", "clients:manage", "audit:read", "platform:manage"}
    admin = set(c["admin"].execute(VIEWER)["viewer"]["permissions"])
    assert {"clients:read_all", "roles:manage", "tokens:manage"} <= admin
    assert "platform:manage" not in admin  # the firm admin's `*` is the firm's, not the platform's
    # Per organization: what applies to an organization's work, where the viewer sees it.
    x = c["mgr"].execute(ORGS)["clientOrganizations"]["edges"][0]["node"]
    assert x["id"] == world.x
    assert "reports:write" in x["viewerPermissions"]
    assert not any(p.startswith(("roles:", "tokens:", "members:")) for p in x["viewerPermissions"])


NOTIFICATIONS = """query { notifications(first: 50) { edges { node { kind organizationName
  report { id } } } } unreadNotificationCount }"""


def test_notifications_of_unassigned_organizations_are_not_shown(world: World) -> None:
    """A staff notification goes to the report's responsible manager; one of an organization
    the manager no longer works on is not shown (nor counted) until it is assigned again."""
    admin, mgr = world.clients["admin"], world.clients["mgr"]
    me = gid("Person", world.people["mgr"])
    moved = admin.execute(SET_REPORT_MANAGER, {"id": world.report["z"], "manager": me})
    assert moved["setReportManager"]["responsibleManager"]["id"] == me
    before = mgr.execute(NOTIFICATIONS)
    rejected = admin.execute(
        RECORD,
        {
            "input": {
                "reportId": world.report["z"],
                "externalId": f"notify-{uuid.uuid4().hex}",
                "kind": "REJECTED",
                "occurredAt": "2025-04-03T10:00:00+00:00",
            }
        },
    )["recordReportEvent"]
    assert rejected["__typename"] == "ReportEventRecorded", rejected
    hidden = mgr.execute(NOTIFICATIONS)
    assert hidden == before  # Z is not the manager's
    z_to_mgr = {"id": world.z, "manager": me}
    assert (
        admin.execute(SET_MANAGERS, z_to_mgr)["setClientOrganizationManagers"]["__typename"]
        == "ClientOrganization"
    )
    try:
        shown = mgr.execute(NOTIFICATIONS)
        assert shown["unreadNotificationCount"] == before["unreadNotificationCount"] + 1
        newest = shown["notifications"]["edges"][0]["node"]
        assert newest["report"] == {"id": world.report["z"]}
    finally:
        undo = admin.execute(SET_MANAGERS, {"id": world.z, "manager": None})
        assert undo["setClientOrganizationManagers"]["__typename"] == "ClientOrganization"


# ---------------------------------------------------------------------------- live feed


async def _socket(port: int, host: str, session: str) -> Any:
    ws = await connect(
        f"ws://{host}:{port}/graphql",
        host="127.0.0.1",
        port=port,
        proxy=None,
        open_timeout=10,
        subprotocols=["graphql-transport-ws"],
        additional_headers={"Cookie": f"{SESSION_COOKIE}={session}"},
    )
    await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
    assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "connection_ack"
    await ws.send(json.dumps({"id": "s", "type": "subscribe", "payload": {"query": SUBSCRIBE}}))
    return ws


async def _received(ws: Any, within: float) -> list[str]:
    """Organization ids of the changes received within `within` seconds."""
    seen: list[str] = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while (left := deadline - loop.time()) > 0:
        try:
            message = json.loads(await asyncio.wait_for(ws.recv(), left))
        except TimeoutError:
            break
        assert message["type"] == "next", message
        seen.append(message["payload"]["data"]["reportStatusChanged"]["organizationId"])
    return seen


async def test_the_live_feed_is_scoped_too(world: World, live_server) -> None:  # type: ignore[no-untyped-def]
    c = world.clients
    mgr_ws = await _socket(live_server.port, world.host, c["mgr"].cookies[SESSION_COOKIE])
    admin_ws = await _socket(live_server.port, world.host, c["admin"].cookies[SESSION_COOKIE])
    try:
        await hub_listening()
        for letter in ("y", "x"):
            result = await asyncio.to_thread(
                c["admin"].execute,
                RECORD,
                {
                    "input": {
                        "reportId": world.report[letter],
                        "externalId": f"live-{uuid.uuid4().hex}",
                        "kind": "SENT",
                        "occurredAt": "2025-04-02T10:00:00+00:00",
                    }
                },
            )
            assert result["recordReportEvent"]["__typename"] == "ReportEventRecorded", result
        admin_seen = await _received(admin_ws, 3.0)
        mgr_seen = await _received(mgr_ws, 1.0)
        assert {world.x, world.y} <= set(admin_seen)
        assert mgr_seen == [world.x]
    finally:
        await mgr_ws.close()
        await admin_ws.close()


# ---------------------------------------------------------------------------- statements


@contextmanager
def statements(engine: sa.Engine) -> Iterator[list[str]]:
    seen: list[str] = []
    lock = threading.Lock()

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        with lock:
            seen.append(statement)

    announced()  # earlier writes' announcements run after their answers
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


def test_a_scoped_page_costs_what_a_firm_wide_one_does(world: World, live_server) -> None:  # type: ignore[no-untyped-def]
    """The scope is a clause inside the page's statement, not a query of its own per row or
    per request: a scoped manager's feed and organization pages cost the firm admin's count
    of statements, whatever the page size."""
    engine = live_server.app.state.services.engine.sync_engine
    counts: dict[tuple[str, int], int] = {}
    for persona in ("admin", "mgr"):
        c = world.clients[persona]
        for first in (2, 50):
            with statements(engine) as seen:
                c.execute(FEED, {"first": first, "docs": True})
                c.execute(ORGS)
            counts[(persona, first)] = len(seen)
    assert counts[("mgr", 2)] == counts[("mgr", 50)] == counts[("admin", 50)], counts


def test_a_scoped_manager_keeps_sight_of_the_organization_they_create(  # type: ignore[no-untyped-def]
    world: World, db_engine, firms, live_server
) -> None:
    """Created without a responsible manager, the organization is the creator's (a person);
    a named manager wins; an API token names nobody, as before."""
    mgr = world.clients["mgr"]
    me = gid("Person", world.people["mgr"])
    own = created(mgr, llc(f"Own {uuid.uuid4().hex[:6]}"))
    assert own["responsibleManager"]["id"] == me
    listed = {e["node"]["id"] for e in mgr.execute(ORGS)["clientOrganizations"]["edges"]}
    assert own["id"] in listed
    named = gid("Person", world.people["wide"])
    theirs = created(mgr, llc(f"Named {uuid.uuid4().hex[:6]}", responsibleManagerId=named))
    assert theirs["responsibleManager"]["id"] == named
    token = api_token(db_engine, firms["a"].id, "firm_admin")
    api = GraphQLClient(live_server.url, world.host, token=token)
    try:
        by_token = created(api, llc(f"Token {uuid.uuid4().hex[:6]}"))
    finally:
        api.close()
    assert by_token["responsibleManager"] is None
