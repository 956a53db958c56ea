"""In-app notifications: who is notified of what, reading and read state, the texts, and
the batched e-mail's selection (the job is in jobs.py).

A rejection or clarification request of a report notifies, in the transaction that records
the event (`notify_report_event`, called by reports.service.timeline.record_report_event, so
the API, the import job and the demo all notify and a rolled-back row notifies nobody):
  - every active contact of the organization holding the 'reports' grant (enabled for it),
  - the report's responsible manager,
one row per person (deduplicated; a duplicate event adds nothing: unique person + event).
After that transaction commits, the batched e-mail job is scheduled (jobs.py).
"""

from __future__ import annotations

import base64
from datetime import timedelta
from enum import StrEnum
from typing import Any
from urllib.parse import quote

from sqlalchemy import (
    JSON,
    BigInteger,
    Select,
    String,
    bindparam,
    func,
    insert,
    literal,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from saas.core.actor import Actor, organization_filter
from saas.core.commit import after_commit
from saas.modules.clients.models import ClientContact, ClientGrant, ClientOrganization
from saas.modules.clients.policy import ClientModule
from saas.modules.clients.service import grants_statement
from saas.modules.notifications.models import Notification
from saas.modules.reports.catalog import form_of
from saas.schema.errors import LocalizedError


class NotificationKind(StrEnum):
    REPORT_REJECTED = "report_rejected"
    CLARIFICATION_REQUESTED = "clarification_requested"
    CHAT_MESSAGE = "chat_message"
    CHAT_NOTICE = "chat_notice"
    CHAT_NOTICE_REMINDER = "chat_notice_reminder"
    REQUEST_DEADLINE_WARNING = "request_deadline_warning"


# report event kind -> notification kind
REPORT_EVENT_KINDS: dict[str, NotificationKind] = {
    "rejected": NotificationKind.REPORT_REJECTED,
    "clarification_requested": NotificationKind.CLARIFICATION_REQUESTED,
}
CLIENT, STAFF = "client", "staff"

TITLES: dict[str, tuple[str, str]] = {
    NotificationKind.REPORT_REJECTED: ("Отчёт отклонён", "Report rejected"),
    NotificationKind.CLARIFICATION_REQUESTED: ("Требуются пояснения", "Clarification requested"),
    NotificationKind.CHAT_MESSAGE: ("Новое сообщение в чате", "New message in the chat"),
    NotificationKind.CHAT_NOTICE: ("Новое уведомление в чате", "New notice in the chat"),
    NotificationKind.CHAT_NOTICE_REMINDER: (
        "Напоминание: уведомление ждёт вашего ответа",
        "Reminder: a notice awaits your answer",
    ),
    NotificationKind.REQUEST_DEADLINE_WARNING: (
        "Крайний срок заявки через рабочий день",
        "A request's hard deadline is one business day away",
    ),
}
CHAT_KINDS = frozenset(
    {
        NotificationKind.CHAT_MESSAGE,
        NotificationKind.CHAT_NOTICE,
        NotificationKind.CHAT_NOTICE_REMINDER,
    }
)
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


async def notify_people(
    session: AsyncSession,
    kind: NotificationKind,
    recipients: dict[int, str],
    organization_id: int,
    payload: dict[str, Any],
) -> int:
    """In-app notifications of `kind` for `recipients` (person id -> audience 'client' or
    'staff') about an organization, in the caller's transaction (another module's event, e.g.
    a chat message: `payload` holds its `text`, `organization_name` and what `link_of` needs);
    the batched e-mail follows the commit, honoring each person's preferences."""
    if not recipients:
        return 0
    # One row per recipient from two arrays (unnest), the payload sent once: a multi-row
    # VALUES of 1,000 contacts (a chat message to a whole organization) compiled 5,000
    # parameters and encoded the payload 1,000 times before the message's event could go.
    people = sorted(recipients.items())
    rows = (
        func.unnest(
            bindparam("people", [p for p, _ in people], type_=ARRAY(BigInteger)),
            bindparam("audiences", [a for _, a in people], type_=ARRAY(String)),
        )
        .table_valued("person_id", "audience")
        .render_derived()
    )
    await session.execute(
        insert(Notification).from_select(
            ["person_id", "audience", "kind", "organization_id", "payload"],
            select(
                rows.c.person_id,
                rows.c.audience,
                literal(kind.value, String),
                literal(organization_id, BigInteger),
                bindparam("payload", payload, type_=JSON),
            ),
        )
    )
    schedule_mail_after_commit(session)
    return len(recipients)


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
        from saas.modules.notifications.jobs import schedule_mails  # noqa: PLC0415 - jobs.py imports this module

        await schedule_mails(tenant)

    after_commit(session, enqueue, key=_MAIL_KEY)


# ------------------------------------------------------------------------------- reading


def own_notifications(actor: Actor, *, unread_only: bool = False) -> Select[Any]:
    """The person's notifications (`unread_only`: those not read yet). A client user's only of
    organizations where it still may read reports (losing the grant hides them); a staff
    member's only of the organizations it sees (`organization_filter`: its assigned ones
    without `clients:read_all`)."""
    person_id = actor.person_id if actor.person_id is not None else -1
    stmt = select(Notification).where(Notification.person_id == person_id)
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    if actor.staff:
        scope = organization_filter(actor, Notification.organization_id)
        return stmt if scope is None else stmt.where(Notification.organization_id.is_(None) | scope)
    granted = (
        report_recipients_statement_for(person_id, actor.client_org_ids)
        .with_only_columns(ClientContact.organization_id)
        .scalar_subquery()
    )
    # The chat's notifications (chat_message, its notices) follow the grant of their
    # conversation instead: `payload.grant` ('requests' for a request's, 'performers' for a
    # performer order's), 'chat' when it names none.
    conversation_grant = func.coalesce(
        Notification.payload["grant"].as_string(), ClientModule.CHAT.value
    )
    taking_part = tuple_(Notification.organization_id, conversation_grant).in_(
        grants_statement(person_id, actor.client_org_ids or {-1})
    )
    chat = Notification.kind.startswith("chat_", autoescape=True)
    return stmt.where(
        (Notification.audience == STAFF)
        | (~chat & Notification.organization_id.in_(granted))
        | (chat & taking_part)
    )


async def own_notifications_by_id(
    session: AsyncSession, actor: Actor, ids: list[int]
) -> list[Notification]:
    """The person's notifications among these ids (`own_notifications`' scope)."""
    stmt = own_notifications(actor).where(Notification.id.in_(ids))
    return list((await session.execute(stmt)).scalars())


def report_recipients_statement_for(person_id: int, org_ids: frozenset[int]) -> Select[Any]:
    return grants_statement(person_id, org_ids or {-1}).where(
        ClientGrant.module == ClientModule.REPORTS.value
    )


async def unread_count(session: AsyncSession, actor: Actor) -> int:
    stmt = own_notifications(actor).where(Notification.read_at.is_(None))
    return int(await session.scalar(stmt.with_only_columns(func.count()).order_by(None)) or 0)


async def mark_read(
    session: AsyncSession,
    actor: Actor,
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
    mine = own_notifications(actor)
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
    return await unread_count(session, actor)


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
    ru, en = TITLES.get(kind, ("Уведомление", "Notification"))
    if "form_code" not in payload:  # not about a report (a chat message)
        name = str(payload.get("organization_name") or "")
        return f"{en if lang == 'en' else ru}: {name}" if name else (en if lang == "en" else ru)
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
    if notification.kind in CHAT_KINDS and notification.organization_id:
        payload = notification.payload or {}
        report = payload.get("chat_report_id")
        in_request = payload.get("chat_request_id")
        if in_request is not None:  # a request's conversation: the request's page
            node = quote(
                base64.b64encode(f"ServiceRequest:{in_request}".encode()).decode(), safe=""
            )
            if notification.audience == CLIENT:
                return f"/cabinet/{notification.organization_id}/requests/{node}"
            return f"/requests/{node}"
        if payload.get("performer_order_id") is not None:  # the customer's performers page
            return f"/cabinet/{notification.organization_id}/performers"
        if report is not None:  # a message in a report's own conversation
            if notification.audience == CLIENT:
                return f"/cabinet/{notification.organization_id}/chat/report/{report}"
            return f"/chat/report/{report}"
        if notification.audience == CLIENT:
            return f"/cabinet/{notification.organization_id}/chat"
        # The workspace's conversation page (the client card has no /chat path of its own).
        return f"/chat/{notification.organization_id}"
    request = (notification.payload or {}).get("request_id")
    if notification.kind == NotificationKind.REQUEST_DEADLINE_WARNING and request is not None:
        # The firm's request page takes the request's global id (type `ServiceRequest`).
        node = base64.b64encode(f"ServiceRequest:{request}".encode()).decode()
        return f"/requests/{quote(node, safe='')}"
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
