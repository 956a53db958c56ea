"""Webhook rules (endpoints, signing, fan-out of outbox events into deliveries, one attempt),
then in-app notifications (who is notified of what, read state, batched e-mail; see below).

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
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import orjson
from sqlalchemy import Select, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from saas.core.commit import after_commit
from saas.db.core_models import OutboxEvent
from saas.modules.clients.models import ClientContact, ClientGrant, ClientOrganization
from saas.modules.clients.policy import ClientModule
from saas.modules.notifications.models import (
    Notification,
    NotificationPreference,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
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
    events = (
        await db.execute(
            select(OutboxEvent).where(OutboxEvent.id.in_(event_ids)).order_by(OutboxEvent.id)
        )
    ).scalars()
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


# ------------------------------------------------------------------- in-app notifications
#
# A rejection or clarification request of a report notifies, in the transaction that records
# the event (`notify_report_event`, called by reports.service.record_report_event, so the
# API, the import job and the demo all notify and a rolled-back row notifies nobody):
#   - every active contact of the organization holding the 'reports' grant (enabled for it),
#   - the report's responsible manager,
# one row per person (deduplicated; a duplicate event adds nothing: unique person + event).
# After that transaction commits, the batched e-mail job is scheduled (jobs.py).


class NotificationKind(StrEnum):
    REPORT_REJECTED = "report_rejected"
    CLARIFICATION_REQUESTED = "clarification_requested"


# report event kind -> notification kind
REPORT_EVENT_KINDS: dict[str, NotificationKind] = {
    "rejected": NotificationKind.REPORT_REJECTED,
    "clarification_requested": NotificationKind.CLARIFICATION_REQUESTED,
}
CLIENT, STAFF = "client", "staff"

TITLES: dict[str, tuple[str, str]] = {
    NotificationKind.REPORT_REJECTED: ("Отчёт отклонён", "Report rejected"),
    NotificationKind.CLARIFICATION_REQUESTED: ("Требуются пояснения", "Clarification requested"),
}
MONTHS_EN = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


class NotificationError(LocalizedError):
    """An expected refusal about in-app notifications."""


def report_recipients_statement(organization_id: int) -> Select[Any]:
    """Person ids of the organization's active contacts that may read its reports."""
    return (
        select(ClientContact.person_id)
        .join(ClientGrant, ClientGrant.contact_id == ClientContact.id)
        .join(ClientOrganization, ClientOrganization.id == ClientContact.organization_id)
        .where(
            ClientContact.organization_id == organization_id,
            ClientContact.status == "active",
            ClientOrganization.status == "active",
            ClientGrant.module == ClientModule.REPORTS.value,
            ClientGrant.module == func.any(ClientOrganization.enabled_modules),
        )
    )


async def notify_report_event(session: AsyncSession, report: Any, event: Any) -> int:
    """Notifications of a newly recorded report event (none for other kinds); how many."""
    kind = REPORT_EVENT_KINDS.get(event.kind)
    if kind is None:
        return 0
    recipients: dict[int, str] = {
        int(p): CLIENT
        for p in (await session.execute(report_recipients_statement(report.organization_id)))
        .scalars()
        .all()
    }
    if report.manager_person_id is not None:
        recipients[int(report.manager_person_id)] = STAFF
    if not recipients:
        return 0
    org_name = await session.scalar(
        select(ClientOrganization.name).where(ClientOrganization.id == report.organization_id)
    )
    payload = {
        "form_code": report.form_code,
        "period_year": report.period_year,
        "period_code": report.period_code,
        "correction": report.correction,
        "organization_name": org_name or "",
        "text": event.text or "",
        "reason_code": event.reason_code,
        "occurred_at": event.occurred_at.isoformat(),
    }
    inserted = (
        await session.execute(
            pg_insert(Notification)
            .values(
                [
                    {
                        "person_id": person_id,
                        "audience": audience,
                        "kind": kind.value,
                        "organization_id": report.organization_id,
                        "report_id": report.id,
                        "event_id": event.id,
                        "payload": payload,
                    }
                    for person_id, audience in sorted(recipients.items())
                ]
            )
            .on_conflict_do_nothing(constraint="uq_notifications_person_event")
            .returning(Notification.id)
        )
    ).all()
    if inserted:
        schedule_mail_after_commit(session)
    return len(inserted)


# ----------------------------------------------------------------------- after the commit

_MAIL_KEY = "notifications.mail"


def schedule_mail_after_commit(session: AsyncSession) -> None:
    """Enqueue the batched e-mail job once this session's transaction commits (once per
    transaction however many notifications it wrote; nothing if it rolls back). A failed
    enqueue loses nothing: the rows stay un-mailed and the next run sends them."""
    tenant = session.sync_session.info.get("tenant")
    if tenant is None:
        return

    async def enqueue() -> None:
        from saas.modules.notifications.jobs import schedule_mails

        await schedule_mails(tenant)

    after_commit(session, enqueue, key=_MAIL_KEY)


# ------------------------------------------------------------------------------- reading


def own_notifications(person_id: int, actor_client_orgs: frozenset[int] | None) -> Select[Any]:
    """The person's notifications. For a client user (`actor_client_orgs` given) only those
    of organizations where it still may read reports: losing the grant hides them."""
    stmt = select(Notification).where(Notification.person_id == person_id)
    if actor_client_orgs is not None:
        granted = (
            report_recipients_statement_for(person_id, actor_client_orgs)
            .with_only_columns(ClientContact.organization_id)
            .scalar_subquery()
        )
        stmt = stmt.where(
            (Notification.audience == STAFF) | Notification.organization_id.in_(granted)
        )
    return stmt


def report_recipients_statement_for(person_id: int, org_ids: frozenset[int]) -> Select[Any]:
    from saas.modules.clients.service import grants_statement

    return grants_statement(person_id, org_ids or {-1}).where(
        ClientGrant.module == ClientModule.REPORTS.value
    )


async def unread_count(
    session: AsyncSession, person_id: int, actor_client_orgs: frozenset[int] | None
) -> int:
    stmt = own_notifications(person_id, actor_client_orgs).where(Notification.read_at.is_(None))
    return int(await session.scalar(stmt.with_only_columns(func.count()).order_by(None)) or 0)


async def mark_read(
    session: AsyncSession,
    person_id: int,
    actor_client_orgs: frozenset[int] | None,
    ids: list[int | None] | None,
    everything: bool,
) -> int:
    """Mark the person's notifications read: `ids` (each must be its own, else NOT_FOUND and
    nothing changes) or all of them. Returns the unread count after."""
    if not everything and ids is None:
        raise NotificationError(
            "validation",
            "NOTHING_TO_MARK",
            "Укажите уведомления или all: true.",
            "Give notification ids or all: true.",
            "ids",
        )
    mine = own_notifications(person_id, actor_client_orgs)
    if everything:
        target = mine.with_only_columns(Notification.id)
    else:
        wanted = {i for i in ids or [] if i is not None}
        found = set(
            (
                await session.execute(
                    mine.with_only_columns(Notification.id).where(Notification.id.in_(wanted))
                )
            ).scalars()
        )
        if None in (ids or []) or found != wanted:
            raise NotificationError(
                "not_found",
                "NOT_FOUND",
                "Уведомление не найдено.",
                "Notification not found.",
                "ids",
            )
        target = select(Notification.id).where(Notification.id.in_(found))
    await session.execute(
        update(Notification)
        .where(Notification.id.in_(target.scalar_subquery()), Notification.read_at.is_(None))
        .values(read_at=func.now())
        .execution_options(synchronize_session=False)
    )
    return await unread_count(session, person_id, actor_client_orgs)


# ---------------------------------------------------------------------------- preferences
#
# Per person and firm (the table is in the tenant schema: the same person in two firms has two
# independent sets), per kind: whether it also comes by e-mail. No row = the default (on), so
# nobody who never opened the settings notices anything. In-app notifications are not
# switchable (see NotificationPreference). The e-mail job reads the choice when it sends.

EMAIL_DEFAULT = True


async def email_choices(session: AsyncSession, person_id: int) -> dict[str, bool]:
    """Kind -> e-mail on, for every kind the module emits (defaults filled in)."""
    stored = dict(
        (
            await session.execute(
                select(NotificationPreference.kind, NotificationPreference.email).where(
                    NotificationPreference.person_id == person_id
                )
            )
        ).all()
    )
    return {kind.value: bool(stored.get(kind.value, EMAIL_DEFAULT)) for kind in NotificationKind}


async def set_email_choices(
    session: AsyncSession, person_id: int, changes: list[tuple[str, bool | None]]
) -> dict[str, bool]:
    """Apply (kind, e-mail on; None = unchanged) pairs for the person; all or nothing.
    Returns every kind's choice after."""
    if not changes:
        raise NotificationError(
            "validation",
            "NOTHING_TO_CHANGE",
            "Укажите хотя бы один вид уведомлений.",
            "Give at least one kind of notification.",
            "preferences",
        )
    kinds = [kind for kind, _ in changes]
    unknown = sorted(set(kinds) - {k.value for k in NotificationKind})
    if unknown:
        raise NotificationError(
            "validation",
            "UNKNOWN_KIND",
            f"Неизвестный вид уведомлений: {', '.join(unknown)}.",
            f"Unknown kind of notification: {', '.join(unknown)}.",
            "preferences",
        )
    if len(set(kinds)) != len(kinds):
        raise NotificationError(
            "validation",
            "DUPLICATE_KIND",
            "Каждый вид уведомлений можно указать только один раз.",
            "Give each kind of notification only once.",
            "preferences",
        )
    rows = [
        {"person_id": person_id, "kind": kind, "email": email}
        for kind, email in changes
        if email is not None
    ]
    if rows:
        statement = pg_insert(NotificationPreference).values(rows)
        await session.execute(
            statement.on_conflict_do_update(
                index_elements=[NotificationPreference.person_id, NotificationPreference.kind],
                set_={"email": statement.excluded.email, "updated_at": func.now()},
            )
        )
    return await email_choices(session, person_id)


async def email_muted_kinds(session: AsyncSession, person_id: int) -> set[str]:
    """The kinds the person switched e-mail off for (read by the e-mail job at send time)."""
    return set(
        (
            await session.execute(
                select(NotificationPreference.kind).where(
                    NotificationPreference.person_id == person_id,
                    NotificationPreference.email.is_(False),
                )
            )
        ).scalars()
    )


# ------------------------------------------------------------------------------ rendering


def period_label(year: int, code: str, lang: str) -> str:
    if code.startswith("Q"):
        return f"{code} {year}" if lang == "en" else f"{code[1]} кв. {year}"
    if code.isdigit():
        return f"{MONTHS_EN[int(code) - 1]} {year}" if lang == "en" else f"{code}.{year}"
    if code == "Y":
        return str(year) if lang == "en" else f"{year} год"
    return str(year)


def title_of(kind: str, payload: dict[str, Any], lang: str) -> str:
    from saas.modules.reports.catalog import form_of

    ru, en = TITLES.get(kind, ("Уведомление", "Notification"))
    form = form_of(str(payload.get("form_code", "")))
    form_name = form.name(lang) if form else str(payload.get("form_code", ""))
    period = period_label(
        int(payload.get("period_year") or 0), str(payload.get("period_code")), lang
    )
    return f"{en if lang == 'en' else ru}: {form_name}, {period}"


def body_of_notification(payload: dict[str, Any], lang: str) -> str:
    parts = [str(payload.get("organization_name") or "")]
    if payload.get("text"):
        parts.append(str(payload["text"]))
    if payload.get("reason_code"):
        parts.append(("Code " if lang == "en" else "Код ") + str(payload["reason_code"]))
    return ". ".join(p for p in parts if p)


def link_of(notification: Notification) -> str:
    """The cabinet path of what the notification is about, for its audience."""
    if notification.report_id is None:
        return "/"
    if notification.audience == CLIENT and notification.organization_id is not None:
        return f"/cabinet/{notification.organization_id}/reports/{notification.report_id}"
    return f"/reports/{notification.report_id}"


# ----------------------------------------------------------------------- batched e-mails


async def mail_due(session: AsyncSession, quiet_seconds: float) -> tuple[list[int], float | None]:
    """(persons whose un-mailed notifications are due, seconds until the next is due).

    A person's batch is due once no notification arrived for `quiet_seconds`, or once its
    oldest waited 10x that long (a steady trickle still gets mailed)."""
    now = await session.scalar(select(func.now()))
    assert now is not None
    rows = (
        await session.execute(
            select(
                Notification.person_id,
                func.min(Notification.created_at),
                func.max(Notification.created_at),
            )
            .where(Notification.emailed_at.is_(None))
            .group_by(Notification.person_id)
        )
    ).all()
    due: list[int] = []
    wait: float | None = None
    quiet = timedelta(seconds=quiet_seconds)
    for person_id, oldest, newest in rows:
        if now - newest >= quiet or now - oldest >= 10 * quiet:
            due.append(int(person_id))
        else:
            left = (quiet - (now - newest)).total_seconds()
            wait = left if wait is None else min(wait, left)
    return due, wait


async def claim_unmailed(session: AsyncSession, person_id: int) -> list[Notification]:
    """The person's un-mailed notifications, locked (another run skips them), oldest first."""
    return list(
        (
            await session.execute(
                select(Notification)
                .where(Notification.person_id == person_id, Notification.emailed_at.is_(None))
                .order_by(Notification.id)
                .with_for_update(skip_locked=True)
            )
        ).scalars()
    )
