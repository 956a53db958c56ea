"""The GraphQL spine over real HTTP and WebSocket: bad input, limits, error masking, Relay
pagination, GraphiQL and introspection switches, graphql-transport-ws subscriptions.

Two servers: the ordinary one (`live_server`, default limits, development switches) and a
`strict` one built from the same database with GraphiQL and introspection off, small limits,
and probe fields (tests/support/spine_probe.py) that exercise errors and connections."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
import websockets
from websockets.asyncio.client import connect

from saas.jobs.runtime import current_runtime_or_none, restore_jobs
from saas.schema import root
from saas.settings import Limits, Settings
from tests.support.auth import create_person, login
from tests.support.client import GraphQLClient, error_codes
from tests.support.server import LiveServer

NORMAL = "{ currentFirm { slug name } }"
STRICT_LIMITS = Limits(
    max_depth=12,
    max_aliases=30,
    max_tokens=2000,
    max_cost=1200,
    max_batch=3,
    max_subscriptions=2,
    max_body_bytes=20_000,
)


@pytest.fixture(scope="module")
def probe_rows(db_engine: sa.Engine, firms: dict[str, Any]) -> dict[str, list[int]]:
    """25 probe audit entries at firm a (7 distinct actions, so sort keys tie), 3 at firm b."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    ids: dict[str, list[int]] = {}
    with db_engine.begin() as conn:
        for key, count in (("a", 25), ("b", 3)):
            schema = conn.scalar(
                sa.text("SELECT schema_name FROM shared.tenants WHERE slug = :s"),
                {"s": firms[key].slug},
            )
            conn.execute(sa.text(f'DELETE FROM "{schema}".audit_log'))
            rows = conn.execute(
                sa.text(
                    f'INSERT INTO "{schema}".audit_log (actor, action, object_type, at) '
                    "SELECT 'test', 'act-' || (g % 7), 'probe', :start + g * interval '1 minute' "
                    "FROM generate_series(1, :n) AS g RETURNING id"
                ),
                {"start": start, "n": count},
            )
            ids[key] = [r[0] for r in rows]
            conn.execute(
                sa.text(
                    f'INSERT INTO "{schema}".audit_log (actor, action, object_type) '
                    "VALUES ('test', 'act-0', 'not-probe')"
                )
            )
    return ids


@pytest.fixture(scope="module")
def strict_server(settings: Settings, firms: dict[str, Any]) -> Iterator[LiveServer]:
    from saas.app import create_app

    strict = dataclasses.replace(
        settings, graphiql=False, introspection=False, limits=STRICT_LIMITS
    )
    modules = root.MODULES
    root.MODULES = (*modules, "tests.support.spine_probe")
    try:
        app = create_app(strict)
    finally:
        root.MODULES = modules
    # The strict app's lifespan makes its job runtime the process's and its shutdown clears
    # it: give the process back the runtime it had (the shared live server's), or tests run
    # after this module that enqueue jobs (the cross-tenant matrix) find none.
    previous = current_runtime_or_none()
    server = LiveServer(app).start()
    yield server
    server.stop()
    restore_jobs(previous)


@pytest.fixture
def strict(strict_server: LiveServer) -> Iterator[Any]:
    made: list[GraphQLClient] = []

    def make(host: str, token: str | None = None) -> GraphQLClient:
        c = GraphQLClient(strict_server.url, host, token=token)
        made.append(c)
        return c

    yield make
    for c in made:
        c.close()


def refused(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """Asserts a JSON GraphQL-style refusal with this status and code; returns the error."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json"), response.text
    body = response.json()
    assert body["errors"][0]["extensions"]["code"] == code, body
    assert body["errors"][0]["message"]
    return body["errors"][0]


def still_answers(c: GraphQLClient, slug: str) -> None:
    assert c.execute(NORMAL)["currentFirm"]["slug"] == slug


# --- Bad input over HTTP ----------------------------------------------------------------


def test_malformed_json_is_refused(client, firms) -> None:  # type: ignore[no-untyped-def]
    c = client(firms["a"].host)
    for body in (b'{"query": "{ currentFirm { slug } }"', b"\x00\xff", b"[" * 100_000):
        response = c.http.post(
            "/graphql", content=body, headers=c.headers({"content-type": "application/json"})
        )
        error = refused(response, 400, "MALFORMED_JSON")
        assert "not valid JSON" in error["message"]
    still_answers(c, firms["a"].slug)


def test_body_that_is_not_an_operation_is_refused(client, firms) -> None:  # type: ignore[no-untyped-def]
    c = client(firms["a"].host)
    for body in (42, "query", [1, 2], {"query": NORMAL, "operationName": 5}):
        error = refused(c.post(body), 400, "BAD_REQUEST")
        assert "JSON object" in error["message"] or "operationName" in error["message"]
    refused(c.post({"query": NORMAL, "variables": [1]}), 400, "BAD_REQUEST")
    still_answers(c, firms["a"].slug)


def test_missing_query_is_refused(client, firms) -> None:  # type: ignore[no-untyped-def]
    c = client(firms["a"].host)
    refused(c.post({}), 400, "MISSING_QUERY")
    refused(c.post({"query": ""}), 400, "MISSING_QUERY")
    still_answers(c, firms["a"].slug)


def test_unknown_operation_name_is_refused(client, firms) -> None:  # type: ignore[no-untyped-def]
    c = client(firms["a"].host)
    body = {"query": "query Known { currentFirm { slug } }", "operationName": "Unknown"}
    error = refused(c.post(body), 400, "UNKNOWN_OPERATION")
    assert "Unknown" in error["message"]
    still_answers(c, firms["a"].slug)


def test_unknown_field_is_a_validation_error(client, firms) -> None:  # type: ignore[no-untyped-def]
    c = client(firms["a"].host)
    response = c.post({"query": "{ currentFirm { slug nope } }"})
    assert response.status_code == 200
    result = response.json()
    assert error_codes(result) == ["GRAPHQL_VALIDATION_FAILED"]
    assert "nope" in result["errors"][0]["message"]
    assert result.get("data") is None


def test_syntax_error_is_a_parse_error(client, firms) -> None:  # type: ignore[no-untyped-def]
    c = client(firms["a"].host)
    result = c.raw("{ currentFirm { slug ")
    assert error_codes(result) == ["GRAPHQL_PARSE_FAILED"]
    assert "Syntax Error" in result["errors"][0]["message"]


def test_a_thousand_deep_query_is_refused(client, firms) -> None:  # type: ignore[no-untyped-def]
    c = client(firms["a"].host)
    deep = "{" + "currentFirm {" * 1000 + "slug" + "}" * 1001
    result = c.raw(deep)
    assert error_codes(result) == ["QUERY_TOO_DEEP"]
    # Just over the limit (12): measured before validation, so even unknown fields count.
    result = c.raw("{" + "a {" * 12 + "b" + "}" * 13)
    assert error_codes(result) == ["QUERY_TOO_DEEP"]
    assert result["errors"][0]["message"] == "The operation is 13 levels deep; the limit is 12."
    assert result["errors"][0]["extensions"]["limit"] == 12
    still_answers(c, firms["a"].slug)


def test_ten_thousand_aliases_are_refused(client, firms) -> None:  # type: ignore[no-untyped-def]
    c = client(firms["a"].host)
    many = "{" + " ".join(f"a{i}: __typename" for i in range(10_000)) + "}"
    result = c.raw(many)
    assert error_codes(result) == ["TOO_MANY_TOKENS"]
    assert "2000 tokens" in result["errors"][0]["message"]
    # Under the token limit, the alias limit (30) is what refuses.
    result = c.raw("{" + " ".join(f"a{i}: __typename" for i in range(31)) + "}")
    assert error_codes(result) == ["TOO_MANY_ALIASES"]
    assert result["errors"][0]["message"] == "The document uses 31 aliases; the limit is 30."
    assert c.execute("{" + " ".join(f"a{i}: __typename" for i in range(30)) + "}")["a29"] == "Query"
    still_answers(c, firms["a"].slug)


def test_a_fragment_bomb_is_refused_by_cost(client, firms) -> None:  # type: ignore[no-untyped-def]
    # 40 fragments each spreading the next twice: 2^40 fields once expanded, 200 tokens.
    n = 40
    fragments = "".join(f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}\n" for i in range(n))
    document = "{ ...F0 }\n" + fragments + f"fragment F{n} on Query {{ currentFirm {{ slug }} }}"
    c = client(firms["a"].host)
    result = c.raw(document)
    assert error_codes(result) == ["QUERY_TOO_COSTLY"]
    assert result["errors"][0]["extensions"]["cost"] > 2**30
    still_answers(c, firms["a"].slug)


def test_a_thousand_operation_batch_is_refused(client, firms) -> None:  # type: ignore[no-untyped-def]
    c = client(firms["a"].host)
    error = refused(c.post([{"query": NORMAL}] * 1000), 400, "TOO_MANY_OPERATIONS")
    assert error["message"].startswith("The batch holds 1000 operations; the limit is 10.")
    results = c.post([{"query": NORMAL}, {"query": "{ __typename }"}]).json()
    assert results[0]["data"]["currentFirm"]["slug"] == firms["a"].slug
    assert results[1]["data"] == {"__typename": "Query"}


def test_a_batch_runs_in_order_and_a_write_does_not_leak_into_its_reads(
    client, firms, db_engine
) -> None:  # type: ignore[no-untyped-def]
    """Strawberry would gather a batch's operations concurrently on one context, so a read
    ran inside the write's shared transaction while it held the firm's role (its audit
    entry): `activeSessions` got "permission denied for schema shared" (found by the fuzz).
    Operations run one after another: each sees what the one before it wrote."""
    admin = create_person(db_engine, memberships=[(firms["a"].id, "staff", ["firm_admin"], None)])
    c = client(firms["a"].host)
    login(c, admin.email, admin.password)
    for phone in ("+7 900 000-00-01", "+7 900 000-00-02"):
        batch = [
            "{ branding { cabinetEnabled } }",
            "{ activeSessions { current } }",
            f'mutation {{ updateBranding(input: {{phone: "{phone}"}}) {{ __typename }} }}',
            "{ activeSessions { current } }",
            "{ brandingSettings { phone } }",
            "mutation { removeLogo(kind: FAVICON) { faviconUrl } }",
            "{ activeSessions { current } }",
        ]
        results = c.post([{"query": q} for q in batch]).json()
        assert [r.get("errors") for r in results] == [None] * len(batch), results
        sessions = [results[i]["data"]["activeSessions"] for i in (1, 3, 6)]
        assert sessions == [[{"current": True}]] * 3
        assert results[4]["data"]["brandingSettings"]["phone"] == phone


def test_a_huge_body_is_refused(client, firms) -> None:  # type: ignore[no-untyped-def]
    c = client(firms["a"].host)
    padding = "#" + "x" * 2_000_000 + "\n"
    error = refused(c.post({"query": padding + NORMAL}), 413, "BODY_TOO_LARGE")
    assert "1000000 bytes" in error["message"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted while reading
        yield b'{"query": "#'
        for _ in range(40):
            yield b"x" * 50_000
        yield b'\\n{ __typename }"}'

    response = c.http.post(
        "/graphql", content=chunks(), headers=c.headers({"content-type": "application/json"})
    )
    refused(response, 413, "BODY_TOO_LARGE")
    still_answers(c, firms["a"].slug)


def test_mutation_via_get_is_refused(client, firms) -> None:  # type: ignore[no-untyped-def]
    c = client(firms["a"].host)
    response = c.http.get(
        "/graphql", params={"query": "mutation { __typename }"}, headers=c.headers()
    )
    error = refused(response, 405, "OPERATION_NOT_ALLOWED")
    assert "mutations are not allowed when using GET" in error["message"]
    response = c.http.get("/graphql", params={"query": NORMAL}, headers=c.headers())
    assert response.json()["data"]["currentFirm"]["slug"] == firms["a"].slug
    response = c.http.put("/graphql", json={"query": NORMAL}, headers=c.headers())
    refused(response, 405, "METHOD_NOT_ALLOWED")


def test_subscription_over_http_is_refused(client, firms) -> None:  # type: ignore[no-untyped-def]
    c = client(firms["a"].host)
    response = c.post({"query": "subscription { ping(count: 1) { sequence } }"})
    error = refused(response, 400, "OPERATION_NOT_ALLOWED")
    assert "WebSocket" in error["message"]
    response = c.http.get(
        "/graphql", params={"query": "subscription { ping { sequence } }"}, headers=c.headers()
    )
    refused(response, 400, "OPERATION_NOT_ALLOWED")


def test_unsupported_content_type_is_refused(client, firms) -> None:  # type: ignore[no-untyped-def]
    c = client(firms["a"].host)
    response = c.http.post(
        "/graphql", content=NORMAL, headers=c.headers({"content-type": "text/plain"})
    )
    refused(response, 415, "UNSUPPORTED_CONTENT_TYPE")


# --- Errors: public, permission, masked -----------------------------------------------------


def test_unexpected_error_is_masked_and_logged_with_request_id(strict, firms, caplog) -> None:  # type: ignore[no-untyped-def]
    c = strict(firms["a"].host)
    with caplog.at_level(logging.ERROR, logger="saas.graphql"):
        response = c.post({"query": "{ probeBoom currentFirm { slug } }"})
    result = response.json()
    assert response.status_code == 200
    assert result["data"] is None or result["data"].get("currentFirm") is not None
    error = result["errors"][0]
    request_id = response.headers["x-request-id"]
    assert error["message"] == "Internal server error"
    assert error["extensions"] == {"code": "INTERNAL", "requestId": request_id}
    assert "hunter2" not in response.text
    logged = [r for r in caplog.records if request_id in r.getMessage()]
    assert logged, [r.getMessage() for r in caplog.records]
    assert logged[0].exc_info and "hunter2" in str(logged[0].exc_info[1])


def test_public_errors_are_not_masked(strict, firms) -> None:  # type: ignore[no-untyped-def]
    c = strict(firms["a"].host)
    result = c.raw("{ probePublic }")
    assert result["errors"][0]["message"] == "You asked for something we refuse, politely."
    assert error_codes(result) == ["PROBE_REFUSED"]
    # Anonymous: told to log in, whichever guard refused (the permission is not named).
    assert error_codes(c.raw("{ probeGuarded }")) == ["UNAUTHENTICATED"]
    assert error_codes(c.raw("{ probeLogin }")) == ["UNAUTHENTICATED"]


def test_firm_only_field_at_platform_host_says_where_to_call(strict, settings) -> None:  # type: ignore[no-untyped-def]
    result = strict(settings.base_domain).raw("{ probeNeedsFirm }")
    assert error_codes(result) == ["TENANT_REQUIRED"]
    assert "call it at the firm's address" in result["errors"][0]["message"]


def test_request_id_is_taken_from_the_caller(strict, firms) -> None:  # type: ignore[no-untyped-def]
    c = strict(firms["a"].host)
    response = c.post({"query": "{ probeBoom }"}, headers={"x-request-id": "trace-42"})
    assert response.json()["errors"][0]["extensions"]["requestId"] == "trace-42"


# --- Switches: GraphiQL and introspection ----------------------------------------------------


def test_graphiql_in_development_only(client, strict, firms) -> None:  # type: ignore[no-untyped-def]
    dev = client(firms["a"].host)
    page = dev.http.get("/graphql", headers=dev.headers({"accept": "text/html"}))
    assert page.status_code == 200 and "graphiql" in page.text.lower()
    prod = strict(firms["a"].host)
    page = prod.http.get("/graphql", headers=prod.headers({"accept": "text/html"}))
    refused(page, 404, "GRAPHIQL_DISABLED")


def test_introspection_switch(client, strict, firms) -> None:  # type: ignore[no-untyped-def]
    query = "{ __schema { queryType { name } } }"
    assert client(firms["a"].host).execute(query)["__schema"]["queryType"]["name"] == "Query"
    c = strict(firms["a"].host)
    result = c.raw(query)
    assert set(error_codes(result)) == {"INTROSPECTION_DISABLED"}
    assert "Introspection is disabled" in result["errors"][0]["message"]
    introspected = c.raw('{ __type(name: "Query") { name } }')
    assert set(error_codes(introspected)) == {"INTROSPECTION_DISABLED"}
    assert c.execute("{ __typename }") == {"__typename": "Query"}
    # Without introspection, suggestions would leak field names.
    result = c.raw("{ currentFirmm { slug } }")
    assert error_codes(result) == ["GRAPHQL_VALIDATION_FAILED"]
    assert "Did you mean" not in result["errors"][0]["message"]


# --- Relay: global ids, node(s), cursor connections -------------------------------------------


def test_node_by_global_id_and_cross_tenant(client, firms) -> None:  # type: ignore[no-untyped-def]
    a, b = client(firms["a"].host), client(firms["b"].host)
    firm_id = a.execute("{ currentFirm { id } }")["currentFirm"]["id"]
    found = a.execute(
        "query($id: ID!) { node(id: $id) { id ... on Firm { slug } } }", {"id": firm_id}
    )
    assert found["node"] == {"id": firm_id, "slug": firms["a"].slug}
    # Firm a's id asked at firm b: nothing, not an error.
    assert b.execute("query($id: ID!) { node(id: $id) { id } }", {"id": firm_id}) == {"node": None}
    other = b.execute("{ currentFirm { id } }")["currentFirm"]["id"]
    listed = a.execute("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": [other, firm_id]})
    assert listed["nodes"] == [None, {"id": firm_id}]


def test_malformed_global_ids_are_refused_clearly(client, firms) -> None:  # type: ignore[no-untyped-def]
    c = client(firms["a"].host)
    result = c.raw("query($id: ID!) { node(id: $id) { id } }", {"id": "not-a-global-id"})
    assert result["errors"] and error_codes(result)[0] not in (None, "INTERNAL")
    import base64

    unknown_type = base64.b64encode(b"Nope:1").decode()
    result = c.raw("query($id: ID!) { node(id: $id) { id } }", {"id": unknown_type})
    assert error_codes(result) == ["INVALID_ID"]
    ids = [unknown_type] * 101
    result = c.raw("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": ids})
    assert error_codes(result) == ["PAGE_TOO_LARGE"]


PAGE = """query($first: Int, $after: String, $last: Int, $before: String, $count: Boolean!) {
  probeEntries(first: $first, after: $after, last: $last, before: $before) {
    totalCount @include(if: $count)
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { id action } }
  }
}"""


def _page(c: GraphQLClient, **variables: Any) -> dict[str, Any]:
    variables.setdefault("count", False)
    return c.execute(PAGE, variables)["probeEntries"]


def test_connection_pages_forward_and_backward(strict, firms, probe_rows) -> None:  # type: ignore[no-untyped-def]
    c = strict(firms["a"].host)
    first = _page(c, first=10, count=True)
    assert first["totalCount"] == 25
    assert len(first["edges"]) == 10
    assert first["pageInfo"]["hasNextPage"] and not first["pageInfo"]["hasPreviousPage"]

    seen, after = [], None
    while True:
        page = _page(c, first=10, after=after)
        seen += [(e["node"]["action"], e["node"]["id"]) for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == 25 == len(set(seen))
    # Keyset order: by action, ties broken by id (global ids sort like the numbers inside).
    actions = [a for a, _ in seen]
    assert actions == sorted(actions)

    default = _page(c)
    assert len(default["edges"]) == 20  # DEFAULT_PAGE_SIZE

    last = _page(c, last=5)
    assert [e["node"]["id"] for e in last["edges"]] == [i for _, i in seen[-5:]]
    assert last["pageInfo"]["hasPreviousPage"] and not last["pageInfo"]["hasNextPage"]
    before = _page(c, last=5, before=last["pageInfo"]["startCursor"])
    assert [e["node"]["id"] for e in before["edges"]] == [i for _, i in seen[-10:-5]]
    assert before["pageInfo"]["hasNextPage"]

    between = _page(
        c, first=100, after=first["edges"][2]["cursor"], before=first["edges"][6]["cursor"]
    )
    assert [e["cursor"] for e in between["edges"]] == [e["cursor"] for e in first["edges"][3:6]]


def test_connection_is_bound_to_the_tenant(strict, firms, probe_rows) -> None:  # type: ignore[no-untyped-def]
    import base64

    def global_id(row_id: int) -> str:
        return base64.b64encode(f"ProbeEntry:{row_id}".encode()).decode()

    a, b = strict(firms["a"].host), strict(firms["b"].host)
    assert _page(b, first=100, count=True)["totalCount"] == 3
    # Each firm's list holds exactly its own rows (ids are per firm, like its schema).
    assert {e["node"]["id"] for e in _page(a, first=100)["edges"]} == {
        global_id(i) for i in probe_rows["a"]
    }
    b_ids = {global_id(i) for i in probe_rows["b"]}
    assert {e["node"]["id"] for e in _page(b, first=100)["edges"]} == b_ids
    # A cursor of firm a's list used at firm b pages firm b's rows only.
    a_cursor = _page(a, first=1)["pageInfo"]["endCursor"]
    assert {e["node"]["id"] for e in _page(b, first=100, after=a_cursor)["edges"]} <= b_ids
    # An entry of firm a (an id firm b does not have) by global id at firm b: null.
    entry = global_id(probe_rows["a"][-1])
    query = "query($id: ID!) { node(id: $id) { id } }"
    assert b.execute(query, {"id": entry}) == {"node": None}
    assert a.execute(query, {"id": entry}) == {"node": {"id": entry}}


def test_descending_datetime_keyset(strict, firms, probe_rows) -> None:  # type: ignore[no-untyped-def]
    c = strict(firms["a"].host)
    query = """query($after: String) { probeNewest(first: 4, after: $after) {
        pageInfo { endCursor hasNextPage } edges { node { at } } } }"""
    stamps: list[str] = []
    after = None
    for _ in range(10):
        page = c.execute(query, {"after": after})["probeNewest"]
        stamps += [e["node"]["at"] for e in page["edges"]]
        after = page["pageInfo"]["endCursor"]
        if not page["pageInfo"]["hasNextPage"]:
            break
    parsed = [datetime.fromisoformat(s) for s in stamps]
    assert len(parsed) == 25 and parsed == sorted(parsed, reverse=True)
    assert parsed[0] - parsed[1] == timedelta(minutes=1)


def test_page_size_and_cursor_refusals(strict, firms, probe_rows) -> None:  # type: ignore[no-untyped-def]
    c = strict(firms["a"].host)
    result = c.raw(PAGE, {"first": 101, "count": False})
    assert error_codes(result) == ["PAGE_TOO_LARGE"]
    assert "maximum page size of 100" in result["errors"][0]["message"]
    assert error_codes(c.raw(PAGE, {"first": 1, "last": 1, "count": False})) == ["BAD_PAGINATION"]
    assert error_codes(c.raw(PAGE, {"first": -1, "count": False})) == ["BAD_PAGINATION"]
    for cursor in ("garbage", "eyJ4IjoxfQ", "WyJrMSIsImFjdC0xIl0"):
        assert error_codes(c.raw(PAGE, {"first": 1, "after": cursor, "count": False})) == [
            "INVALID_CURSOR"
        ]


def test_cost_limit_counts_page_sizes(strict, firms, probe_rows) -> None:  # type: ignore[no-untyped-def]
    c = strict(firms["a"].host)
    page = "probeEntries(first: $n) { edges { node { id action } } }"  # 1 + n * 4
    two = f"query($n: Int) {{ a: {page} b: {page} }}"
    three = f"query($n: Int) {{ a: {page} b: {page} c: {page} }}"
    assert len(c.execute(two, {"n": 100})["a"]["edges"]) == 25  # cost 802
    result = c.raw(three, {"n": 100})
    assert error_codes(result) == ["QUERY_TOO_COSTLY"]
    assert result["errors"][0]["message"].startswith("The operation costs 1203; the limit is 1200.")
    assert result["errors"][0]["extensions"] == {
        "code": "QUERY_TOO_COSTLY",
        "cost": 1203,
        "limit": 1200,
    }
    assert c.execute(three, {"n": 10})["c"]["edges"]  # cost 123
    # Without `first`, the default page size (20) counts: 15 * (1 + 20 * 4) = 1215.
    default = (
        "{"
        + " ".join(f"p{i}: probeEntries {{ edges {{ node {{ id action }} }} }}" for i in range(15))
        + "}"
    )
    assert error_codes(c.raw(default)) == ["QUERY_TOO_COSTLY"]
    assert c.raw(default)["errors"][0]["extensions"]["cost"] == 1215


def test_strict_batch_and_body_limits(strict, firms) -> None:  # type: ignore[no-untyped-def]
    c = strict(firms["a"].host)
    refused(c.post([{"query": NORMAL}] * 4), 400, "TOO_MANY_OPERATIONS")
    assert len(c.post([{"query": NORMAL}] * 3).json()) == 3
    refused(c.post({"query": "#" + "x" * 25_000 + "\n" + NORMAL}), 413, "BODY_TOO_LARGE")


# --- WebSocket: graphql-transport-ws only -------------------------------------------------------


def _ws_url(server: LiveServer, host: str) -> dict[str, Any]:
    return {
        "uri": f"ws://{host}:{server.port}/graphql",
        "host": "127.0.0.1",
        "port": server.port,
        "proxy": None,
        "open_timeout": 10,
    }


async def _receive(ws: Any) -> dict[str, Any]:
    return json.loads(await asyncio.wait_for(ws.recv(), timeout=10))


async def _open(server: LiveServer, host: str) -> Any:
    ws = await connect(subprotocols=["graphql-transport-ws"], **_ws_url(server, host))
    await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
    assert (await _receive(ws))["type"] == "connection_ack"
    return ws


async def test_ping_subscription_round_trip(live_server, firms) -> None:  # type: ignore[no-untyped-def]
    ws = await _open(live_server, firms["a"].host)
    try:
        assert ws.subprotocol == "graphql-transport-ws"
        query = "subscription { ping(count: 3, intervalMs: 10) { sequence serverTime } }"
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query}}))
        beats = [await _receive(ws) for _ in range(3)]
        assert [m["type"] for m in beats] == ["next"] * 3
        assert [m["payload"]["data"]["ping"]["sequence"] for m in beats] == [1, 2, 3]
        assert await _receive(ws) == {"id": "1", "type": "complete"}
        # Queries run over the same connection, with the same limits.
        await ws.send(json.dumps({"id": "2", "type": "subscribe", "payload": {"query": NORMAL}}))
        message = await _receive(ws)
        assert message["payload"]["data"]["currentFirm"]["slug"] == firms["a"].slug
        await _receive(ws)  # complete
        deep = "{" + "a {" * 12 + "b" + "}" * 13
        await ws.send(json.dumps({"id": "3", "type": "subscribe", "payload": {"query": deep}}))
        message = await _receive(ws)
        assert message["type"] == "error"
        assert message["payload"][0]["extensions"]["code"] == "QUERY_TOO_DEEP"
    finally:
        await ws.close()


async def test_ping_refuses_bad_arguments_clearly(live_server, firms) -> None:  # type: ignore[no-untyped-def]
    ws = await _open(live_server, firms["a"].host)
    try:
        query = "subscription { ping(count: 0) { sequence } }"
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query}}))
        message = await _receive(ws)
        errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
        assert errors[0]["extensions"]["code"] == "BAD_REQUEST"
        assert "between 1 and 100" in errors[0]["message"]
    finally:
        await ws.close()


async def test_unexpected_error_in_a_stream_is_masked(strict_server, firms) -> None:  # type: ignore[no-untyped-def]
    ws = await _open(strict_server, firms["a"].host)
    try:
        query = "subscription { probeBoomStream }"
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query}}))
        assert (await _receive(ws))["payload"]["data"] == {"probeBoomStream": 1}
        message = await _receive(ws)
        text = json.dumps(message)
        assert "secret detail" not in text
        assert "INTERNAL" in text
    finally:
        await ws.close()


async def test_legacy_graphql_ws_protocol_is_refused(live_server, firms) -> None:  # type: ignore[no-untyped-def]
    # The handshake is answered without a subprotocol, then the socket is closed with 4406
    # (graphql-transport-ws's "subprotocol not acceptable"); a handshake error fails the test.
    ws = await connect(subprotocols=["graphql-ws"], **_ws_url(live_server, firms["a"].host))
    try:
        assert ws.subprotocol is None
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), timeout=10)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4406
    finally:
        await ws.close()


async def test_subscriptions_per_connection_are_limited(strict_server, firms) -> None:  # type: ignore[no-untyped-def]
    ws = await _open(strict_server, firms["a"].host)
    slow = "subscription { ping(count: 100, intervalMs: 10000) { sequence } }"
    try:
        for op in ("1", "2"):
            await ws.send(json.dumps({"id": op, "type": "subscribe", "payload": {"query": slow}}))
            assert (await _receive(ws))["type"] == "next"
        await ws.send(json.dumps({"id": "3", "type": "subscribe", "payload": {"query": slow}}))
        message = await _receive(ws)
        assert message["type"] == "error" and message["id"] == "3"
        assert message["payload"][0]["extensions"] == {"code": "TOO_MANY_SUBSCRIPTIONS", "limit": 2}
        assert "2 subscriptions" in message["payload"][0]["message"]
        # Completing one frees a place.
        await ws.send(json.dumps({"id": "1", "type": "complete"}))
        # The server handles a socket's messages in order: its pong says the complete is done.
        await ws.send(json.dumps({"type": "ping"}))
        assert (await _receive(ws))["type"] == "pong"
        await ws.send(json.dumps({"id": "4", "type": "subscribe", "payload": {"query": slow}}))
        message = await _receive(ws)
        assert message["type"] == "next" and message["id"] == "4"
    finally:
        await ws.close()


# --- The document cache (saas/schema/cache.py): what it must not skip ---------------------------


def test_a_cached_document_is_still_costed_with_each_requests_variables(
    strict, firms, probe_rows
) -> None:  # type: ignore[no-untyped-def]
    c = strict(firms["a"].host)
    page = "probeEntries(first: $n) { edges { node { id action } } }"  # 1 + n * 4
    # A text no other test sends, so its first request here is the one that fills the cache.
    three = f"query CachedCost($n: Int) {{ a: {page} b: {page} c: {page} }}"
    for _ in range(3):  # parsed and validated once, then served from the cache
        assert len(c.execute(three, {"n": 10})["c"]["edges"]) == 10  # cost 123
    result = c.raw(three, {"n": 100})
    assert error_codes(result) == ["QUERY_TOO_COSTLY"]
    assert result["errors"][0]["extensions"] == {
        "code": "QUERY_TOO_COSTLY",
        "cost": 1203,
        "limit": 1200,
    }
    assert "data" not in result or result["data"] is None
    assert len(c.execute(three, {"n": 2})["a"]["edges"]) == 2
    assert error_codes(c.raw(three, {"n": 100})) == ["QUERY_TOO_COSTLY"]
    # Page-size refusals come from execution and still apply to the cached document too.
    two = f"query CachedPage($n: Int) {{ a: {page} }}"
    assert len(c.execute(two, {"n": 5})["a"]["edges"]) == 5
    assert error_codes(c.raw(two, {"n": 101})) == ["PAGE_TOO_LARGE"]


def test_a_document_valid_for_one_caller_still_checks_the_next_callers_permission(
    client, firms, people
) -> None:  # type: ignore[no-untyped-def]
    from tests.support.auth import login

    query = "query CachedGuarded { apiTokens { id } currentFirm { slug } }"
    admin = client(firms["a"].host)
    login(admin, people["a"].admin.email, people["a"].admin.password)
    for _ in range(2):
        assert admin.execute(query)["currentFirm"]["slug"] == firms["a"].slug
    member = client(firms["a"].host)
    login(member, people["a"].client.email, people["a"].client.password)
    result = member.raw(query)
    assert error_codes(result) == ["FORBIDDEN"]
    assert result["errors"][0]["extensions"]["permission"] == "tokens:manage"
    assert result["data"] is None or result["data"].get("apiTokens") is None
    assert error_codes(client(firms["a"].host).raw(query)) == ["UNAUTHENTICATED"]  # anonymous
    # The same text at the other firm is bound to that firm.
    admin_b = client(firms["b"].host)
    login(admin_b, people["b"].admin.email, people["b"].admin.password)
    assert admin_b.execute(query)["currentFirm"]["slug"] == firms["b"].slug
    assert admin.execute(query)["currentFirm"]["slug"] == firms["a"].slug


def test_an_invalid_document_is_refused_every_time(client, strict, firms) -> None:  # type: ignore[no-untyped-def]
    c = client(firms["a"].host)
    for _ in range(3):
        result = c.raw("query CachedInvalid { currentFirm { slugg } }")
        assert error_codes(result) == ["GRAPHQL_VALIDATION_FAILED"]
        assert "slugg" in result["errors"][0]["message"]
    many = "{ " + " ".join(f"f{i}: __typename" for i in range(2100)) + " }"
    for _ in range(2):
        assert error_codes(c.raw(many)) == ["TOO_MANY_TOKENS"]
    # Validation rules are the schema's: the text the development server accepts (and caches)
    # stays refused by the server without introspection, and the other way round.
    query = "query CachedIntrospection { __schema { queryType { name } } }"
    prod = strict(firms["a"].host)
    for _ in range(2):
        assert c.execute(query)["__schema"]["queryType"]["name"] == "Query"
        assert set(error_codes(prod.raw(query))) == {"INTROSPECTION_DISABLED"}


def test_the_document_cache_is_bounded() -> None:
    from graphql import parse

    from saas.schema.cache import DocumentCache

    cache = DocumentCache(max_entries=3, max_query_chars=100)
    keys = [cache.key(f"{{ a{i}: __typename }}", {"max_tokens": 10}) for i in range(5)]
    for key in keys:
        cache.put(key, parse(key[0]))
    assert len(cache) == 3
    assert cache.get(keys[0]) is None and cache.get(keys[4]) is not None
    long = cache.key("{ " + "a " * 100 + "}", {})
    cache.put(long, parse(long[0]))
    assert cache.get(long) is None
    # Other parse options (another token limit) are another entry.
    assert cache.get(cache.key(keys[4][0], {"max_tokens": 11})) is None


# --- The executor's short path for plain leaf fields (saas/schema/execution.py) -----------------

LEAVES = "{ probeLeaves(odd: true) { count label kind at flag } }"
GOOD_LEAF = {
    "count": 7,
    "label": None,
    "kind": "SECOND",
    "at": "2026-01-02T03:04:05+00:00",
    "flag": True,
}


def test_plain_leaf_fields_resolve_and_fail_as_before(strict, firms) -> None:  # type: ignore[no-untyped-def]
    c = strict(firms["a"].host)
    assert c.raw("{ probeLeaves { count label kind at flag } }") == {
        "data": {"probeLeaves": [GOOD_LEAF]}
    }
    result = c.raw(LEAVES)
    assert result["data"] == {
        "probeLeaves": [GOOD_LEAF, None, None, None, {**GOOD_LEAF, "label": "12"}]
    }
    assert [e["path"] for e in result["errors"]] == [
        ["probeLeaves", 1, "count"],
        ["probeLeaves", 2, "count"],
        ["probeLeaves", 3, "kind"],
    ]
    # As on graphql-core's path: a None where none may be is a bug (masked); a value the
    # scalar or enum refuses comes as graphql-core's GraphQLError.
    assert error_codes(result) == ["INTERNAL", "BAD_REQUEST", "BAD_REQUEST"]
    assert result["errors"][0]["message"] == "Internal server error"
    assert result["errors"][1]["message"] == "Int cannot represent non-integer value: 'x'"
    # A field without a resolver but with a permission extension is never taken short.
    guarded = c.raw("{ probeLeaves { count secret } }")
    assert guarded["data"] == {"probeLeaves": [None]}
    assert error_codes(guarded) == ["UNAUTHENTICATED"]  # an anonymous caller
    assert guarded["errors"][0]["path"] == ["probeLeaves", 0, "secret"]


def test_the_short_path_gives_what_graphql_core_gives(monkeypatch: pytest.MonkeyPatch) -> None:
    import strawberry

    from saas.schema.execution import SpineExecutor, plain_leaf
    from tests.support import spine_probe

    def run(executor: Any) -> dict[str, Any]:
        result = strawberry.Schema(
            query=spine_probe.LeavesOnly, execution_context_class=executor
        ).execute_sync(LEAVES)
        return {"data": result.data, "errors": [e.formatted for e in result.errors or []]}

    reference = run(None)
    assert len(reference["errors"]) == 3
    read = SpineExecutor._read_plain
    calls: list[str] = []

    def counted(self: SpineExecutor, plan: Any, source: Any) -> Any:
        calls.append(plan[1])
        return read(self, plan, source)

    monkeypatch.setattr(SpineExecutor, "_read_plain", counted)
    # The field by field path alone (lists in one pass are the next test's).
    monkeypatch.setattr(SpineExecutor, "_list_completion", lambda *_: None)
    assert run(SpineExecutor) == reference
    # Every leaf took the short path first, up to the one whose error nulls its item:
    # 5 (good) + 1 (count None) + 1 (count "x") + 3 (kind "nope") + 5 (label 12).
    assert len(calls) == 15
    # Which fields qualify, on the real schema.
    schema = root.build_schema()._schema
    report = schema.get_type("Report")
    assert plain_leaf(report.fields["formCode"]) is not None  # type: ignore[union-attr]
    assert plain_leaf(report.fields["status"]) is not None  # type: ignore[union-attr]
    assert plain_leaf(report.fields["organization"]) is None  # type: ignore[union-attr]
    assert plain_leaf(report.fields["id"]) is None  # type: ignore[union-attr]
    firm = schema.get_type("Query")
    assert plain_leaf(firm.fields["reports"]) is None  # type: ignore[union-attr]


def test_relay_ids_take_the_short_path_only_where_strawberry_gives_the_same(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import strawberry

    from saas.schema.execution import SpineExecutor, node_id
    from tests.support import spine_probe

    query = "{ probeFruits { id name } probeCoded { id } }"

    def run(executor: Any) -> dict[str, Any]:
        result = strawberry.Schema(
            query=spine_probe.NodesOnly, execution_context_class=executor
        ).execute_sync(query)
        return {"data": result.data, "errors": [e.formatted for e in result.errors or []]}

    reference = run(None)
    fruits = reference["data"]["probeFruits"]
    assert fruits[0]["id"] == "UHJvYmVGcnVpdDox"  # base64("ProbeFruit:1")
    assert fruits[2] is None and [e["path"] for e in reference["errors"]] == [
        ["probeFruits", 2, "id"]
    ]
    read = SpineExecutor._read_plain
    short: list[Any] = []

    def counted(self: SpineExecutor, plan: Any, source: Any) -> Any:
        value = read(self, plan, source)
        if plan[1] == "code":
            short.append(value)
        return value

    monkeypatch.setattr(SpineExecutor, "_read_plain", counted)
    monkeypatch.setattr(SpineExecutor, "_list_completion", lambda *_: None)
    assert run(SpineExecutor) == reference
    # Tried for the 5 fruits; taken for the 3 of exactly ProbeFruit with an id (the pear,
    # a subclass, and the None id went graphql-core's way); never for ProbeCoded.
    taken = [v for v in short if isinstance(v, str)]
    assert len(short) == 5 and taken == [fruits[0]["id"], fruits[3]["id"], fruits[4]["id"]]
    # On the real schema: the nodes of the feed page qualify.
    schema = root.build_schema()._schema
    for name in ("Report", "ReportDocument", "ClientOrganization"):
        node = schema.get_type(name)
        assert node_id(node.fields["id"], node) is not None  # type: ignore[union-attr,arg-type]
    report = schema.get_type("Report")
    assert node_id(report.fields["formCode"], report) is None  # type: ignore[union-attr,arg-type]


@pytest.mark.parametrize(
    ("schema_query", "query", "one_pass"),
    [
        # Every item plain: completed in one pass, no object completed by graphql-core.
        ("LeavesOnly", "{ probeLeaves { count label kind at flag } }", True),
        ("NodesOnly", "{ probeShelves(read: true) { __typename name fruits { id name } } }", True),
        # A surprise in an item (a None count, a subclass's id, an UNREAD list): the whole
        # list goes graphql-core's way, with its errors.
        ("LeavesOnly", LEAVES, False),
        ("NodesOnly", "{ probeFruits { id name } }", False),
        ("NodesOnly", "{ probeShelves(read: false) { name fruits { id name } } }", False),
        # A field below the items that is not plain (an id of its own `resolve_id`): never.
        ("NodesOnly", "{ probeCoded { id } }", False),
    ],
)
def test_lists_in_one_pass_give_what_graphql_core_gives(
    monkeypatch: pytest.MonkeyPatch, schema_query: str, query: str, one_pass: bool
) -> None:
    import strawberry

    from saas.schema.execution import SpineExecutor
    from tests.support import spine_probe

    def run(executor: Any) -> dict[str, Any]:
        result = strawberry.Schema(
            query=getattr(spine_probe, schema_query), execution_context_class=executor
        ).execute_sync(query)
        return {"data": result.data, "errors": [e.formatted for e in result.errors or []]}

    reference = run(None)
    completed: list[str] = []
    complete_object_value = SpineExecutor.complete_object_value

    def counted(self: SpineExecutor, return_type: Any, *args: Any) -> Any:
        completed.append(return_type.name)
        return complete_object_value(self, return_type, *args)

    monkeypatch.setattr(SpineExecutor, "complete_object_value", counted)
    assert run(SpineExecutor) == reference
    assert (not completed) is one_pass, completed


# --- Responses are encoded with orjson (saas/schema/view.py) -----------------------------------


async def test_responses_are_utf8_json_and_websocket_messages_stay_text(live_server, firms) -> None:  # type: ignore[no-untyped-def]
    async with httpx.AsyncClient(base_url=live_server.url) as http:
        response = await http.post(
            "/graphql",
            json={"query": "{ currentFirm { name slug } }"},
            headers={"host": firms["a"].host},
        )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {
        "data": {"currentFirm": {"name": firms["a"].name, "slug": firms["a"].slug}}
    }
    assert firms["a"].name in response.content.decode("utf-8")  # UTF-8, not \u escapes
    ws = await _open(live_server, firms["a"].host)
    try:
        query = "{ currentFirm { name } }"
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query}}))
        frame = await asyncio.wait_for(ws.recv(), timeout=10)
        assert isinstance(frame, str)  # a text frame, as graphql-transport-ws clients expect
        assert json.loads(frame)["payload"]["data"]["currentFirm"]["name"] == firms["a"].name
    finally:
        await ws.close()


def test_a_live_subscription_keeps_nothing_of_its_past_events() -> None:
    """graphql-core's per-event executor shared the subscription's memo of collected
    subfields, keyed by each event's new field lists: a live subscription kept every event's
    (the 30-minute soak's API grew 0.5 MiB a minute). Each event memoizes on its own now."""
    from graphql import build_schema, parse

    from saas.schema.execution import SpineExecutor

    schema = build_schema(
        "type Query { a: Int } type Status { id: ID, name: String } "
        "type Subscription { changed: Status }"
    )
    subscription = SpineExecutor.build(schema, parse("subscription { changed { id name } }"))
    for n in range(20):
        event = subscription.build_per_event_executor({"changed": {"id": n, "name": "x"}})
        result = event.execute_operation()
        assert result.data == {"changed": {"id": str(n), "name": "x"}}
    assert subscription._relevant_sub_fields == {}
