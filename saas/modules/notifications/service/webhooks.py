"""Webhook rules: endpoints (URL checks, topics, the signing secret), fan-out of outbox events
into deliveries, one signed attempt to a pinned address, redelivery.

A delivery is one (endpoint, event); each HTTP try is an attempt row (time, code, error,
duration). `redeliver` makes a new delivery of the same event, so the log of the old one stays.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
import socket
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import orjson
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from saas.events import claimed_events
from saas.modules.notifications.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from saas.modules.notifications.policy import (
    PRIVATE_REFUSED,
    TOPICS,
    UrlRefused,
    normalize_url,
    public_address,
)
from saas.schema.errors import LocalizedError

TIMEOUT_SECONDS = 10.0
MAX_ERROR = 500
SIGNATURE_HEADER = "X-Kabinet-Signature"
TIMESTAMP_HEADER = "X-Kabinet-Timestamp"


class WebhookError(LocalizedError):
    """An expected refusal of a webhook operation, in Russian and English."""


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """`sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">`, the X-Kabinet-Signature value."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def _checked(url: str, topics: list[str], *, allow_http: bool, private_networks: bool) -> str:
    """The normalized URL (policy.normalize_url), or a WebhookError naming the field."""
    try:
        url = normalize_url(url, allow_http=allow_http, private_networks=private_networks)
    except UrlRefused as exc:
        refusal = exc.refusal
        raise WebhookError("validation", refusal.code, refusal.ru, refusal.en, "url") from None
    if not topics:
        raise WebhookError(
            "validation",
            "NO_TOPICS",
            "Выберите хотя бы одну тему.",
            "Choose at least one topic.",
            "topics",
        )
    unknown = ", ".join(sorted(set(topics) - set(TOPICS)))
    if unknown:
        raise WebhookError(
            "validation",
            "UNKNOWN_TOPIC",
            f"Неизвестные темы: {unknown}.",
            f"Unknown topics: {unknown}.",
            "topics",
        )
    return url


async def create_endpoint(
    db: AsyncSession,
    url: str,
    topics: list[str],
    description: str,
    created_by: int | None,
    *,
    allow_http: bool = False,
    private_networks: bool = False,
) -> WebhookEndpoint:
    url = _checked(url, topics, allow_http=allow_http, private_networks=private_networks)
    endpoint = WebhookEndpoint(
        url=url,
        secret="whsec_" + secrets.token_urlsafe(32),
        topics=sorted(set(topics)),
        active=True,
        description=description.strip(),
        created_by=created_by,
    )
    db.add(endpoint)
    await db.flush()
    return endpoint


async def list_endpoints(db: AsyncSession) -> list[WebhookEndpoint]:
    """The firm's endpoints, oldest first."""
    return list((await db.execute(select(WebhookEndpoint).order_by(WebhookEndpoint.id))).scalars())


async def get_endpoint(db: AsyncSession, endpoint_id: int | None) -> WebhookEndpoint:
    found = await db.get(WebhookEndpoint, endpoint_id) if endpoint_id is not None else None
    if found is None:
        raise WebhookError(
            "not_found", "NOT_FOUND", "Адрес вебхука не найден.", "No such webhook endpoint."
        )
    return found


async def update_endpoint(
    db: AsyncSession,
    endpoint_id: int | None,
    *,
    active: bool | None,
    topics: list[str] | None,
    url: str | None,
    allow_http: bool = False,
    private_networks: bool = False,
) -> WebhookEndpoint:
    endpoint = await get_endpoint(db, endpoint_id)
    new_topics = sorted(set(topics)) if topics is not None else list(endpoint.topics)
    new_url = _checked(
        url if url is not None else endpoint.url,
        new_topics,
        allow_http=allow_http,
        private_networks=private_networks,
    )
    endpoint.url, endpoint.topics = new_url, new_topics
    if active is not None:
        endpoint.active = active
    await db.flush()
    return endpoint


async def delete_endpoint(db: AsyncSession, endpoint_id: int | None) -> None:
    await db.delete(await get_endpoint(db, endpoint_id))
    await db.flush()


async def list_deliveries(
    db: AsyncSession, endpoint_id: int | None, first: int
) -> list[WebhookDelivery]:
    stmt = select(WebhookDelivery).order_by(WebhookDelivery.id.desc()).limit(first)
    if endpoint_id is not None:
        stmt = stmt.where(WebhookDelivery.endpoint_id == endpoint_id)
    return list((await db.execute(stmt)).scalars())


async def attempts_of(db: AsyncSession, delivery_ids: list[int]) -> dict[int, list[WebhookAttempt]]:
    out: dict[int, list[WebhookAttempt]] = {i: [] for i in delivery_ids}
    if delivery_ids:
        rows = await db.execute(
            select(WebhookAttempt)
            .where(WebhookAttempt.delivery_id.in_(delivery_ids))
            .order_by(WebhookAttempt.id)
        )
        for attempt in rows.scalars():
            out[attempt.delivery_id].append(attempt)
    return out


async def deliveries_for_events(db: AsyncSession, event_ids: list[int]) -> list[int]:
    """New pending deliveries of these outbox events to every active endpoint of their topic."""
    endpoints = list(
        (await db.execute(select(WebhookEndpoint).where(WebhookEndpoint.active))).scalars()
    )
    if not endpoints or not event_ids:
        return []
    events = await claimed_events(db, event_ids)  # from the announcement's claim
    created: list[WebhookDelivery] = []
    for event in events:
        for endpoint in endpoints:
            if event.topic in endpoint.topics:
                created.append(
                    WebhookDelivery(
                        endpoint_id=endpoint.id,
                        event_id=event.id,
                        topic=event.topic,
                        payload=event.payload,
                        status="pending",
                        attempts=0,
                    )
                )
    db.add_all(created)
    await db.flush()
    return [d.id for d in created]


async def redeliver(db: AsyncSession, delivery_id: int | None) -> WebhookDelivery:
    old = await db.get(WebhookDelivery, delivery_id) if delivery_id is not None else None
    if old is None:
        raise WebhookError(
            "not_found", "NOT_FOUND", "Доставка не найдена.", "No such webhook delivery."
        )
    fresh = WebhookDelivery(
        endpoint_id=old.endpoint_id,
        event_id=old.event_id,
        topic=old.topic,
        payload=old.payload,
        status="pending",
        attempts=0,
    )
    db.add(fresh)
    await db.flush()
    return fresh


@dataclass(frozen=True)
class Outcome:
    ok: bool
    response_code: int | None
    error: str | None
    duration_ms: int


def body_of(delivery: WebhookDelivery) -> bytes:
    return orjson.dumps(
        {
            "deliveryId": delivery.id,
            "eventId": delivery.event_id,
            "topic": delivery.topic,
            "createdAt": delivery.created_at.isoformat() if delivery.created_at else None,
            "data": delivery.payload,
        }
    )


class Refused(Exception):
    """The receiver's name resolves to no address a webhook may go to."""


async def pinned_addresses(url: str, private_networks: bool) -> list[str]:
    """The addresses to connect to for `url`, in order: its host resolved once, every address
    checked (a name with one private address among public ones is refused) and then used as
    is, so a second lookup (DNS rebinding) cannot steer the request elsewhere."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise Refused(f"cannot resolve {host}: {exc}") from exc
    addresses = [str(info[4][0]) for info in infos]
    if not addresses:
        raise Refused(f"cannot resolve {host}")
    if not private_networks and not all(public_address(a) for a in addresses):
        raise Refused(f"{host}: {PRIVATE_REFUSED}")
    return list(dict.fromkeys(addresses))


async def post(
    endpoint: WebhookEndpoint,
    delivery: WebhookDelivery,
    *,
    allow_http: bool = False,
    private_networks: bool = False,
) -> Outcome:
    """One signed POST to the endpoint's pinned address (see pinned_address); any 2xx is
    success. Never raises for the receiver's failures. The stored URL passes the creation
    rules again (an endpoint stored before them, or the settings changed since)."""
    try:
        normalize_url(endpoint.url, allow_http=allow_http, private_networks=private_networks)
    except UrlRefused as exc:
        return Outcome(False, None, exc.refusal.en, 0)
    body = body_of(delivery)
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Kabinet-Webhooks/1",
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: sign(endpoint.secret, timestamp, body),
        "X-Kabinet-Event": delivery.topic,
        "X-Kabinet-Delivery": str(delivery.id),
    }
    started = time.monotonic()
    parts = urlsplit(endpoint.url)
    try:
        addresses = await pinned_addresses(endpoint.url, private_networks)
    except Refused as exc:
        return Outcome(False, None, str(exc)[:MAX_ERROR], 0)
    headers["Host"] = parts.netloc.rsplit("@", 1)[-1]
    extensions = {"sni_hostname": parts.hostname} if parts.scheme == "https" else {}
    try:
        async with httpx.AsyncClient(timeout=TIMEOUT_SECONDS, follow_redirects=False) as client:
            for index, address in enumerate(addresses):
                netloc = f"[{address}]" if ":" in address else address
                if parts.port:
                    netloc += f":{parts.port}"
                try:
                    response = await client.post(
                        urlunsplit(parts._replace(netloc=netloc)),
                        content=body,
                        headers=headers,
                        extensions=extensions,
                    )
                    break
                except httpx.ConnectError:
                    if index == len(addresses) - 1:
                        raise  # the next address, as a browser would; none left
    except httpx.HTTPError as exc:
        duration = int((time.monotonic() - started) * 1000)
        return Outcome(False, None, f"{type(exc).__name__}: {exc}"[:MAX_ERROR], duration)
    duration = int((time.monotonic() - started) * 1000)
    ok = 200 <= response.status_code < 300
    error = None if ok else f"HTTP {response.status_code}: {response.text[:200]}"
    return Outcome(ok, response.status_code, error, duration)


async def record_attempt(
    db: AsyncSession, delivery: WebhookDelivery, outcome: Outcome, final: bool
) -> None:
    db.add(
        WebhookAttempt(
            delivery_id=delivery.id,
            response_code=outcome.response_code,
            error=outcome.error,
            duration_ms=outcome.duration_ms,
        )
    )
    delivery.attempts += 1
    delivery.last_attempt_at = datetime.now(UTC)
    if outcome.ok:
        delivery.status = "succeeded"
    elif final:
        delivery.status = "failed"
    await db.flush()


def as_dict(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, dict) else {}
