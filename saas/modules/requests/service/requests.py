"""Requests: a client contact launches a service of its organization's catalog; the
performer reviews, accepts or rejects, ticks the checklist and completes it.

Statuses: new → under review (a staff member opened it: the client's edit lock) → accepted
→ done, or rejected (from review, with a comment; the system adds «Задача отклонена
исполнителем»). The client never deletes a request and edits it only while it is new.
A service waiting for a previous one (`after_service_id`) launched while that one is open
waits (`waiting`): it is received, and its deadlines counted, when that one is done.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from saas.core.actor import Actor
from saas.core.audit import audit
from saas.core.calendar.firm import calendar_of_session
from saas.modules.requests.models import (
    ACCEPTED,
    CLIENT,
    DONE,
    NEW,
    OPEN_STATUSES,
    REJECTED,
    STAFF,
    SYSTEM,
    UNDER_REVIEW,
    RequestService,
    ServiceRequest,
)
from saas.modules.requests.service.catalog import MAX_TEXT, access_service
from saas.modules.requests.service.deadlines import check_due, minimum_due
from saas.modules.requests.service.errors import conflict, forbidden, invalid, not_found
from saas.modules.requests.service.scope import scoped
from saas.modules.requests.service.sla import (
    ANSWERED_ENTRY,
    ASKED_ENTRY,
    ask_client,
    resume_if_awaited,
)
from saas.modules.requests.service.thread import RequestEntry, add_comment

OPEN = OPEN_STATUSES
REJECTED_ENTRY = "rejected"
SYSTEM_ENTRIES = {
    REJECTED_ENTRY: ("Задача отклонена исполнителем", "The performer rejected the task"),
    "started": (
        "Предыдущая задача выполнена: заявка поступила в работу",
        "The previous task is done: the request has started",
    ),
    ASKED_ENTRY: (
        "Исполнитель ждёт ответа клиента: срок приостановлен",
        "The performer waits for the client's answer: the deadline clock is paused",
    ),
    "opened_by_report": (
        "Заявка открыта автоматически: налоговый орган отклонил отчёт",
        "Opened automatically: the tax authority rejected the report",
    ),
    ANSWERED_ENTRY: (
        "Клиент ответил: отсчёт срока продолжен",
        "The client answered: the deadline clock runs again",
    ),
}


def side_of(actor: Actor) -> str:
    if actor.person_id is None:
        return SYSTEM
    return STAFF if actor.staff else CLIENT


def _text(value: str, field: str, *, required: bool = False) -> str:
    text = value.strip()
    if len(text) > MAX_TEXT:
        raise invalid("TOO_LONG", "Текст слишком длинный.", "The text is too long.", field)
    if required and not text:
        raise invalid("COMMENT_REQUIRED", "Оставьте комментарий", "Leave a comment", field)
    return text


def _staff_only(actor: Actor) -> None:
    if not actor.staff:
        raise forbidden(
            "STAFF_ONLY",
            "Это действие исполнителя фирмы.",
            "Only the firm's performer may do this.",
        )


async def access_request(
    session: AsyncSession, actor: Actor, request_id: int, *, lock: bool = False
) -> ServiceRequest:
    """The only way to load one request by id for an actor."""
    stmt = scoped(
        select(ServiceRequest).where(ServiceRequest.id == request_id),
        actor,
        ServiceRequest.organization_id,
    )
    if lock:
        stmt = stmt.with_for_update()
    found = (await session.execute(stmt)).scalar_one_or_none()
    if found is None:
        raise not_found()
    return found


@dataclass
class Launch:
    service_id: int
    due_date: date
    description: str | None = None


async def _previous_open(
    session: AsyncSession, service: RequestService, org_id: int
) -> ServiceRequest | None:
    if service.after_service_id is None:
        return None
    stmt = (
        select(ServiceRequest)
        .where(
            ServiceRequest.organization_id == org_id,
            ServiceRequest.service_id == service.after_service_id,
            ServiceRequest.status.in_(OPEN),
        )
        .order_by(ServiceRequest.id.desc())
        .limit(1)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def launch_request(
    session: AsyncSession,
    actor: Actor,
    launch: Launch,
    *,
    now: datetime,
    files: int = 0,
    file_later: bool = False,
) -> ServiceRequest:
    """A new request of a catalog service (the client's or, for it, a staff member's).
    `files`: how many files come with it (a service may require one, unless `file_later`:
    a later step of a sequence gets its file when it starts)."""
    service = await access_service(session, actor, launch.service_id, catalog_only=True)
    assert service.organization_id is not None
    if service.file_required and files == 0 and not file_later:
        raise invalid(
            "FILE_REQUIRED",
            "Для этой услуги приложите файл.",
            "This service needs a file attached.",
            "files",
        )
    calendar = calendar_of_session(session)
    previous = await _previous_open(session, service, service.organization_id)
    # A waiting request's regulation counts from the previous one's due date.
    start = (
        now
        if previous is None
        else datetime.combine(previous.due_date, calendar.closes, calendar.zone)
    )
    due = check_due(calendar, now, service.planned_days, launch.due_date)
    if previous is not None:
        due = max(due, minimum_due(calendar, start, service.planned_days))
    hard = max(due, minimum_due(calendar, start, service.hard_days))
    request = ServiceRequest(
        organization_id=service.organization_id,
        service_id=service.id,
        department_id=service.department_id,
        title=service.name,
        description=_text(
            launch.description if launch.description is not None else service.description,
            "description",
        ),
        status=NEW,
        due_date=due,
        hard_due_date=hard,
        after_request_id=previous.id if previous is not None else None,
        waiting=previous is not None,
        performer_person_id=service.responsible_person_id,
        checklist=[{"text": item, "done": False} for item in service.checklist],
        created_by=actor.person_id,
    )
    session.add(request)
    await session.flush()
    await audit(
        session,
        actor,
        "requests.request.launch",
        "service_request",
        request.id,
        organization=request.organization_id,
        service=service.id,
        title=request.title,
    )
    return request


async def edit_request(
    session: AsyncSession,
    actor: Actor,
    request_id: int,
    *,
    description: str | None,
    due_date: date | None,
    now: datetime,
) -> ServiceRequest:
    """The client's change while the request is new (the edit lock starts at review)."""
    request = await access_request(session, actor, request_id, lock=True)
    if request.status != NEW:
        raise conflict(
            "EDIT_LOCKED",
            "Заявка уже на рассмотрении: её нельзя изменить, можно оставить комментарий или "
            "приложить файл.",
            "The request is under review: it cannot be changed; comment or attach a file.",
        )
    if description is not None:
        request.description = _text(description, "description")
    if due_date is not None:
        service = await session.get(RequestService, request.service_id)
        assert service is not None
        calendar = calendar_of_session(session)
        request.due_date = check_due(calendar, now, service.planned_days, due_date)
        request.hard_due_date = max(request.hard_due_date, request.due_date)
    request.updated_at = func.now()
    await session.flush()
    await audit(
        session,
        actor,
        "requests.request.edit",
        "service_request",
        request.id,
        organization=request.organization_id,
    )
    return request


def _wrong_status(request: ServiceRequest, wanted: tuple[str, ...]) -> Any:
    return conflict(
        "WRONG_STATUS",
        "Это действие недоступно в текущем статусе заявки.",
        f"Not possible while the request is {request.status} (needs {' or '.join(wanted)}).",
    )


async def _transition(
    session: AsyncSession, actor: Actor, request_id: int, wanted: tuple[str, ...]
) -> ServiceRequest:
    _staff_only(actor)
    request = await access_request(session, actor, request_id, lock=True)
    if request.status not in wanted:
        raise _wrong_status(request, wanted)
    return request


async def review_request(session: AsyncSession, actor: Actor, request_id: int) -> ServiceRequest:
    """A staff member opens a new request for review: the client's edit lock."""
    request = await _transition(session, actor, request_id, (NEW,))
    request.status = UNDER_REVIEW
    request.reviewed_at = func.now()
    if request.performer_person_id is None:
        request.performer_person_id = actor.person_id
    await session.flush()
    await audit(
        session,
        actor,
        "requests.request.review",
        "service_request",
        request.id,
        organization=request.organization_id,
    )
    return request


async def accept_request(session: AsyncSession, actor: Actor, request_id: int) -> ServiceRequest:
    """«Принять в работу»: the performer agrees to the terms and the due date."""
    request = await _transition(session, actor, request_id, (UNDER_REVIEW,))
    if request.waiting:
        raise conflict(
            "WAITING_FOR_PREVIOUS",
            "Заявка ждёт выполнения предыдущей задачи.",
            "The request waits for the previous task to be done.",
        )
    request.status = ACCEPTED
    request.accepted_at = func.now()
    if actor.person_id is not None:
        request.performer_person_id = actor.person_id
    await session.flush()
    await audit(
        session,
        actor,
        "requests.request.accept",
        "service_request",
        request.id,
        organization=request.organization_id,
    )
    return request


async def reject_request(
    session: AsyncSession, actor: Actor, request_id: int, comment: str
) -> ServiceRequest:
    """«Отклонить»: ends the request; the comment goes into its thread, then the system's
    entry «Задача отклонена исполнителем»."""
    text = _text(comment, "comment", required=True)
    request = await _transition(session, actor, request_id, (NEW, UNDER_REVIEW))
    request.status = REJECTED
    request.closed_at = func.now()
    await add_comment(session, request, STAFF, actor.person_id, text)
    await add_comment(session, request, SYSTEM, None, REJECTED_ENTRY)
    await audit(
        session,
        actor,
        "requests.request.reject",
        "service_request",
        request.id,
        organization=request.organization_id,
    )
    return request


async def ask_client_request(
    session: AsyncSession, actor: Actor, request_id: int, comment: str, *, now: datetime
) -> ServiceRequest:
    """The performer asks the client (the comment goes into the thread) and the SLA clock
    stops until the client comments or attaches a file (service/sla.py)."""
    text = _text(comment, "comment", required=True)
    request = await _transition(session, actor, request_id, (UNDER_REVIEW, ACCEPTED))
    return await ask_client(session, actor, request, text, now)


async def tick_checklist(
    session: AsyncSession, actor: Actor, request_id: int, index: int, done: bool
) -> ServiceRequest:
    request = await _transition(session, actor, request_id, (UNDER_REVIEW, ACCEPTED))
    if not 0 <= index < len(request.checklist):
        raise invalid("BAD_ITEM", "Нет такого пункта.", "No such checklist item.", "index")
    items = [dict(item) for item in request.checklist]
    items[index]["done"] = done
    request.checklist = items
    request.updated_at = func.now()
    await session.flush()
    return request


async def complete_request(
    session: AsyncSession, actor: Actor, request_id: int, reason: str | None, *, now: datetime
) -> ServiceRequest:
    """Done: every checklist item ticked, or a reason why not. Requests waiting for this one
    start (received now, their deadlines counted from today)."""
    request = await _transition(session, actor, request_id, (ACCEPTED,))
    why = _text(reason or "", "reason")
    if not why and not all(item.get("done") for item in request.checklist):
        raise invalid(
            "CHECKLIST_OPEN",
            "Отметьте все пункты чек-листа или укажите причину.",
            "Tick every checklist item or give a reason.",
            "reason",
        )
    request.status = DONE
    request.done_reason = why or None
    request.closed_at = func.now()
    await session.flush()
    await _start_followers(session, request, now)
    await audit(
        session,
        actor,
        "requests.request.done",
        "service_request",
        request.id,
        organization=request.organization_id,
    )
    return request


async def _start_followers(session: AsyncSession, request: ServiceRequest, now: datetime) -> None:
    followers = (
        await session.scalars(
            select(ServiceRequest).where(
                ServiceRequest.after_request_id == request.id, ServiceRequest.waiting.is_(True)
            )
        )
    ).all()
    if not followers:
        return
    calendar = calendar_of_session(session)
    for follower in followers:
        service = await session.get(RequestService, follower.service_id)
        assert service is not None
        follower.waiting = False
        follower.due_date = max(follower.due_date, minimum_due(calendar, now, service.planned_days))
        follower.hard_due_date = max(
            follower.hard_due_date, minimum_due(calendar, now, service.hard_days), follower.due_date
        )
        await add_comment(session, follower, SYSTEM, None, "started")


async def comment_request(
    session: AsyncSession,
    actor: Actor,
    request_id: int,
    body: str,
    *,
    now: datetime | None = None,
) -> RequestEntry:
    """A comment in the request's thread: the client (any status: after review it is what
    the client may still do) or staff. The client's answer restarts a clock paused while
    the performer waited on it."""
    request = await access_request(session, actor, request_id, lock=True)
    text = _text(body, "body", required=True)
    comment = await add_comment(session, request, side_of(actor), actor.person_id, text)
    if side_of(actor) == CLIENT:
        await resume_if_awaited(session, request, now or datetime.now(UTC))
    await audit(
        session,
        actor,
        "requests.request.comment",
        "service_request",
        request.id,
        organization=request.organization_id,
    )
    return comment
