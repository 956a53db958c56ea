"""A request's thread: its own conversation in the chat (issues 13, 14), linked to the
request like a report's (the chat's `request_entries`); entries written by the client, staff
or the system. The request was resolved for the actor by the caller."""

from __future__ import annotations

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession

from saas.modules.chat.service.request_entries import RequestEntry, write_request_entry
from saas.modules.requests.models import ServiceRequest


async def add_comment(
    session: AsyncSession, request: ServiceRequest, side: str, person: int | None, body: str
) -> RequestEntry:
    entry = await write_request_entry(
        session, request.organization_id, request.id, side=side, person_id=person, body=body
    )
    request.updated_at = func.now()
    await session.flush()
    return entry
