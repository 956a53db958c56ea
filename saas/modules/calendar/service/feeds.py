"""Each person's iCalendar feed: a secret URL (`/calendar/<token>.ics`) showing the events of
the interactions calendar for the organizations the person sees now.

Only the SHA-256 of the token is stored (`calendar_feeds`, one row per person in the firm's
schema): rotating replaces it, so the old URL stops working at once; the new URL is shown
once. The feed is served at the firm's host only: the token is looked up in that firm's
schema, so another firm's host finds nothing (404).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

from icalendar import Calendar, Event
from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from saas.core.actor import Actor
from saas.core.agenda import AgendaEvent
from saas.core.audit import audit
from saas.modules.calendar.models import CalendarFeed
from saas.modules.calendar.service.errors import CalendarError
from saas.modules.clients.models import ClientOrganization

TOKEN_BYTES = 32
FEED_DAYS_BACK = 31  # what a calendar app keeps showing of the recent past
FEED_DAYS_AHEAD = 92
PRODID = "-//Kabinet//Calendar//RU"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def feed_path(token: str) -> str:
    return f"/calendar/{token}.ics"


def _no_person() -> CalendarError:
    return CalendarError(
        "forbidden",
        "FORBIDDEN",
        "Календарь по ссылке есть только у человека, вошедшего в кабинет.",
        "Only a person logged in to the cabinet has a calendar feed.",
    )


async def rotate_feed(session: AsyncSession, actor: Actor) -> str:
    """A new secret for the actor's feed (the old one, if any, stops working); the token is
    returned once and never stored."""
    if actor.kind != "person" or actor.person_id is None:
        raise _no_person()
    token = secrets.token_urlsafe(TOKEN_BYTES)
    stmt = insert(CalendarFeed).values(person_id=actor.person_id, token_hash=digest(token))
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[CalendarFeed.person_id],
            set_={"token_hash": stmt.excluded.token_hash, "rotated_at": func.now()},
        )
    )
    await audit(session, actor, "calendar.feed_rotated", "person", actor.person_id)
    return token


async def feed_of(session: AsyncSession, person_id: int | None) -> CalendarFeed | None:
    if person_id is None:
        return None
    return await session.get(CalendarFeed, person_id)


async def revoke_feed(session: AsyncSession, actor: Actor) -> bool:
    if actor.person_id is None:
        raise _no_person()
    result = await session.execute(
        delete(CalendarFeed).where(CalendarFeed.person_id == actor.person_id)
    )
    if result.rowcount:  # type: ignore[attr-defined]
        await audit(session, actor, "calendar.feed_revoked", "person", actor.person_id)
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def person_of_token(session: AsyncSession, token: str) -> int | None:
    """The person whose current feed secret `token` is, in the session's firm."""
    if not token or len(token) > 200:
        return None
    return (
        await session.execute(
            select(CalendarFeed.person_id).where(CalendarFeed.token_hash == digest(token))
        )
    ).scalar_one_or_none()


def feed_window(today: date) -> tuple[date, int]:
    return today - timedelta(days=FEED_DAYS_BACK), FEED_DAYS_BACK + FEED_DAYS_AHEAD


def render_ics(
    events: Sequence[AgendaEvent],
    orgs: Sequence[ClientOrganization],
    *,
    host: str,
    name: str,
    language: str,
) -> bytes:
    """The events as an iCalendar (RFC 5545) of all-day events, one per event."""
    names = {o.id: o.name for o in orgs}
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", "Europe/Moscow")
    stamp = datetime.now(UTC).replace(microsecond=0)
    for e in events:
        item = Event()
        item.add("uid", f"{e.uid}@{host}")
        item.add("dtstamp", stamp)
        item.add("dtstart", e.date)
        item.add("dtend", e.date + timedelta(days=1))
        org = names.get(e.organization_id, "")
        item.add("summary", f"{e.title(language)} — {org}" if org else e.title(language))
        if e.note:
            item.add("description", e.note)
        item.add("categories", [e.kind])
        item.add("transp", "TRANSPARENT")
        cal.add_component(item)
    return cal.to_ical()
