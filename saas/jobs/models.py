"""The scheduler's memory, in the shared schema: the last period each periodic job fired."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, String, func
from sqlalchemy.orm import Mapped, mapped_column

from saas.db.base import SharedBase


class ScheduledRun(SharedBase):
    """One row per periodic job: the period (epoch seconds // interval) it last fired for.

    Claimed by an upsert that only moves `last_period` forward, so one scheduler fires each
    period however many workers run (saas.jobs.periodic.claim_period)."""

    __tablename__ = "scheduled_runs"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    last_period: Mapped[int] = mapped_column(BigInteger)
    interval_seconds: Mapped[int] = mapped_column(BigInteger)
    fired_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
