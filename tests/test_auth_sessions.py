"""Sessions as people expect them (saas.auth.sessions, saas.auth.idle): the viewer's working
sessions at this address with device, address, opening, last use and "this one"; "end this
one" and "end all others" (their open WebSockets are closed too); the firm's idle timeout
besides the 14-day expiry; a new socket with a revoked token answers HTTP 401
INVALID_TOKEN; and a token in `connection_init` authenticates the socket (graphql-ws's
`connectionParams`)."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from websockets.exceptions import ConnectionClosed, InvalidStatus

from saas.auth.tokens import SESSION_COOKIE, digest
from saas.tenants.provisioning import provision_tenant
from tests.support import live
from tests.support.auth import create_person, login_result
from tests.support.client import GraphQLClient
from tests.support.people import integrator_token

CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36"
)
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1"
)
SESSIONS = """{ activeSessions { id device userAgent address createdAt lastUsedAt endsAt
  current } }"""
END = """mutation($id: ID!) { endSession(id: $id) { __typename
  ... on SessionsEnded { ended sessions { id current } } ... on Error { code message } } }"""
END_OTHERS = """mutation { endOtherSessions { __typename
  ... on SessionsEnded { ended sessions { id current } } ... on Error { code message } } }"""
IDLE = """mutation($m: Int!) { updateSessionIdleTimeout(minutes: $m) { __typename
  ... on SecuritySettings { sessionIdleMinutes requireStaffTotp }
  ... on ValidationError { code message field } } }"""
VIEWER = "{ viewer { id } }"


def logged_in(client: Any, host: str, person: Any, user_agent: str = CHROME) -> GraphQLClient:
    """A new login (its own session) of `person` at `host`, from a browser `user_agent`."""
    c = client(host)
    result = login_result(c, person.email, person.password, headers={"user-agent": user_agent})
    assert result["__typename"] == "LoginSuccess", result
    c.http.headers["user-agent"] = user_agent
    return c


def staff_of(db_engine: Any, tenant_id: int, roles: list[str] | None = None) -> Any:
    return create_person(db_engine, memberships=[(tenant_id, "staff", roles or ["manager"], None)])


def works(c: GraphQLClient) -> bool:
    return c.execute(VIEWER)["viewer"] is not None


def idle_for(db_engine: Any, c: GraphQLClient, minutes: float) -> None:
    """Make the client's session look unused for `minutes` (its last use moved back)."""
    with db_engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE shared.sessions SET last_seen_at = :t WHERE token_hash = :h"),
            {
                "t": datetime.now(UTC) - timedelta(minutes=minutes),
                "h": digest(c.cookies[SESSION_COOKIE]),
            },
        )


def test_sessions_list_device_address_last_use_and_this_one(client, firms, db_engine) -> None:  # type: ignore[no-untyped-def]
    person = staff_of(db_engine, firms["a"].id)
    desk = logged_in(client, firms["a"].host, person, CHROME)
    phone = logged_in(client, firms["a"].host, person, IPHONE)
    listed = desk.execute(SESSIONS)["activeSessions"]
    assert len(listed) == 2, listed
    current = [s for s in listed if s["current"]]
    assert len(current) == 1 and current[0]["device"] == "Chrome 120 · Windows 10", listed
    other = next(s for s in listed if not s["current"])
    assert (
        other["device"] == "Mobile Safari 17 · iOS 17.1 · iPhone" and other["userAgent"] == IPHONE
    )
    assert {s["address"] for s in listed} == {"127.0.0.1"}
    for s in listed:
        created = datetime.fromisoformat(s["createdAt"])
        assert abs(datetime.now(UTC) - created) < timedelta(minutes=1)
        assert datetime.fromisoformat(s["lastUsedAt"]) >= created
        # 12 hours unused (the default idle timeout) comes before the 14-day expiry.
        ends = datetime.fromisoformat(s["endsAt"]) - datetime.fromisoformat(s["lastUsedAt"])
        assert ends == timedelta(hours=12), s
    # The other browser sees the same two, itself as the current one.
    assert {s["id"]: s["current"] for s in phone.execute(SESSIONS)["activeSessions"]} == {
        s["id"]: not s["current"] for s in listed
    }
    # A script's user agent names no device; an API token has no sessions.
    script = logged_in(client, firms["a"].host, person, "python-httpx/0.29")
    mine = next(s for s in script.execute(SESSIONS)["activeSessions"] if s["current"])
    assert mine["device"] is None and mine["userAgent"] == "python-httpx/0.29"
    token = integrator_token(db_engine, firms["a"].id, person.id)
    integrator = GraphQLClient(desk.base_url, firms["a"].host, token=token)
    assert integrator.execute(SESSIONS)["activeSessions"] == []
    refused = integrator.execute(END_OTHERS)["endOtherSessions"]
    assert refused["__typename"] == "ForbiddenError" and refused["code"] == "NOT_A_SESSION"
    anonymous = client(firms["a"].host).raw(SESSIONS)
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_end_this_one_and_all_others_close_their_sockets(  # type: ignore[no-untyped-def]
    client, firms, db_engine, live_server
) -> None:
    person = staff_of(db_engine, firms["a"].id)
    host = firms["a"].host
    here, lost, third, fourth = (logged_in(client, host, person) for _ in range(4))
    socket = await open_socket(live_server.port, host, cookie=lost.cookies[SESSION_COOKIE])
    listed = here.execute(SESSIONS)["activeSessions"]
    lost_id = next(s["id"] for s in lost.execute(SESSIONS)["activeSessions"] if s["current"])
    assert len(listed) == 4
    ended = here.execute(END, {"id": lost_id}, headers={"accept-language": "en"})["endSession"]
    assert ended["__typename"] == "SessionsEnded" and ended["ended"] == 1, ended
    assert lost_id not in {s["id"] for s in ended["sessions"]} and len(ended["sessions"]) == 3
    assert not works(lost) and works(here) and works(third)
    assert await closed_with(socket) == (4403, "SESSION_ENDED")
    # Ending it again, or naming nothing: NOT_FOUND.
    again = here.execute(END, {"id": lost_id}, headers={"accept-language": "en"})["endSession"]
    assert again == {"__typename": "NotFoundError", "code": "NOT_FOUND", "message": "Not found."}
    others = here.execute(END_OTHERS)["endOtherSessions"]
    assert others["ended"] == 2 and [s["current"] for s in others["sessions"]] == [True]
    assert works(here) and not works(third) and not works(fourth)
    # "End this one" on the current session logs out (and clears the cookie).
    mine = others["sessions"][0]["id"]
    assert here.execute(END, {"id": mine})["endSession"]["ended"] == 1
    assert SESSION_COOKIE not in here.cookies and not works(here)
    with db_engine.connect() as conn:
        audited = conn.execute(
            sa.text(
                "SELECT count(*) FROM tenant_firm_a.audit_log WHERE action = 'session.end' "
                "AND object_id = :p"
            ),
            {"p": str(person.id)},
        ).scalar_one()
    assert audited == 3


def test_sessions_of_another_person_or_firm_cannot_be_seen_or_ended(  # type: ignore[no-untyped-def]
    client, firms, db_engine
) -> None:
    a, b = firms["a"], firms["b"]
    person = create_person(
        db_engine,
        memberships=[(a.id, "staff", ["manager"], None), (b.id, "staff", ["manager"], None)],
    )
    at_a, at_b = logged_in(client, a.host, person), logged_in(client, b.host, person)
    colleague = logged_in(client, a.host, staff_of(db_engine, a.id))
    a_ids = [s["id"] for s in at_a.execute(SESSIONS)["activeSessions"]]
    b_ids = [s["id"] for s in at_b.execute(SESSIONS)["activeSessions"]]
    assert len(a_ids) == 1 and len(b_ids) == 1  # each firm's address lists its own
    for caller, foreign in ((at_a, b_ids[0]), (at_b, a_ids[0]), (colleague, a_ids[0])):
        refused = caller.execute(END, {"id": foreign})["endSession"]
        assert refused["__typename"] == "NotFoundError", refused
        node = caller.execute("query($id: ID!) { node(id: $id) { id } }", {"id": foreign})
        assert node["node"] is None
    assert colleague.execute(END_OTHERS)["endOtherSessions"]["ended"] == 0
    assert works(at_a) and works(at_b)
    # The person's own id reads as a node at its own address.
    own = at_a.execute(
        "query($id: ID!) { node(id: $id) { ... on ActiveSession { current } } }", {"id": a_ids[0]}
    )
    assert own["node"] == {"current": True}


@pytest.fixture
def own_firm(db_engine, settings):  # type: ignore[no-untyped-def]
    slug = f"idle-{uuid.uuid4().hex[:6]}"
    tenant_id = provision_tenant(db_engine, slug, "Тихая фирма")
    return tenant_id, f"{slug}.{settings.base_domain}"


def test_the_firm_idle_timeout_ends_unused_sessions(client, db_engine, own_firm) -> None:  # type: ignore[no-untyped-def]
    tenant_id, host = own_firm
    admin = logged_in(client, host, staff_of(db_engine, tenant_id, ["firm_admin"]))
    security = "{ securitySettings { sessionIdleMinutes requireStaffTotp } }"
    assert admin.execute(security)["securitySettings"]["sessionIdleMinutes"] == 720
    person = staff_of(db_engine, tenant_id)
    # The default: 12 hours unused ends a session; 11 hours does not (and it is used now).
    used, unused = logged_in(client, host, person), logged_in(client, host, person)
    idle_for(db_engine, used, 11 * 60)
    idle_for(db_engine, unused, 12 * 60 + 1)
    assert works(used) and not works(unused)
    listed = used.execute(SESSIONS)["activeSessions"]
    assert len(listed) == 1 and listed[0]["current"]
    last_use = datetime.fromisoformat(listed[0]["lastUsedAt"])
    assert datetime.now(UTC) - last_use < timedelta(minutes=1)  # the use was recorded
    # The firm admin shortens it to 30 minutes.
    for wrong in (14, 20161, -5):
        refused = admin.execute(IDLE, {"m": wrong}, headers={"accept-language": "en"})
        assert refused["updateSessionIdleTimeout"] == {
            "__typename": "ValidationError",
            "code": "IDLE_TIMEOUT_OUT_OF_RANGE",
            "message": "Choose between 15 and 20160 minutes.",
            "field": "minutes",
        }
    changed = admin.execute(IDLE, {"m": 30})["updateSessionIdleTimeout"]
    assert changed == {
        "__typename": "SecuritySettings",
        "sessionIdleMinutes": 30,
        "requireStaffTotp": False,
    }
    assert admin.execute(security)["securitySettings"]["sessionIdleMinutes"] == 30
    fresh, stale = logged_in(client, host, person), logged_in(client, host, person)
    idle_for(db_engine, fresh, 29)
    idle_for(db_engine, stale, 31)
    assert works(fresh) and not works(stale)
    listed = fresh.execute(SESSIONS)["activeSessions"]
    ends = datetime.fromisoformat(listed[0]["endsAt"]) - datetime.fromisoformat(
        listed[0]["lastUsedAt"]
    )
    assert ends == timedelta(minutes=30)
    # Other firms keep the default.
    with db_engine.connect() as conn:
        settings = conn.execute(
            sa.text("SELECT settings FROM shared.tenants WHERE id = :t"), {"t": tenant_id}
        ).scalar_one()
    assert settings["session_idle_minutes"] == 30
    manager = logged_in(client, host, person)
    assert manager.raw(IDLE, {"m": 60})["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_socket_of_an_idle_session_is_closed_at_its_next_operation(  # type: ignore[no-untyped-def]
    client, db_engine, live_server, own_firm
) -> None:
    tenant_id, host = own_firm
    c = logged_in(client, host, staff_of(db_engine, tenant_id))
    socket = await open_socket(live_server.port, host, cookie=c.cookies[SESSION_COOKIE])
    await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": VIEWER}}))
    first = json.loads(await asyncio.wait_for(socket.recv(), 10))
    assert first["type"] == "next" and first["payload"]["data"]["viewer"] is not None
    idle_for(db_engine, c, 12 * 60 + 1)
    await socket.send(json.dumps({"id": "2", "type": "subscribe", "payload": {"query": VIEWER}}))
    assert await closed_with(socket) == (4403, "SESSION_ENDED")


# ------------------------------------------------------------------------------ WebSockets


async def open_socket(
    port: int,
    host: str,
    *,
    cookie: str | None = None,
    headers: dict[str, str] | None = None,
    params: dict[str, Any] | None = None,
    expect_ack: bool = True,
) -> Any:
    extra = dict(headers or {})
    if cookie is not None:
        extra["Cookie"] = f"{SESSION_COOKIE}={cookie}"
    return await live.open_socket(port, host, extra, params=params, ack=expect_ack)


async def closed_with(ws: Any, within: float = 5) -> tuple[int, str] | None:
    try:
        while True:
            await asyncio.wait_for(ws.recv(), within)
    except TimeoutError:
        return None
    except ConnectionClosed as exc:
        assert exc.rcvd is not None
        return exc.rcvd.code, exc.rcvd.reason


async def run(ws: Any, query: str, op_id: str = "q") -> dict[str, Any]:
    await ws.send(json.dumps({"id": op_id, "type": "subscribe", "payload": {"query": query}}))
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), 10))
        if message.get("id") == op_id and message["type"] in ("next", "error"):
            return dict(message)


REPORTS = "{ reports(first: 1) { totalCount } }"


async def test_a_token_in_connection_init_authenticates_the_socket(  # type: ignore[no-untyped-def]
    firms, db_engine, live_server, settings
) -> None:
    a, b = firms["a"], firms["b"]
    token = integrator_token(db_engine, a.id, staff_of(db_engine, a.id).id)
    # Without it the socket is anonymous: the query is refused.
    anonymous = await open_socket(live_server.port, a.host)
    refused = await run(anonymous, REPORTS)
    assert refused["payload"]["errors"][0]["extensions"]["code"] in ("UNAUTHENTICATED", "FORBIDDEN")
    await anonymous.close()
    # graphql-ws clients' connectionParams: {authorization: "Bearer ..."}; any case of the key.
    for params in ({"authorization": f"Bearer {token}"}, {"Authorization": f"Bearer {token}"}):
        ws = await open_socket(live_server.port, a.host, params=params)
        answer = await run(ws, REPORTS)
        assert answer["type"] == "next" and "errors" not in answer["payload"], answer
        await ws.close()
    # At the platform host the token selects its firm, as the header does.
    ws = await open_socket(
        live_server.port, settings.base_domain, params={"authorization": f"Bearer {token}"}
    )
    firm = await run(ws, "{ currentFirm { slug } }")
    assert firm["payload"]["data"]["currentFirm"]["slug"] == a.slug
    await ws.close()
    # A bad token, or another firm's, closes the socket with the documented code.
    cases = (
        (a.host, "Bearer kbt_unknown", "INVALID_TOKEN"),
        (a.host, "Bearer not-a-token", "INVALID_TOKEN"),
        (b.host, f"Bearer {token}", "WRONG_TENANT"),
    )
    for host, value, code in cases:
        ws = await open_socket(
            live_server.port, host, params={"authorization": value}, expect_ack=False
        )
        assert await closed_with(ws) == (4403, code)
    # Revoked while the socket is open: closed like a header-authenticated one.
    ws = await open_socket(live_server.port, a.host, params={"authorization": f"Bearer {token}"})
    await run(ws, REPORTS)
    with db_engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE shared.api_tokens SET revoked_at = now() WHERE token_hash = :h"),
            {"h": digest(token)},
        )
    await ws.send(json.dumps({"id": "x", "type": "subscribe", "payload": {"query": REPORTS}}))
    assert await closed_with(ws) == (4403, "INVALID_TOKEN")


async def test_a_new_socket_with_a_revoked_token_answers_401_invalid_token(  # type: ignore[no-untyped-def]
    firms, db_engine, live_server
) -> None:
    a = firms["a"]
    token = integrator_token(db_engine, a.id, staff_of(db_engine, a.id).id)
    with db_engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE shared.api_tokens SET revoked_at = now() WHERE token_hash = :h"),
            {"h": digest(token)},
        )
    for value in (f"Bearer {token}", "Bearer kbt_unknown"):
        with pytest.raises(InvalidStatus) as refused:
            await open_socket(live_server.port, a.host, headers={"Authorization": value})
        response = refused.value.response
        assert response.status_code == 401
        assert json.loads(response.body)["error"]["code"] == "INVALID_TOKEN"
    with pytest.raises(InvalidStatus) as wrong:
        await open_socket(
            live_server.port, firms["b"].host, headers={"Authorization": "Bearer kbt_unknown"}
        )
    assert wrong.value.response.status_code == 401
