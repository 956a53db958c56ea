"""Marks: what the accountant notes in a client's conversation after a contact that leads to a
notice or a paid service (1C:BO's «отметки»): an incoming call, letter or visit (date, short
note), a paid service connected or disconnected (service, price, from which date).

A mark is a message of kind `mark` (append-only like every message, delivered live), written
by staff with `chat:write`; its fields are the message's `data` ({"mark", "date", "note",
"service", "price"}), its body the Russian sentence the search finds. The firm lists them
(`mark_statement`: by organization, kinds and dates) for its settlements.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from saas.core.actor import Actor
from saas.core.audit import audit
from saas.core.calendar.firm import calendar_of_session
from saas.modules.chat.models import MARK, STAFF, ChatConversation, ChatMessage
from saas.modules.chat.service.conversations import (
    conversation_of_organization,
    scope_conversations,
)
from saas.modules.chat.service.errors import ChatError, invalid, no_write
from saas.modules.chat.service.messages import write_message
from saas.services import Services

CALL, LETTER, VISIT = "call", "letter", "visit"
SERVICE_CONNECTED, SERVICE_DISCONNECTED = "service_connected", "service_disconnected"
CONTACT_MARKS = (CALL, LETTER, VISIT)
SERVICE_MARKS = (SERVICE_CONNECTED, SERVICE_DISCONNECTED)
MARK_KINDS = CONTACT_MARKS + SERVICE_MARKS

MAX_NOTE = 500
MAX_SERVICE = 200
MAX_PRICE = Decimal("1000000000")
OLDEST = date(2000, 1, 1)

# (Russian, English) words of each mark, as the body and the export name them.
MARK_WORDS: dict[str, tuple[str, str]] = {
    CALL: ("Входящий звонок", "Incoming call"),
    LETTER: ("Входящее письмо", "Incoming letter"),
    VISIT: ("Визит клиента", "Client's visit"),
    SERVICE_CONNECTED: ("Подключена платная услуга", "Paid service connected"),
    SERVICE_DISCONNECTED: ("Отключена платная услуга", "Paid service disconnected"),
}


@dataclass(frozen=True)
class MarkInput:
    kind: str
    date: date  # the contact's date, or the date a service starts / stops from
    note: str | None = None
    service: str | None = None
    price: str | None = None  # rubles, "3000" or "3000.50"


def _price(raw: str | None) -> Decimal:
    text = (raw or "").strip().replace(" ", "").replace("\u00a0", "").replace(",", ".")
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = Decimal(-1)
    if (
        not value.is_finite()
        or value < 0
        or value >= MAX_PRICE
        or value != value.quantize(Decimal("0.01"))
    ):
        raise invalid(
            "INVALID_PRICE",
            "Укажите цену в рублях: число от 0, не больше двух знаков после запятой.",
            "Give the price in rubles: a number from 0, at most two decimals.",
            "price",
        )
    return value.quantize(Decimal("0.01"))


def _text(raw: str | None, limit: int, field: str, *, required: bool) -> str | None:
    text = " ".join((raw or "").split())
    if required and not text:
        raise invalid("REQUIRED", "Заполните поле.", "This field is required.", field)
    if len(text) > limit:
        raise invalid(
            "TOO_LONG",
            f"Не длиннее {limit} символов.",
            f"At most {limit} characters.",
            field,
        )
    return text or None


def checked(mark: MarkInput, today: date) -> dict[str, Any]:
    """The mark's data, checked: a known kind, a date (a contact's not in the future), the
    service's name and price for a service mark."""
    if mark.kind not in MARK_KINDS:
        raise invalid("UNKNOWN_MARK", "Неизвестный вид отметки.", "Unknown kind of mark.", "kind")
    if mark.date < OLDEST or (mark.kind in CONTACT_MARKS and mark.date > today):
        raise invalid(
            "INVALID_DATE",
            "Дата контакта не может быть в будущем.",
            "The contact's date cannot be in the future.",
            "date",
        )
    data: dict[str, Any] = {
        "mark": mark.kind,
        "date": mark.date.isoformat(),
        "note": _text(mark.note, MAX_NOTE, "note", required=False),
    }
    if mark.kind in SERVICE_MARKS:
        data["service"] = _text(mark.service, MAX_SERVICE, "service", required=True)
        data["price"] = str(_price(mark.price))
    return data


def rubles(value: str) -> str:
    """3000.50 -> "3 000,50 ₽" (the Russian way)."""
    whole, _, cents = f"{Decimal(value):.2f}".partition(".")
    grouped = f"{int(whole):,}".replace(",", "\u00a0")
    return f"{grouped},{cents}\u00a0₽"


def body_of(data: dict[str, Any], language: str = "ru") -> str:
    """The mark as one sentence (the message's body is the Russian one)."""
    ru, en = MARK_WORDS[data["mark"]]
    day = date.fromisoformat(data["date"])
    if data["mark"] in SERVICE_MARKS:
        since = day.strftime("%d.%m.%Y") if language == "ru" else day.isoformat()
        price = rubles(data["price"]) if language == "ru" else f"RUB {data['price']}"
        head = (
            f"{ru} «{data['service']}» с {since}, {price}"
            if language == "ru"
            else f'{en} "{data["service"]}" from {since}, {price}'
        )
    else:
        head = f"{ru} {day:%d.%m.%Y}" if language == "ru" else f"{en} {day.isoformat()}"
    return f"{head}: {data['note']}" if data.get("note") else head


async def post_mark(
    session: AsyncSession,
    services: Services,
    actor: Actor,
    organization_id: int | None,
    mark: MarkInput,
) -> tuple[ChatMessage, int]:
    """A mark in the organization's conversation, by staff with `chat:write`; audited. The
    message and the organization's id."""
    if not (actor.staff and actor.person_id is not None and actor.may("chat", "write")):
        raise no_write()
    conversation = await conversation_of_organization(session, actor, organization_id)
    data = checked(mark, calendar_of_session(session).today())
    message = await write_message(
        session,
        services,
        conversation,
        body=body_of(data),
        side=STAFF,
        kind=MARK,
        person_id=actor.person_id,
        data=data,
    )
    await audit(
        session,
        actor,
        "chat.mark",
        "chat_message",
        message.id,
        organization_id=conversation.organization_id,
        mark=data["mark"],
    )
    return message, conversation.organization_id


@dataclass(frozen=True)
class MarkFilter:
    organization_id: int | None = None
    kinds: Sequence[str] = ()
    since: date | None = None  # the marks' own dates, inclusive
    until: date | None = None

    def check(self) -> MarkFilter:
        unknown = [k for k in self.kinds if k not in MARK_KINDS]
        if unknown:
            raise invalid(
                "UNKNOWN_MARK", "Неизвестный вид отметки.", "Unknown kind of mark.", "kinds"
            )
        if self.since and self.until and self.until < self.since:
            raise ChatError(
                "validation",
                "INVALID_PERIOD",
                "Конец периода раньше начала.",
                "The period ends before it starts.",
                "until",
            )
        return self


def mark_statement(actor: Actor, where: MarkFilter) -> Select[Any]:
    """(message, organization id) of the marks the actor sees (the conversations' scope),
    filtered."""
    stmt: Any = (
        select(ChatMessage, ChatConversation.organization_id)
        .join(ChatConversation, ChatConversation.id == ChatMessage.conversation_id)
        .where(ChatMessage.kind == MARK)
    )
    stmt = scope_conversations(stmt, actor)
    if where.organization_id is not None:
        stmt = stmt.where(ChatConversation.organization_id == where.organization_id)
    mark_date = ChatMessage.data["date"].astext
    if where.kinds:
        stmt = stmt.where(ChatMessage.data["mark"].astext.in_(sorted(set(where.kinds))))
    if where.since is not None:
        stmt = stmt.where(mark_date >= where.since.isoformat())
    if where.until is not None:
        stmt = stmt.where(mark_date <= where.until.isoformat())
    return stmt


async def marks_by_id(
    session: AsyncSession, actor: Actor, ids: list[int]
) -> list[tuple[ChatMessage, int]]:
    """(message, organization id) of the marks among these message ids the actor sees."""
    stmt = mark_statement(actor, MarkFilter()).where(ChatMessage.id.in_(ids))
    return [(message, organization_id) for message, organization_id in await session.execute(stmt)]
