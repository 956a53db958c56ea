"""People by e-mail, and what they are (staff, client, performer) at a firm."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from saas.auth.models import Membership, Person

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalize_email(email: str) -> str:
    return email.strip().lower()


def valid_email(email: str) -> bool:
    return len(email) <= 254 and bool(_EMAIL.match(email))


async def person_by_email(
    session: AsyncSession, email: str, *, for_update: bool = False
) -> Person | None:
    query = select(Person).where(func.lower(Person.email) == normalize_email(email))
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def kinds_at(session: AsyncSession, person_id: int, tenant_id: int) -> set[str]:
    rows = (
        await session.execute(
            select(Membership.kind).where(
                Membership.person_id == person_id,
                Membership.tenant_id == tenant_id,
                Membership.status == "active",
            )
        )
    ).scalars()
    return set(rows)
