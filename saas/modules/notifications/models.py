"""Tenant tables of notifications: webhooks (endpoints, one delivery per (endpoint, event),
attempts log), in-app notifications per person (read state, batched e-mail) and each person's
choices of which kinds also come by e-mail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from saas.db.base import TenantBase


class WebhookEndpoint(TenantBase):
    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    # Kept in clear: every delivery is signed with it; the API shows it once, at creation.
    secret: Mapped[str] = mapped_column(Text)
    topics: Mapped[list[str]] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    description: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class WebhookDelivery(TenantBase):
    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("webhook_endpoints.id", ondelete="CASCADE")
    )
    event_id: Mapped[int | None] = mapped_column(BigInteger)
    topic: Mapped[str] = mapped_column(String(100))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class WebhookAttempt(TenantBase):
    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("webhook_deliveries.id", ondelete="CASCADE")
    )
    attempted_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    response_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)


class Notification(TenantBase):
    """One in-app notification for one person (shared.people id, no FK across schemas).

    `kind` names what happened (report_rejected, clarification_requested; more may come),
    `payload` keeps what the text needs as it was then (form, period, reason...). `read_at`
    is the read state; `emailed_at` stays NULL until the batched e-mail job settled it: sent
    in an e-mail, or `email_skipped` because the person had switched that kind's e-mail off.
    """

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("person_id", "event_id", name="uq_notifications_person_event"),
        CheckConstraint("audience IN ('client', 'staff')", name="audience"),
        Index("ix_notifications_person_id", "person_id", "id"),
        Index("ix_notifications_report", "report_id"),
        Index(
            "ix_notifications_unread",
            "person_id",
            postgresql_where=text("read_at IS NULL"),
        ),
        Index(
            "ix_notifications_unmailed",
            "person_id",
            postgresql_where=text("emailed_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    person_id: Mapped[int] = mapped_column(BigInteger)
    # 'client' (a contact of the organization) or 'staff': where its links lead.
    audience: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(64))
    organization_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("client_organizations.id", ondelete="CASCADE")
    )
    report_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("reports.id", ondelete="CASCADE")
    )
    event_id: Mapped[int | None] = mapped_column(BigInteger)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    emailed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    email_skipped: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=text("false")
    )


class NotificationPreference(TenantBase):
    """A person's choice for one kind of notification in this firm (shared.people id, no FK
    across schemas). No row means the default: e-mail on. In-app notifications are always
    written (the e-mail batch is built from them, and a rejected report must not go unseen),
    so the only switch is `email`; other channels would be columns beside it."""

    __tablename__ = "notification_preferences"

    person_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    kind: Mapped[str] = mapped_column(String(64), primary_key=True)
    email: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
