"""One-time codes (the hand-off between hosts, password reset): only their SHA-256 is stored,
each works once, for one purpose, at one host."""

from __future__ import annotations

from sqlalchemy import func, update
from sqlalchemy.ext.asyncio import AsyncSession

from saas.auth.models import OneTimeCode
from saas.auth.tokens import digest


async def consume_code(
    session: AsyncSession, purpose: str, code: str, tenant_id: int | None
) -> int | None:
    """Marks a valid code used (atomically: a code works once) and returns its person."""
    return await session.scalar(
        update(OneTimeCode)
        .where(
            OneTimeCode.code_hash == digest(code),
            OneTimeCode.purpose == purpose,
            OneTimeCode.used_at.is_(None),
            OneTimeCode.expires_at > func.now(),
            OneTimeCode.tenant_id.is_not_distinct_from(tenant_id),
        )
        .values(used_at=func.now())
        .returning(OneTimeCode.person_id)
    )
