"""Tenant tables of the calendars (migration t_calendar_1): the data-exchange dates a firm
agrees with a client organization, and each person's iCalendar feed secret (its SHA-256
only; person ids are plain shared.people ids)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    String,
    Text,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from saas.db.base import TenantBase

Timestamp = DateTime(timezone=True)


class ExchangeDate(TenantBase):
    __tablename__ = "calendar_exchange_dates"
    __table_args__ = (
        CheckConstraint("char_length(title) BETWEEN 1 AND 200", name="title"),
        CheckConstraint("char_length(note) <= 2000", name="note"),
        Index("ix_calendar_exchange_dates_org_date", "organization_id", "date"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("client_organizations.id", ondelete="CASCADE")
    )
    date: Mapped[date] = mapped_column(Date)
    title: Mapped[str] = mapped_column(Text)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())


class CalendarFeed(TenantBase):
    __tablename__ = "calendar_feeds"

    person_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())
    rotated_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())
