"""The database's clock (one clock for attempts, sessions, codes and expiries)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession


async def database_now(session: AsyncSession) -> datetime:
    """The database's clock: attempt and code timestamps come from it too."""
    return (await session.execute(select(func.clock_timestamp()))).scalar_one()
