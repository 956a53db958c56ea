"""Anonymous callers are told to log in (UNAUTHENTICATED), never FORBIDDEN naming a permission
or a grant: over HTTP (queries, mutations, every kind of guard) and over WebSocket
(subscriptions). A logged-in caller lacking the permission still gets FORBIDDEN."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from tests.support.auth import login
from tests.support.firms import Firm
from tests.support.live import open_socket, subscribe

# One field per kind of guard: a role permission (`requires`), reports' own guard, a grant
# of a client organization, a person of the firm (notifications), a mutation.
GUARDED = {
    "apiTokens": "{ apiTokens { id } }",
    "clientOrganizations": "{ clientOrganizations(first: 1) { edges { node { id } } } }",
    "reports": "{ reports(first: 1) { edges { node { id } } } }",
    "notifications": "{ notifications(first: 1) { edges { node { id } } } }",
    "createApiToken": 'mutation { createApiToken(name: "x") { __typename } }',
}


def refusals(result: dict[str, Any]) -> list[dict[str, Any]]:
    assert result.get("errors"), result
    return [{"code": e["extensions"]["code"], **e["extensions"]} for e in result["errors"]]


def test_anonymous_callers_are_told_to_log_in(client, firms: dict[str, Firm]) -> None:  # type: ignore[no-untyped-def]
    c = client(firms["a"].host)
    for name, query in GUARDED.items():
        for language, word in (("ru", "Войдите"), ("en", "Log in")):
            result = c.raw(query, headers={"accept-language": language})
            assert refusals(result) == [{"code": "UNAUTHENTICATED"}], (name, result)
            assert word in result["errors"][0]["message"], (name, result)
            assert "permission" not in result["errors"][0]["message"].lower(), result


def test_a_logged_in_caller_without_the_permission_is_still_forbidden(  # type: ignore[no-untyped-def]
    client, firms: dict[str, Firm], people
) -> None:
    c = client(firms["a"].host)
    login(c, people["a"].client.email, people["a"].client.password)
    [refused] = refusals(c.raw(GUARDED["apiTokens"]))
    assert refused["code"] == "FORBIDDEN" and refused["permission"] == "tokens:manage"


async def test_anonymous_subscription_is_told_to_log_in(  # type: ignore[no-untyped-def]
    live_server, firms: dict[str, Firm]
) -> None:
    """reportStatusChanged (guarded by reports:read or client_cabinet:read) on an anonymous
    socket."""
    ws = await open_socket(live_server.port, firms["a"].host, {"Accept-Language": "en"})
    try:
        await subscribe(ws, {})
        message = json.loads(await asyncio.wait_for(ws.recv(), 10))
        # graphql-transport-ws: refused before the first event, an `error` with the errors.
        assert message["type"] == "error", message
        errors = message["payload"]
        assert refusals({"errors": errors}) == [{"code": "UNAUTHENTICATED"}], message
        assert "Log in" in errors[0]["message"]
    finally:
        await ws.close()


def test_introspection_stays_open_to_anonymous_callers_in_development(  # type: ignore[no-untyped-def]
    client, firms: dict[str, Firm], settings
) -> None:
    assert settings.introspection  # development and tests; production turns it off
    c = client(firms["a"].host)
    data = c.execute("{ __schema { queryType { name } } }")
    assert data == {"__schema": {"queryType": {"name": "Query"}}}
