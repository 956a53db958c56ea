"""Webhook URLs are normalized and refused at creation and on update, over GraphQL, by an app
set up as production is (HTTPS only, no private receivers): every spelling of a loopback,
private or link-local address, CR/LF and other control characters, plain HTTP. The stored URL
is the normalized one; delivery applies the same rules to what is stored."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest

from saas.jobs import current_runtime_or_none, restore_jobs
from saas.modules.notifications import service
from saas.modules.notifications.models import WebhookDelivery, WebhookEndpoint
from saas.settings import Settings
from tests.support.client import GraphQLClient
from tests.support.reports import World, build_world
from tests.support.server import LiveServer

CREATE = """mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) {
  __typename ... on WebhookEndpointCreated { endpoint { id url } }
  ... on ValidationError { code field message } } }"""
UPDATE = """mutation($input: UpdateWebhookEndpointInput!) { updateWebhookEndpoint(input: $input) {
  __typename ... on WebhookEndpoint { id url } ... on ValidationError { code field } } }"""
ENDPOINTS = "{ webhookEndpoints { id url } }"
TOPICS = ["report.status_changed"]

LOOPBACK_AND_PRIVATE = [
    "https://127.1/hook",
    "https://2130706433/hook",
    "https://0x7f000001/hook",
    "https://0177.0.0.1/hook",
    "https://0x7f.1/hook",
    "https://017700000001/hook",
    "https://0/hook",
    "https://0.0.0.0/hook",
    "https://127.0.0.1./hook",
    "https://[::ffff:127.0.0.1]/hook",
    "https://[::ffff:7f00:1]/hook",
    "https://[::1]/hook",
    "https://[::]/hook",
    "https://[::127.0.0.1]/hook",
    "https://[64:ff9b::a00:1]/hook",
    "https://[fe80::1]/hook",
    "https://[fd00::1]/hook",
    "https://169.254.169.254/latest/meta-data",
    "https://169.254.1.1/hook",
    "https://10.0.0.1/hook",
    "https://012.0.0.1/hook",
    "https://172.16.5.4/hook",
    "https://192.168.1.1/hook",
    "https://0xc0a80101/hook",
    "https://100.64.0.1/hook",
    "https://localhost/hook",
    "https://LocalHost./hook",
    "https://api.localhost/hook",
]
CONTROL = [
    "https://hooks.example.com/a\r\nX-Injected: 1",
    "https://hooks.example.com/a\nb",
    "https://hooks.example.com/a\rb",
    "https://hooks.example.com/a\tb",
    "https://hooks.example.com/a b",
    "https://hooks.example.com/a\x00b",
    "https://hooks.example.com/a\x7fb",
    "https://hooks.example.com/a\u2028b",
    "https://hooks.exa\u00a0mple.com/",
    "https://hooks.example.com\r\n/",
]


@pytest.fixture(scope="module")
def world(db_engine, firms, live_server) -> World:  # type: ignore[no-untyped-def]
    return build_world(db_engine, firms, live_server.url)


@pytest.fixture(scope="module")
def production_like(settings: Settings) -> Iterator[LiveServer]:
    """A second app on the same database, with production's webhook rules."""
    from saas.app import create_app

    strict = dataclasses.replace(settings, webhook_allow_http=False, webhook_private_networks=False)
    previous = current_runtime_or_none()
    server = LiveServer(create_app(strict)).start()
    restore_jobs(previous)  # later tests' jobs keep running on the main live server
    yield server
    previous = current_runtime_or_none()
    server.stop()
    restore_jobs(previous)


@pytest.fixture(scope="module")
def admin(world: World, production_like: LiveServer) -> GraphQLClient:
    """Firm A's admin, on the production-like app (the same session)."""
    c = GraphQLClient(production_like.url, world.admin_a.host)
    c.cookies.update(world.admin_a.cookies)
    return c


def create(c: GraphQLClient, url: str, **headers: str) -> dict[str, Any]:
    result = c.execute(CREATE, {"input": {"url": url, "topics": TOPICS}}, headers=headers)
    return result["createWebhookEndpoint"]


def stored_urls(c: GraphQLClient) -> set[str]:
    return {e["url"] for e in c.execute(ENDPOINTS)["webhookEndpoints"]}


@pytest.mark.parametrize("url", LOOPBACK_AND_PRIVATE)
def test_every_spelling_of_a_private_address_is_refused_at_creation(
    admin: GraphQLClient, url: str
) -> None:
    before = stored_urls(admin)
    refused = create(admin, url)
    assert refused["__typename"] == "ValidationError", (url, refused)
    assert (refused["code"], refused["field"]) == ("INVALID_URL", "url")
    assert "Частные" in refused["message"]  # Russian by default
    assert stored_urls(admin) == before


@pytest.mark.parametrize("url", CONTROL)
def test_control_characters_and_whitespace_inside_are_refused(
    admin: GraphQLClient, url: str
) -> None:
    refused = create(admin, url, **{"accept-language": "en"})
    assert refused["__typename"] == "ValidationError", (url, refused)
    assert (refused["code"], refused["field"]) == ("INVALID_URL", "url")
    assert "control characters" in refused["message"]


def test_http_is_refused_in_production_and_the_stored_url_is_normalized(
    admin: GraphQLClient, world: World
) -> None:
    refused = create(admin, "http://hooks.example.com/kabinet", **{"accept-language": "en"})
    assert (refused["__typename"], refused["code"], refused["field"]) == (
        "ValidationError",
        "INVALID_URL",
        "url",
    )
    assert "HTTPS" in refused["message"]

    made = create(admin, "  HTTPS://Hooks.Example.COM:443/kabinet?x=1  ")
    assert made["__typename"] == "WebhookEndpointCreated", made
    endpoint = made["endpoint"]
    assert endpoint["url"] == "https://hooks.example.com/kabinet?x=1"
    assert "https://hooks.example.com/kabinet?x=1" in stored_urls(world.admin_a)
    ip = create(admin, "https://8.8.8.8:8443")
    assert ip["endpoint"]["url"] == "https://8.8.8.8:8443/"

    # Updating runs the same rules: refused spellings, CR/LF and http are refused, the
    # stored URL stays; an accepted one is stored normalized.
    for bad in ("https://127.1/x", "https://hooks.example.com/\r\n", "http://hooks.example.com/"):
        answer = admin.execute(UPDATE, {"input": {"id": endpoint["id"], "url": bad}})
        assert answer["updateWebhookEndpoint"] == {
            "__typename": "ValidationError",
            "code": "INVALID_URL",
            "field": "url",
        }, bad
    changed = admin.execute(
        UPDATE, {"input": {"id": endpoint["id"], "url": "https://[2001:4860:4860:0::8888]/h"}}
    )["updateWebhookEndpoint"]
    assert changed == {
        "__typename": "WebhookEndpoint",
        "id": endpoint["id"],
        "url": ("https://[2001:4860:4860::8888]/h"),
    }

    # The development app (tests' default: HTTP and private receivers allowed) takes the
    # same spelling, normalized: a stored URL is always the canonical one.
    dev = create(world.admin_a, "http://0x7f000001:9/hook")
    assert dev["endpoint"]["url"] == "http://127.0.0.1:9/hook"


def test_delivery_applies_the_same_rules_to_a_stored_url() -> None:
    """An endpoint stored before the rules (or the settings changed since) is refused at
    delivery without a request, by the same classification."""
    delivery = WebhookDelivery(id=1, event_id=1, topic="report.status_changed", payload={})
    for url in ("http://hooks.example.com/x", "https://2130706433/x", "https://a.test/\r\nX: 1"):
        outcome = asyncio.run(service.post(WebhookEndpoint(url=url, secret="s"), delivery))
        assert not outcome.ok and outcome.response_code is None and outcome.error, url


def test_http_is_allowed_by_default_only_outside_production(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("SAAS_WEBHOOK_ALLOW_HTTP", raising=False)
    for environment, allowed in (("production", False), ("development", True), ("test", True)):
        monkeypatch.setenv("SAAS_ENV", environment)
        assert Settings.from_env().webhook_allow_http is allowed, environment
    monkeypatch.setenv("SAAS_ENV", "production")
    monkeypatch.setenv("SAAS_WEBHOOK_ALLOW_HTTP", "1")
    assert Settings.from_env().webhook_allow_http is True
