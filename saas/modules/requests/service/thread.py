"""A request's thread: one entry written (client, staff or system)."""

from __future__ import annotations

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession

from saas.modules.requests.models import ServiceRequest, ServiceRequestComment


async def add_comment(
    session: AsyncSession, request: ServiceRequest, side: str, person: int | None, body: str
) -> ServiceRequestComment:
    comment = ServiceRequestComment(
        request_id=request.id, author_person_id=person, side=side, body=body
    )
    session.add(comment)
    request.updated_at = func.now()
    await session.flush()
    return comment
