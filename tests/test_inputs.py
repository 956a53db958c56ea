"""Incoming strings are checked at the edge, in one place (saas.schema.inputs): a NUL or
another control character, a lone surrogate or a string over its limit answers BAD_INPUT
naming the argument, in the caller's language, and nothing of the operation runs (these
were INTERNAL: PostgreSQL refuses U+0000). Free text keeps its line breaks; an import file
with a NUL refuses that row alone."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from graphql import GraphQLInputObjectType, GraphQLObjectType

from saas.schema.inputs import DEFAULT_MAX_CHARS, FILE, LINE, RULES, check_text
from saas.schema.root import build_schema
from tests.support.auth import login
from tests.support.client import GraphQLClient
from tests.support.clients import llc
from tests.support.live import SUBSCRIBE, open_socket

ORGS = "query($s: String) { clientOrganizations(first: 5, search: $s) { edges { node { id } } } }"
CREATE_ORG = """mutation($i: CreateClientOrganizationInput!) { createClientOrganization(input: $i)
  { __typename ... on ClientOrganization { id } ... on Error { code message } } }"""


@pytest.fixture
def admin(client, firms, people) -> GraphQLClient:  # type: ignore[no-untyped-def]
    c = client(firms["a"].host)
    login(c, people["a"].admin.email, people["a"].admin.password)
    return c


def refusal(result: dict[str, Any]) -> dict[str, Any]:
    assert result.get("data") is None, result
    (error,) = result["errors"]
    assert error["extensions"]["code"] == "BAD_INPUT", error
    return error


def test_a_nul_in_a_search_is_bad_input_in_the_callers_language(admin: GraphQLClient) -> None:
    en = refusal(admin.raw(ORGS, {"s": "Ром\x00ашка"}, headers={"accept-language": "en"}))
    assert en["extensions"] == {
        "code": "BAD_INPUT",
        "field": "Query.clientOrganizations",
        "argument": "search",
        "reason": "CONTROL_CHARACTER",
        "position": 3,
    }
    assert "`search`" in en["message"] and "U+0000" in en["message"], en
    ru = refusal(admin.raw(ORGS, {"s": "\x00"}, headers={"accept-language": "ru"}))
    assert "управляющий символ U+0000" in ru["message"], ru
    # The same string written in the document itself.
    literal = refusal(admin.raw('{ reports(first: 1, formCode: "vat\\u0000") { totalCount } }'))
    assert literal["extensions"]["argument"] == "formCode", literal
    assert literal["locations"], literal


def test_a_nul_inside_an_input_refuses_the_mutation_whole(admin: GraphQLClient, db_engine) -> None:  # type: ignore[no-untyped-def]
    name = "Ромашка NUL test"
    for field, value in (("name", f"{name}\x00"), ("inn", "77\x0007")):
        data = {**llc(name), field: value}
        error = refusal(admin.raw(CREATE_ORG, {"i": data}))
        assert error["extensions"]["argument"] == f"input.{field}", error
        assert error["extensions"]["field"] == "Mutation.createClientOrganization", error
    found = admin.execute(ORGS, {"s": name})["clientOrganizations"]["edges"]
    assert found == []  # nothing was created


def test_other_control_characters_and_line_breaks(admin: GraphQLClient) -> None:
    # A one-line value (a search, a name) holds no control character at all...
    for char in ("\x01", "\x1b", "\x7f", "\n", "\t"):
        error = refusal(admin.raw(ORGS, {"s": f"a{char}b"}))
        assert error["extensions"]["reason"] == "CONTROL_CHARACTER", (char, error)
    # ...free text keeps its line breaks and tabs.
    result = admin.raw(
        """mutation($d: String) { createRole(name: "inputs-role", description: $d,
             permissions: [{object: "reports", action: "read"}])
           { __typename ... on Error { code message } } }""",
        {"d": "Первая строка\r\nвторая\tстрока"},
    )
    assert "errors" not in result, result
    error = refusal(
        admin.raw(
            'mutation { createRole(name: "inputs-role-2", description: "bell\\u0007",'
            " permissions: []) { __typename } }"
        )
    )
    assert error["extensions"]["argument"] == "description", error


def test_strings_over_the_limit(admin: GraphQLClient) -> None:
    error = refusal(admin.raw(ORGS, {"s": "я" * (DEFAULT_MAX_CHARS + 1)}))
    assert error["extensions"]["reason"] == "TOO_LONG", error
    assert error["extensions"]["limit"] == DEFAULT_MAX_CHARS, error
    # A list of strings: each item is checked, the path names it.
    error = refusal(
        admin.raw(
            'mutation($r: [String!]!) { inviteStaff(email: "x@example.com", roles: $r)'
            " { __typename } }",
            {"r": ["manager", "x" * 5000]},
        )
    )
    assert error["extensions"]["argument"] == "roles[1]", error
    assert admin.execute(ORGS, {"s": "я" * 100})["clientOrganizations"]["edges"] == []


def test_variable_defaults_and_fragments_are_checked(admin: GraphQLClient) -> None:
    error = refusal(
        admin.raw(
            'query($s: String = "a\\u0000") { ...F } '
            "fragment F on Query { clientOrganizations(first: 1, search: $s) { totalCount } }"
        )
    )
    assert error["extensions"]["argument"] == "search", error


async def test_a_subscription_argument_is_checked_too(live_server, firms, people) -> None:  # type: ignore[no-untyped-def]
    c = GraphQLClient(live_server.url, firms["a"].host)
    login(c, people["a"].admin.email, people["a"].admin.password)
    headers = {k: v for k, v in c.headers().items() if k != "host"}
    c.close()
    ws = await open_socket(live_server.port, firms["a"].host, headers)
    try:
        payload = {"query": SUBSCRIBE, "variables": {"org": "Q2xp\x00"}}
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        message = json.loads(await asyncio.wait_for(ws.recv(), 10))
    finally:
        await ws.close()
    payload = message["payload"]
    errors = payload if isinstance(payload, list) else payload["errors"]
    assert errors[0]["extensions"]["code"] == "BAD_INPUT", message
    assert errors[0]["extensions"]["argument"] == "organizationId", message


def test_every_rule_names_a_position_of_the_schema() -> None:
    schema = build_schema()._schema
    for coordinate in RULES:
        if "(" in coordinate:
            type_name, rest = coordinate.split(".", 1)
            field, argument = rest.rstrip(":)").split("(")
            owner = schema.get_type(type_name)
            assert isinstance(owner, GraphQLObjectType), coordinate
            assert argument in owner.fields[field].args, coordinate
        else:
            type_name, field = coordinate.split(".")
            owner = schema.get_type(type_name)
            assert isinstance(owner, GraphQLInputObjectType), coordinate
            assert field in owner.fields, coordinate


def test_lone_surrogates_are_refused_everywhere() -> None:
    """The HTTP and WebSocket JSON parsers refuse "\\ud800" today; the rule does not rely
    on them (a surrogate cannot be stored as UTF-8), not even in an import file."""
    for rule in (LINE, FILE):
        assert check_text("a\ud800", rule) == (
            "INVALID_UNICODE",
            {"char": "U+D800", "position": 1},
        )
    assert check_text("a\x00b", FILE) is None  # the import refuses that row alone
