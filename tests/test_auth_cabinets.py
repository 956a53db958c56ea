"""viewer.cabinets across firms, and openCabinet's hand-off from one host to a firm's host."""

from __future__ import annotations

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy import event

from saas.tenants.provisioning import provision_tenant, set_tenant_status
from tests.support.auth import create_person, login

CABINETS = """
{ viewer { id email cabinets {
    key kind organizationId organizationName roles url firm { name slug }
} } }
"""
OPEN = """
mutation($key: String!) { openCabinet(key: $key) {
  __typename
  ... on CabinetOpened { url cabinet { key kind } }
  ... on Error { code message }
} }
"""
PLATFORM = "kabinet.test"


# Organization ids no test creates, so the picker has no name for them.
ORG_7, ORG_8 = 987_654_307, 987_654_308


@pytest.fixture(scope="module")
def suspended_firm(db_engine) -> int:  # type: ignore[no-untyped-def]
    tenant_id = provision_tenant(db_engine, "firm-dormant", "Dormant Books")
    set_tenant_status(db_engine, "firm-dormant", "suspended")
    return tenant_id


@pytest.fixture
def many_cabinets(db_engine, firms, suspended_firm):  # type: ignore[no-untyped-def]
    """Staff at firm a, contact of two organizations at firm b (a third one deactivated),
    and staff at a suspended firm."""
    person = create_person(
        db_engine,
        memberships=[
            (firms["a"].id, "staff", ["manager", "auditor"], None),
            (firms["b"].id, "client", ["client_admin"], ORG_7),
            (firms["b"].id, "client", ["client_member"], ORG_8),
            (firms["b"].id, "client", ["client_member"], 9),
            (suspended_firm, "staff", ["firm_admin"], None),
        ],
    )
    with db_engine.begin() as conn:
        conn.execute(
            sa.text(
                "UPDATE shared.memberships SET status = 'deactivated' "
                "WHERE person_id = :p AND client_org_id = 9"
            ),
            {"p": person.id},
        )
    return person


def handoff(live_server, host: str, url: str) -> httpx.Response:  # type: ignore[no-untyped-def]
    path = url.split(host, 1)[1]
    with httpx.Client(base_url=live_server.url) as http:
        return http.get(path, headers={"host": host}, follow_redirects=False)


def session_cookies(response: httpx.Response) -> dict[str, str]:
    return {
        raw.split("=", 1)[0]: raw.split("=", 1)[1].split(";", 1)[0]
        for raw in response.headers.get_list("set-cookie")
    }


def test_viewer_lists_every_cabinet_at_every_firm(client, firms, many_cabinets) -> None:
    c = client(PLATFORM)
    login(c, many_cabinets.email, many_cabinets.password)
    viewer = c.execute(CABINETS)["viewer"]
    cabinets = {cab["key"]: cab for cab in viewer["cabinets"]}
    assert set(cabinets) == {"firm-a:staff", f"firm-b:client:{ORG_7}", f"firm-b:client:{ORG_8}"}
    staff = cabinets["firm-a:staff"]
    assert staff["kind"] == "STAFF"
    assert staff["firm"] == {"name": firms["a"].name, "slug": "firm-a"}
    assert sorted(staff["roles"]) == ["auditor", "manager"]
    assert staff["url"] == "http://firm-a.kabinet.test/"
    assert staff["organizationId"] is None
    client7 = cabinets[f"firm-b:client:{ORG_7}"]
    assert client7["kind"] == "CLIENT" and client7["organizationId"] == ORG_7
    assert client7["roles"] == ["client_admin"] and client7["url"] == "http://firm-b.kabinet.test/"
    assert client7["organizationName"] is None


def test_viewer_is_a_node_only_for_its_own_person(client, firms, people) -> None:
    a = client(firms["a"].host)
    login(a, people["a"].admin.email, people["a"].admin.password)
    own = a.execute("{ viewer { id } }")["viewer"]["id"]
    b = client(firms["b"].host)
    login(b, people["b"].admin.email, people["b"].admin.password)
    other = b.execute("{ viewer { id } }")["viewer"]["id"]
    query = "query($id: ID!) { node(id: $id) { id ... on Viewer { email } } }"
    assert a.execute(query, {"id": own})["node"] == {"id": own, "email": people["a"].admin.email}
    assert a.execute(query, {"id": other})["node"] is None


async def test_cabinets_are_read_with_one_query(
    database_url, settings, many_cabinets, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from saas.auth.service import cabinets
    from saas.auth.service.cabinets import cabinets_of
    from saas.db.session import shared_session
    from saas.services import Services

    # Organization names come from registered modules (one batch each); this counts ours.
    monkeypatch.setattr(cabinets, "ORGANIZATION_NAME_RESOLVERS", [])
    services = Services.build(settings, database_url)
    statements: list[str] = []

    def count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(services.engine.sync_engine, "before_cursor_execute", count)
    try:
        async with shared_session(services.engine) as session:
            entries = await cabinets_of(services, session, many_cabinets.id)
    finally:
        await services.engine.dispose()
    assert len(entries) == 3
    assert len(statements) == 1, statements


def test_open_cabinet_hands_the_session_over_once(client, firms, people, live_server) -> None:
    admin = people["a"].admin
    platform = client(PLATFORM)
    login(platform, admin.email, admin.password)
    opened = platform.execute(OPEN, {"key": "firm-a:staff"})["openCabinet"]
    assert opened["__typename"] == "CabinetOpened"
    assert opened["url"].startswith("http://firm-a.kabinet.test/auth/handoff?code=")

    # Presented at another firm's host, the code is refused and stays unspent.
    assert (
        handoff(live_server, firms["b"].host, opened["url"].replace("firm-a", "firm-b")).status_code
        == 400
    )

    response = handoff(live_server, firms["a"].host, opened["url"])
    assert response.status_code == 303 and response.headers["location"] == "/"
    assert response.headers["cache-control"] == "no-store"
    cookies = session_cookies(response)
    assert {"kabinet_session", "kabinet_csrf"} <= set(cookies)
    firm = client(firms["a"].host)
    firm.cookies = cookies
    assert firm.execute("{ viewer { email } }")["viewer"]["email"] == admin.email
    # The session carries the admin's roles at the firm.
    assert firm.execute("{ apiTokens { id } }")["apiTokens"] is not None

    again = handoff(live_server, firms["a"].host, opened["url"])
    assert again.status_code == 400 and "set-cookie" not in again.headers


def test_open_cabinet_refuses_foreign_and_malformed_keys(client, firms, people) -> None:
    c = client(PLATFORM)
    login(c, people["a"].manager.email, people["a"].manager.password)
    for key in ("firm-b:staff", "firm-a:client:1", "firm-a", "firm-a:staff:1", ""):
        result = c.execute(OPEN, {"key": key})["openCabinet"]
        assert result["__typename"] == "NotFoundError", key
        assert result["code"] == "CABINET_NOT_FOUND"


def test_open_cabinet_needs_a_login(client) -> None:
    result = client(PLATFORM).raw(OPEN, {"key": "firm-a:staff"})
    assert result["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_expired_hand_off_code_is_refused(client, firms, people, live_server, db_engine) -> None:
    c = client(PLATFORM)
    login(c, people["b"].client.email, people["b"].client.password)
    url = c.execute(OPEN, {"key": "firm-b:client:1"})["openCabinet"]["url"]
    with db_engine.begin() as conn:
        conn.execute(
            sa.text(
                "UPDATE shared.one_time_codes SET expires_at = now() - interval '1 second' "
                "WHERE purpose = 'handoff' AND person_id = :p AND used_at IS NULL"
            ),
            {"p": people["b"].client.id},
        )
    response = handoff(live_server, firms["b"].host, url)
    assert response.status_code == 400
    assert "Bravo Accounting" in response.text


def test_hand_off_at_the_platform_host_is_refused(client, people, live_server) -> None:
    c = client(PLATFORM)
    login(c, people["a"].admin.email, people["a"].admin.password)
    url = c.execute(OPEN, {"key": "firm-a:staff"})["openCabinet"]["url"]
    assert (
        handoff(live_server, PLATFORM, url.replace("firm-a.kabinet.test", PLATFORM)).status_code
        == 400
    )
