"""Webhooks over GraphQL and real HTTP: a local receiver verifies the signature; a failing
endpoint is retried with backoff until it answers 200; redelivery; the delivery log; another
firm's admin sees and redelivers nothing; non-admins are refused."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson
import pytest
from dramatiq import Worker

from saas.modules.notifications import service
from saas.modules.notifications.jobs import deliver_webhook
from saas.modules.notifications.models import WebhookDelivery, WebhookEndpoint
from saas.modules.notifications.policy import PRIVATE_REFUSED, url_problem
from tests.support.jobs import live_worker
from tests.support.notifications import CREATE_ENDPOINT, DELETE_ENDPOINT, create_endpoint
from tests.support.reports import World, at, build_world, new_report, record
from tests.support.waiting import eventually

DELIVERIES = """query($e: ID) { webhookDeliveries(endpointId: $e) { id status topic payload
  attemptCount attempts { responseCode error durationMs attemptedAt } } }"""
REDELIVER = """mutation($d: ID!) { redeliverWebhook(deliveryId: $d) { __typename
  ... on WebhookDelivery { id status } ... on NotFoundError { code } } }"""
UPDATE = """mutation($input: UpdateWebhookEndpointInput!) { updateWebhookEndpoint(input: $input) {
  __typename ... on WebhookEndpoint { id active topics } ... on NotFoundError { code }
  ... on ValidationError { code } } }"""


@dataclass
class Receiver:
    url: str
    codes: list[int] = field(default_factory=list)  # answers to give first, then 200
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    box = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            box.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
            code = box.codes.pop(0) if box.codes else 200
            self.send_response(code)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    box.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield box
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def world(db_engine, firms, live_server) -> World:  # type: ignore[no-untyped-def]
    return build_world(db_engine, firms, live_server.url)


@pytest.fixture
def worker(live_server) -> Iterator[Worker]:  # type: ignore[no-untyped-def]
    """An in-process worker on the live server's broker, with a short retry backoff."""
    with live_worker(live_server, threads=2) as running:
        actor = deliver_webhook.declare(running.broker)
        saved = dict(actor.options)
        actor.options.update(min_backoff=50, max_backoff=200)
        try:
            yield running
        finally:
            actor.options.clear()
            actor.options.update(saved)


def verify(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """What an integrator does (docs/integrate.md)."""
    timestamp = headers["x-kabinet-timestamp"]
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return hmac.compare_digest(headers["x-kabinet-signature"], "sha256=" + expected.hexdigest())


def deliveries(world: World, endpoint: str) -> list[dict[str, Any]]:
    return world.admin_a.execute(DELIVERIES, {"e": endpoint})["webhookDeliveries"]


def test_signed_delivery_retried_until_it_succeeds_and_redelivered(
    world: World, receiver: Receiver, worker: Worker
) -> None:
    endpoint, secret = create_endpoint(world, receiver.url)
    listed = world.admin_a.execute("{ webhookEndpoints { id url } }")["webhookEndpoints"]
    assert {"id": endpoint, "url": receiver.url} in listed
    assert "secret" not in str(listed)
    receiver.codes = [500]  # the first try fails, the retry succeeds
    report = new_report(world.integrator_a, world.org1)
    recorded = record(world.integrator_a, report["id"], "REJECTED", at(5), text="Ошибка")
    assert recorded["__typename"] == "ReportEventRecorded", recorded

    done = eventually(
        lambda: [d for d in deliveries(world, endpoint) if d["status"] == "succeeded"],
        within=30,
        what="a succeeded delivery",
    )
    delivery = done[0]
    assert delivery["topic"] == "report.status_changed"
    assert delivery["attemptCount"] == 2
    assert [a["responseCode"] for a in delivery["attempts"]] == [500, 200]
    assert (
        "HTTP 500" in delivery["attempts"][0]["error"] and delivery["attempts"][1]["error"] is None
    )
    assert len(receiver.received) == 2
    for headers, body in receiver.received:
        assert verify(secret, headers, body)
        assert not verify("whsec_wrong", headers, body)
        payload = orjson.loads(body)
        assert payload["topic"] == "report.status_changed"
        assert payload["data"]["status"] == "rejected"
        assert payload["data"]["report_id"] == delivery["payload"]["report_id"]

    again = world.admin_a.execute(REDELIVER, {"d": delivery["id"]})["redeliverWebhook"]
    assert again["__typename"] == "WebhookDelivery" and again["id"] != delivery["id"]
    redone = eventually(
        lambda: [
            d
            for d in deliveries(world, endpoint)
            if d["id"] == again["id"] and d["status"] == "succeeded"
        ],
        within=30,
        what="the redelivery to succeed",
    )
    assert [a["responseCode"] for a in redone[0]["attempts"]] == [200]
    assert len(receiver.received) == 3 and verify(secret, *receiver.received[2])
    assert (
        orjson.loads(receiver.received[2][1])["eventId"]
        == orjson.loads(receiver.received[0][1])["eventId"]
    )

    # Inactive endpoints get nothing new.
    off = world.admin_a.execute(UPDATE, {"input": {"id": endpoint, "active": False}})
    assert off["updateWebhookEndpoint"] == {
        "__typename": "WebhookEndpoint",
        "id": endpoint,
        "active": False,
        "topics": ["report.status_changed"],
    }
    before = len(deliveries(world, endpoint))
    record(world.integrator_a, report["id"], "ACCEPTED", at(50))
    time.sleep(1.0)  # the point: a delivery that must not come would have come by now
    assert len(deliveries(world, endpoint)) == before

    # Firm B's admin: nothing of firm A is visible or redeliverable.
    assert world.admin_b.execute(DELIVERIES, {"e": endpoint})["webhookDeliveries"] == []
    assert world.admin_b.execute(DELIVERIES, {"e": None})["webhookDeliveries"] == []
    assert world.admin_b.execute("{ webhookEndpoints { id } }")["webhookEndpoints"] == []
    refused = world.admin_b.execute(REDELIVER, {"d": delivery["id"]})["redeliverWebhook"]
    assert refused == {"__typename": "NotFoundError", "code": "NOT_FOUND"}
    assert (
        world.admin_b.execute(DELETE_ENDPOINT, {"id": endpoint})["deleteWebhookEndpoint"][
            "__typename"
        ]
        == "NotFoundError"
    )
    assert len(deliveries(world, endpoint)) == before

    gone = world.admin_a.execute(DELETE_ENDPOINT, {"id": endpoint})["deleteWebhookEndpoint"]
    assert gone == {"__typename": "WebhookEndpointDeleted", "id": endpoint}
    assert deliveries(world, endpoint) == []


def test_validation_and_permissions(world: World) -> None:
    bad = world.admin_a.execute(
        CREATE_ENDPOINT,
        {"input": {"url": "ftp://example.test/x", "topics": ["report.status_changed"]}},
    )["createWebhookEndpoint"]
    assert bad == {"__typename": "ValidationError", "code": "INVALID_URL", "field": "url"}
    bad = world.admin_a.execute(
        CREATE_ENDPOINT, {"input": {"url": "https://example.test/x", "topics": ["nope"]}}
    )["createWebhookEndpoint"]
    assert bad == {"__typename": "ValidationError", "code": "UNKNOWN_TOPIC", "field": "topics"}
    # A client user holds no webhooks:manage.
    response = world.client1.raw("{ webhookEndpoints { id } }")
    errors = response["errors"]
    assert errors and errors[0]["extensions"]["code"] == "FORBIDDEN"


@pytest.mark.parametrize(
    ("url", "refused"),
    [
        ("https://hooks.example.com/kabinet", False),
        ("https://203.0.113.5/x", True),  # documentation range: not global
        ("http://8.8.8.8/x", False),
        ("http://10.1.2.3/x", True),
        ("http://192.168.0.10:8080/x", True),
        ("http://127.0.0.1:9000/x", True),
        ("http://localhost/x", True),
        ("http://api.localhost/x", True),
        ("http://169.254.169.254/latest/meta-data", True),  # cloud metadata
        ("http://[::1]/x", True),
        ("http://[fd00::1]/x", True),
        ("http://[::ffff:10.0.0.1]/x", True),  # IPv4-mapped private
        ("http://[2001:4860:4860::8888]/x", False),
    ],
)
def test_private_addresses_are_refused_unless_allowed(url: str, refused: bool) -> None:
    problem = url_problem(url)
    assert (problem == PRIVATE_REFUSED) is refused, (url, problem)
    assert url_problem(url, private_networks=True) is None


def test_delivery_to_a_name_resolving_privately_is_refused(receiver: Receiver) -> None:
    """A name is checked when delivering, against what it resolves to (here localhost →
    loopback): refused without a request; allowed, the request goes to the pinned address
    with the name kept in the Host header."""
    port = receiver.url.split(":")[2].split("/")[0]
    endpoint = WebhookEndpoint(url=f"http://localhost:{port}/hook", secret="whsec_test")
    delivery = WebhookDelivery(id=1, event_id=1, topic="report.status_changed", payload={})

    refused = asyncio.run(service.post(endpoint, delivery, allow_http=True))
    assert not refused.ok and refused.response_code is None
    assert PRIVATE_REFUSED in (refused.error or "")
    assert receiver.received == []

    allowed = asyncio.run(service.post(endpoint, delivery, allow_http=True, private_networks=True))
    assert allowed.ok and allowed.response_code == 200, allowed
    headers, body = receiver.received[0]
    assert headers["host"] == f"localhost:{port}"
    assert verify("whsec_test", headers, body)
