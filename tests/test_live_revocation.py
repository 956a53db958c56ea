"""Revocation reaches live connections (saas.auth.live): a WebSocket opened on one API process
(the live server) is closed with 4403 within a second, or stops receiving what it may no
longer see, when its credentials lose their right in ANOTHER process (a `saas serve`
subprocess on the same database); a write sent over it afterwards is refused. Every
operation on a socket is authorized as an HTTP request would be at that moment, even when no
notification came. HTTP: client sessions are refused while the client cabinet is off, and
staff sessions without a second factor lose their roles when the firm starts requiring it."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any

import pytest
import sqlalchemy as sa
from websockets.exceptions import ConnectionClosed, InvalidStatus

from saas.auth.tokens import SESSION_COOKIE
from saas.tenants.provisioning import provision_tenant, schema_for
from tests.support import auth
from tests.support.client import GraphQLClient
from tests.support.clients import llc
from tests.support.ids import gid, pk
from tests.support.live import hub_listening, open_socket, session_cookie
from tests.support.mail import last_message_to, link_in
from tests.support.people import (
    add_membership,
    integrator_token,
    make_person,
    open_session,
    session_client,
)
from tests.support.reports import World, add_contact, at, build_world, new_report, record
from tests.support.server import api_process
from tests.support.waiting import async_eventually

SUBSCRIBE = """subscription($org: ID) {
  reportStatusChanged(organizationId: $org) { sequence reportId status } }"""
CREATE_ORG = """mutation($input: CreateClientOrganizationInput!) {
  createClientOrganization(input: $input) {
    __typename ... on ClientOrganization { id } ... on Error { code message } } }"""
CREATE_REPORT = """mutation($input: CreateReportInput!) {
  createReport(input: $input) { __typename ... on Error { code message } } }"""
PLATFORM_HOST = "kabinet.test"
WITHIN = 1.0  # the promise: affected sockets end or narrow within a second


@pytest.fixture(scope="module")
def second_api(settings, database_url) -> Any:  # type: ignore[no-untyped-def]
    """Another API process on the same database: revocations are made there."""
    with api_process(settings, database_url) as port:
        yield port


@pytest.fixture(scope="module")
def world(db_engine, firms, live_server) -> World:  # type: ignore[no-untyped-def]
    return build_world(db_engine, firms, live_server.url)


def other(port: int, host: str, c: GraphQLClient | None = None) -> GraphQLClient:
    """A client of the OTHER API process, with `c`'s credentials."""
    o = GraphQLClient(f"http://127.0.0.1:{port}", host, token=c.token if c else None)
    if c is not None:
        o.cookies = dict(c.cookies)
    return o


async def subscribe(ws: Any, op_id: str = "s", variables: dict[str, Any] | None = None) -> None:
    payload = {"query": SUBSCRIBE, "variables": variables or {}}
    await ws.send(json.dumps({"id": op_id, "type": "subscribe", "payload": payload}))


async def close_code(ws: Any, within: float) -> int | None:
    """The close code once the server closes the socket within `within` s (None: still open)."""
    deadline = time.monotonic() + within
    try:
        while (left := deadline - time.monotonic()) > 0:
            await asyncio.wait_for(ws.recv(), left)
    except TimeoutError:
        return None
    except ConnectionClosed:
        return int(ws.close_code) if ws.close_code is not None else -1
    return None


async def assert_closed_4403(ws: Any, started: float) -> None:
    code = await close_code(ws, WITHIN + 0.5)
    assert code == 4403, f"socket not closed with 4403 (got {code})"
    assert time.monotonic() - started < WITHIN + 0.5


_authorities = iter(range(9100, 9999))


Messages = list[dict[str, Any]]


async def write_over(ws: Any, org: str, op_id: str = "w") -> tuple[str, Messages | None]:
    """Sends createReport (a write) over the socket: the report's authority code (unique to this
    write) and the messages answering it, or None when the socket refused it by closing."""
    n = next(_authorities) - 9100
    authority = str(9100 + n)
    data = {
        "organizationId": org,
        "formCode": "pers_sved",
        "periodYear": 2100 - n // 12,  # a period of its own: the write cannot conflict
        "periodCode": f"{n % 12 + 1:02d}",
        "authorityCode": authority,
    }
    payload = {"query": CREATE_REPORT, "variables": {"input": data}}
    try:
        await ws.send(json.dumps({"id": op_id, "type": "subscribe", "payload": payload}))
        messages = []
        while True:
            message = json.loads(await asyncio.wait_for(ws.recv(), 5))
            if message.get("id") == op_id:
                messages.append(message)
                if message["type"] in ("complete", "error"):
                    return authority, messages
    except ConnectionClosed:
        assert ws.close_code == 4403, ws.close_code
        return authority, None


def report_of(db_engine: sa.Engine, slug: str, authority: str) -> bool:
    with db_engine.begin() as conn:
        return bool(
            conn.execute(
                sa.text(
                    f'SELECT count(*) FROM "{schema_for(slug)}".reports WHERE authority_code = :a'
                ),
                {"a": authority},
            ).scalar_one()
        )


async def assert_write_refused(ws: Any, db_engine: sa.Engine, slug: str, org: str) -> None:
    authority, answer = await write_over(ws, org)
    if answer is not None:  # the socket still serves what is left: the write itself is refused
        errors = [e for m in answer for e in (m.get("payload") or {}).get("errors", [])]
        errors += [e for m in answer if m["type"] == "error" for e in m["payload"]]
        assert errors and errors[0]["extensions"]["code"] == "FORBIDDEN", answer
    assert not report_of(db_engine, slug, authority), "the write went through"


def staff(db_engine: sa.Engine, tenant_id: int, roles: list[str]) -> tuple[int, str, str]:
    person = make_person(db_engine, "Сотрудник Живой")
    add_membership(db_engine, person, tenant_id, "staff", roles)
    secret, csrf = open_session(db_engine, person, tenant_id)
    return person, secret, csrf


def contact_id(db_engine: sa.Engine, slug: str, person: int) -> int:
    with db_engine.begin() as conn:
        return int(
            conn.execute(
                sa.text(
                    f'SELECT id FROM "{schema_for(slug)}".client_contacts WHERE person_id = :p'
                ),
                {"p": person},
            ).scalar_one()
        )


def new_org(c: GraphQLClient) -> str:
    result = c.execute(CREATE_ORG, {"input": llc(f"Живая {uuid.uuid4().hex[:6]}")})
    assert result["createClientOrganization"]["__typename"] == "ClientOrganization", result
    return str(result["createClientOrganization"]["id"])


# ----------------------------------------------------------------- credentials that end


async def test_revoked_token_closes_its_socket(  # type: ignore[no-untyped-def]
    world: World, live_server, second_api, db_engine, firms
) -> None:
    token = integrator_token(db_engine, firms["a"].id, world.manager_a_id)
    ws = await open_socket(live_server.port, world.host_a, {"Authorization": f"Bearer {token}"})
    await subscribe(ws)
    await hub_listening()
    with db_engine.begin() as conn:
        token_id = conn.execute(
            sa.text("SELECT id FROM shared.api_tokens WHERE prefix = :p"), {"p": token[:12]}
        ).scalar_one()
    started = time.monotonic()
    revoked = other(second_api, world.host_a, world.admin_a).execute(
        "mutation($id: ID!) { revokeApiToken(id: $id) { __typename } }",
        {"id": gid("ApiToken", token_id)},
    )
    assert revoked["revokeApiToken"]["__typename"] == "ApiTokenRevoked", revoked
    await assert_closed_4403(ws, started)
    await assert_write_refused(ws, db_engine, firms["a"].slug, world.org1)


async def test_every_operation_is_authorized_even_without_a_notification(  # type: ignore[no-untyped-def]
    world: World, live_server, db_engine, firms
) -> None:
    """A token revoked behind the API's back (no NOTIFY): the next operation on the socket is
    authorized as an HTTP request would be, and refused."""
    token = integrator_token(db_engine, firms["a"].id, world.manager_a_id)
    ws = await open_socket(live_server.port, world.host_a, {"Authorization": f"Bearer {token}"})
    org = new_org(world.admin_a)  # no report of this write's period there yet
    authority, answer = await write_over(ws, org, "before")
    assert answer is not None and answer[0]["type"] == "next", answer
    assert answer[0]["payload"]["data"]["createReport"]["__typename"] == "Report", answer
    assert report_of(db_engine, firms["a"].slug, authority)
    with db_engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE shared.api_tokens SET revoked_at = now() WHERE prefix = :p"),
            {"p": token[:12]},
        )
    await assert_write_refused(ws, db_engine, firms["a"].slug, world.org1)
    assert ws.close_code == 4403


async def test_token_expiring_while_subscribed_closes_the_socket(  # type: ignore[no-untyped-def]
    world: World, live_server, db_engine, firms
) -> None:
    token = integrator_token(db_engine, firms["a"].id, world.manager_a_id)
    with db_engine.begin() as conn:
        conn.execute(
            sa.text(
                "UPDATE shared.api_tokens SET expires_at = now() + interval '2 seconds' "
                "WHERE prefix = :p"
            ),
            {"p": token[:12]},
        )
    ws = await open_socket(live_server.port, world.host_a, {"Authorization": f"Bearer {token}"})
    await subscribe(ws)
    assert await close_code(ws, 1.0) is None  # valid for now
    assert await close_code(ws, 2.5) == 4403


async def test_logout_elsewhere_closes_the_sessions_sockets(  # type: ignore[no-untyped-def]
    world: World, live_server, second_api, db_engine, firms
) -> None:
    _, secret, csrf = staff(db_engine, firms["a"].id, ["manager"])
    ws = await open_socket(live_server.port, world.host_a, session_cookie(secret))
    await subscribe(ws)
    await hub_listening()
    started = time.monotonic()
    browser = other(second_api, world.host_a, session_client("", world.host_a, secret, csrf))
    assert browser.execute("mutation { logout }") == {"logout": True}
    await assert_closed_4403(ws, started)
    await assert_write_refused(ws, db_engine, firms["a"].slug, world.org1)


async def test_password_reset_closes_every_socket_of_the_person(  # type: ignore[no-untyped-def]
    world: World, live_server, second_api, db_engine, firms, settings
) -> None:
    person = auth.create_person(
        db_engine, memberships=[(firms["a"].id, "staff", ["manager"], None)]
    )
    sockets = []
    for _ in range(2):
        secret, _csrf = open_session(db_engine, person.id, firms["a"].id)
        sockets.append(await open_socket(live_server.port, world.host_a, session_cookie(secret)))
        await subscribe(sockets[-1])
    await hub_listening()
    anonymous = other(second_api, world.host_a)
    request = "mutation($email: String!) { requestPasswordReset(email: $email) }"
    assert anonymous.execute(request, {"email": person.email})["requestPasswordReset"] is True
    link = link_in(last_message_to(settings, person.email), "/reset-password")
    token = link.split("token=", 1)[1]
    started = time.monotonic()
    reset = anonymous.execute(
        "mutation($t: String!, $p: String!) { resetPassword(token: $t, newPassword: $p) "
        "{ __typename } }",
        {"t": token, "p": "Newer-Longer-Pass-9"},
    )
    assert reset["resetPassword"]["__typename"] == "PasswordChanged", reset
    for ws in sockets:
        await assert_closed_4403(ws, started)
    await assert_write_refused(sockets[0], db_engine, firms["a"].slug, world.org1)


async def test_deactivated_contact_is_cut_off(  # type: ignore[no-untyped-def]
    world: World, live_server, second_api, db_engine, firms
) -> None:
    a = firms["a"]
    person, secret, _ = add_contact(db_engine, a.slug, a.id, pk(world.org1), ["reports"])
    ws = await open_socket(live_server.port, world.host_a, session_cookie(secret))
    await subscribe(ws)
    await hub_listening()
    started = time.monotonic()
    result = other(second_api, world.host_a, world.admin_a).execute(
        "mutation($c: ID!) { deactivateContact(contactId: $c) { __typename } }",
        {"c": gid("ClientContact", contact_id(db_engine, a.slug, person))},
    )
    assert result["deactivateContact"]["__typename"] == "ClientContact", result
    await assert_closed_4403(ws, started)
    await assert_write_refused(ws, db_engine, a.slug, world.org1)


# --------------------------------------------------------------------- rights that narrow


async def test_role_without_the_permission_ends_the_subscription(  # type: ignore[no-untyped-def]
    world: World, live_server, second_api, db_engine, firms
) -> None:
    a = firms["a"]
    role = f"clerk_{uuid.uuid4().hex[:6]}"
    created = world.admin_a.execute(
        "mutation($n: String!) { createRole(name: $n, permissions: "
        '[{object: "clients", action: "read"}]) { __typename } }',
        {"n": role},
    )
    assert created["createRole"]["__typename"] == "Role", created
    person, secret, _ = staff(db_engine, a.id, ["manager"])
    with db_engine.begin() as conn:
        membership = conn.execute(
            sa.text("SELECT id FROM shared.memberships WHERE person_id = :p"), {"p": person}
        ).scalar_one()
    ws = await open_socket(live_server.port, world.host_a, session_cookie(secret))
    await subscribe(ws)
    await hub_listening()
    started = time.monotonic()
    assigned = other(second_api, world.host_a, world.admin_a).execute(
        "mutation($m: ID!, $r: [String!]!) { assignRoles(membershipId: $m, roles: $r) "
        "{ __typename } }",
        {"m": gid("Member", membership), "r": [role]},
    )
    assert assigned["assignRoles"]["__typename"] == "Member", assigned
    message = json.loads(await asyncio.wait_for(ws.recv(), WITHIN + 0.5))
    assert time.monotonic() - started < WITHIN + 0.5
    assert message["id"] == "s" and message["type"] == "error", message
    assert message["payload"][0]["extensions"]["code"] == "FORBIDDEN", message
    # Something is left (clients:read): the socket stays open, and a write is refused.
    await assert_write_refused(ws, db_engine, a.slug, world.org1)
    assert ws.close_code is None
    # No roles at all: nothing is left, the socket is closed.
    started = time.monotonic()
    other(second_api, world.host_a, world.admin_a).execute(
        "mutation($m: ID!) { assignRoles(membershipId: $m, roles: []) { __typename } }",
        {"m": gid("Member", membership)},
    )
    await assert_closed_4403(ws, started)
    await ws.close()


async def test_role_losing_the_permission_ends_the_subscription(  # type: ignore[no-untyped-def]
    world: World, live_server, second_api, db_engine, firms
) -> None:
    """The role keeps its name but loses `reports:read` (updateRole in the other process)."""
    role = f"watcher_{uuid.uuid4().hex[:6]}"
    created = world.admin_a.execute(
        "mutation($n: String!) { createRole(name: $n, permissions: ["
        '{object: "clients", action: "read"}, {object: "reports", action: "read"}]) '
        "{ __typename } }",
        {"n": role},
    )
    assert created["createRole"]["__typename"] == "Role", created
    _, secret, _ = staff(db_engine, firms["a"].id, [role])
    ws = await open_socket(live_server.port, world.host_a, session_cookie(secret))
    try:
        await subscribe(ws)
        await hub_listening()
        started = time.monotonic()
        updated = other(second_api, world.host_a, world.admin_a).execute(
            "mutation($n: String!) { updateRole(name: $n, permissions: "
            '[{object: "clients", action: "read"}]) { __typename } }',
            {"n": role},
        )
        assert updated["updateRole"]["__typename"] == "Role", updated
        message = json.loads(await asyncio.wait_for(ws.recv(), WITHIN + 0.5))
        assert time.monotonic() - started < WITHIN + 0.5
        assert message["id"] == "s" and message["type"] == "error", message
        assert message["payload"][0]["extensions"]["permission"] == "reports:read", message
        assert await close_code(ws, 0.3) is None  # clients:read is left
    finally:
        await ws.close()


async def _deliveries(ws: Any, within: float) -> list[dict[str, Any]]:
    got = []
    deadline = time.monotonic() + within
    while (left := deadline - time.monotonic()) > 0:
        try:
            message = json.loads(await asyncio.wait_for(ws.recv(), left))
        except TimeoutError:
            break
        got.append(message)
    return got


async def _stops_events(  # type: ignore[no-untyped-def]
    world: World, live_server, db_engine, firms, revoke
) -> None:
    """A client contact with 'reports' in a fresh organization receives its events; after
    `revoke(org, contact)` in the other process, the next event does not reach it."""
    a = firms["a"]
    org = new_org(world.admin_a)
    person, secret, _ = add_contact(db_engine, a.slug, a.id, pk(org), ["reports", "documents"])
    report = await asyncio.to_thread(new_report, world.admin_a, org)
    ws = await open_socket(live_server.port, world.host_a, session_cookie(secret))
    try:
        await subscribe(ws)
        await hub_listening()
        await asyncio.to_thread(record, world.integrator_a, report["id"], "SENT", at(0))
        first = await _deliveries(ws, WITHIN)
        assert [m["type"] for m in first] == ["next"], first
        await asyncio.to_thread(revoke, org, contact_id(db_engine, a.slug, person))
        await asyncio.sleep(0.2)  # the notification's way; well inside the second promised
        await asyncio.to_thread(record, world.integrator_a, report["id"], "DELIVERED", at(1))
        assert await _deliveries(ws, WITHIN) == []
    finally:
        await ws.close()


async def test_lost_reports_grant_stops_the_events(  # type: ignore[no-untyped-def]
    world: World, live_server, second_api, db_engine, firms
) -> None:
    admin = other(second_api, world.host_a, world.admin_a)

    def revoke(org: str, contact: int) -> None:
        result = admin.execute(
            "mutation($c: ID!) { setContactGrants(contactId: $c, grants: [DOCUMENTS]) "
            "{ __typename } }",
            {"c": gid("ClientContact", contact)},
        )
        assert result["setContactGrants"]["__typename"] == "ClientContact", result

    await _stops_events(world, live_server, db_engine, firms, revoke)


async def test_archived_organization_stops_the_events(  # type: ignore[no-untyped-def]
    world: World, live_server, second_api, db_engine, firms
) -> None:
    admin = other(second_api, world.host_a, world.admin_a)

    def revoke(org: str, contact: int) -> None:
        result = admin.execute(
            "mutation($o: ID!) { archiveClientOrganization(id: $o) { __typename } }", {"o": org}
        )
        assert result["archiveClientOrganization"]["__typename"] == "ClientOrganization", result

    await _stops_events(world, live_server, db_engine, firms, revoke)


# ------------------------------------------------------------------------- the firm's rules


def own_firm(db_engine: sa.Engine, settings: Any, live_server: Any) -> tuple[Any, GraphQLClient]:
    """A firm of its own (its rules change) with a firm admin logged in."""
    slug = f"live-{uuid.uuid4().hex[:6]}"
    tenant_id = provision_tenant(db_engine, slug, "Живая фирма")
    host = f"{slug}.{settings.base_domain}"
    admin, secret, csrf = staff(db_engine, tenant_id, ["firm_admin"])
    # A second factor of their own: only such an admin may require it of all staff.
    auth.give_totp(db_engine, admin)
    return (tenant_id, slug, host), session_client(live_server.url, host, secret, csrf)


async def test_suspended_firm_closes_its_sockets(  # type: ignore[no-untyped-def]
    live_server, second_api, db_engine, settings
) -> None:
    (tenant_id, slug, host), admin = own_firm(db_engine, settings, live_server)
    org = new_org(admin)
    token = integrator_token(db_engine, tenant_id, make_person(db_engine, "Интегратор"))
    _, secret, _ = staff(db_engine, tenant_id, ["manager"])
    sockets = [
        await open_socket(live_server.port, host, {"Authorization": f"Bearer {token}"}),
        await open_socket(live_server.port, host, session_cookie(secret)),
    ]
    for ws in sockets:
        await subscribe(ws)
    await hub_listening()
    platform = auth.create_person(db_engine, memberships=[])
    with db_engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE shared.people SET is_platform_admin = true WHERE id = :id"),
            {"id": platform.id},
        )
    operator = other(second_api, PLATFORM_HOST)
    auth.login(operator, platform.email, platform.password)
    started = time.monotonic()
    suspended = operator.execute(
        "mutation($s: String!) { suspendFirm(slug: $s) { __typename } }", {"s": slug}
    )
    assert suspended["suspendFirm"]["__typename"] == "ManagedFirm", suspended
    for ws in sockets:
        await assert_closed_4403(ws, started)
    await assert_write_refused(sockets[0], db_engine, slug, org)


async def test_client_cabinet_off_cuts_client_sessions(  # type: ignore[no-untyped-def]
    live_server, second_api, db_engine, settings
) -> None:
    (tenant_id, slug, host), admin = own_firm(db_engine, settings, live_server)
    org = new_org(admin)
    person, secret, csrf = add_contact(db_engine, slug, tenant_id, pk(org), ["reports"])
    client = session_client(live_server.url, host, secret, csrf)
    assert client.execute("{ viewer { id } }")["viewer"] is not None
    ws = await open_socket(live_server.port, host, session_cookie(secret))
    staff_cookie = session_cookie(admin.cookies[SESSION_COOKIE])
    staff_ws = await open_socket(live_server.port, host, staff_cookie)
    await subscribe(ws)
    await subscribe(staff_ws)
    await hub_listening()
    started = time.monotonic()
    off = other(second_api, host, admin).execute(
        "mutation { updateCabinetAccess(enabled: false, decryptedStorageConsent: true) "
        "{ __typename } }"
    )
    assert off["updateCabinetAccess"]["__typename"] == "CabinetAccess", off
    await assert_closed_4403(ws, started)
    assert await close_code(staff_ws, 0.3) is None  # staff keep working
    await staff_ws.close()
    # Over HTTP the client session is refused too, in the documented way...
    response = client.post({"query": "{ viewer { id } }"}, {"accept-language": "en"})
    assert response.status_code == 403, response.text
    assert response.json()["error"]["code"] == "CABINET_CLOSED"
    # ...and so is a new socket.
    with pytest.raises((ConnectionClosed, InvalidStatus)) as refused:
        await open_socket(live_server.port, host, session_cookie(secret))
    if isinstance(refused.value, InvalidStatus):  # refused at the handshake
        assert refused.value.response.status_code == 403
    else:
        assert refused.value.rcvd is not None and refused.value.rcvd.code == 4403
    # Switched on again, the session works as before.
    on = other(second_api, host, admin).execute(
        "mutation { updateCabinetAccess(enabled: true, decryptedStorageConsent: true) "
        "{ __typename } }"
    )
    assert on["updateCabinetAccess"]["__typename"] == "CabinetAccess", on
    await async_eventually(
        lambda: client.post({"query": "{ viewer { id } }"}).status_code == 200,
        within=5,
        what="the cabinet to come back",
    )


async def test_required_second_factor_cuts_staff_without_it(  # type: ignore[no-untyped-def]
    live_server, second_api, db_engine, settings
) -> None:
    (tenant_id, slug, host), admin = own_firm(db_engine, settings, live_server)
    org = new_org(admin)
    _, secret, csrf = staff(db_engine, tenant_id, ["manager"])
    manager = session_client(live_server.url, host, secret, csrf)
    assert manager.execute("{ clientOrganizations(first: 1) { totalCount } }")
    ws = await open_socket(live_server.port, host, session_cookie(secret))
    await subscribe(ws)
    await hub_listening()
    started = time.monotonic()
    required = other(second_api, host, admin).execute(
        "mutation { updateSecuritySettings(requireStaffTotp: true) { __typename } }"
    )
    assert required["updateSecuritySettings"]["__typename"] == "SecuritySettings", required
    await assert_closed_4403(ws, started)
    await assert_write_refused(ws, db_engine, slug, org)
    # Over HTTP the session now owes the second factor: it may only enroll, as after a login
    # that answered TotpSetupRequired.
    await async_eventually(
        lambda: manager.execute("{ viewer { mfaPending } }")["viewer"]["mfaPending"],
        within=10,
        what="the session to owe the second factor",
    )
    refused = manager.raw("{ clientOrganizations(first: 1) { totalCount } }")
    assert refused["errors"][0]["extensions"]["code"] in ("FORBIDDEN", "UNAUTHENTICATED")
    enroll = manager.execute("mutation { startTotpEnrollment { __typename } }")
    assert enroll["startTotpEnrollment"]["__typename"] == "TotpEnrollment", enroll
