"""Tenant tables of the reports module: reports, their event timelines, follow-up items.

person_id columns hold shared.people ids without a foreign key (the tenant role cannot see
the shared schema).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from saas.db.base import TenantBase

Timestamp = DateTime(timezone=True)


class Report(TenantBase):
    """A filing of one form for one client organization and period (and correction)."""

    __tablename__ = "reports"
    __table_args__ = (
        UniqueConstraint(
            "organization_id",
            "form_code",
            "period_year",
            "period_code",
            "correction",
            name="uq_reports_org_form_period_correction",
        ),
        Index("ix_reports_updated_id", "updated_at", "id"),
        Index("ix_reports_org_updated", "organization_id", "updated_at", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("client_organizations.id", ondelete="RESTRICT")
    )
    form_code: Mapped[str] = mapped_column(String(32))
    period_year: Mapped[int] = mapped_column(Integer)
    period_code: Mapped[str] = mapped_column(String(4))
    # First day of the period: filters by period range and orders by period.
    period_start: Mapped[date] = mapped_column(Date)
    authority_code: Mapped[str] = mapped_column(String(16))
    correction: Mapped[int] = mapped_column(Integer, default=0)
    manager_person_id: Mapped[int | None] = mapped_column(BigInteger)
    # Derived from the timeline by service.current_status; "draft" until the first event.
    status: Mapped[str] = mapped_column(String(32), default="draft")
    status_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())
    # Denormalized "an open follow-up exists": the feed shows it without another query.
    being_fixed: Mapped[bool] = mapped_column(Boolean, default=False)
    # Earliest due date of the open follow-ups (None when none): "overdue" without a join.
    follow_up_due: Mapped[date | None] = mapped_column(Date)
    # Documents attached to the report's events, shown per feed row.
    document_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())


class ReportEvent(TenantBase):
    """One step of a report's timeline, as pushed by an integrator (idempotent by external id)."""

    __tablename__ = "report_events"
    __table_args__ = (
        UniqueConstraint("external_id", name="uq_report_events_external_id"),
        Index("ix_report_events_report", "report_id", "occurred_at", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    report_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("reports.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(32))
    occurred_at: Mapped[datetime] = mapped_column(Timestamp)
    text: Mapped[str] = mapped_column(Text, default="")
    reason_code: Mapped[str | None] = mapped_column(String(64))
    # References to documents (report file, receipts); filled by the documents module.
    documents: Mapped[list[Any] | None] = mapped_column(JSONB)
    recorded_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())


class FollowUp(TenantBase):
    """Work for the responsible manager after a rejection or a clarification request; the
    client sees the report as "being fixed" while one is open."""

    __tablename__ = "follow_ups"
    __table_args__ = (Index("ix_follow_ups_report", "report_id", "status"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    report_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("reports.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("report_events.id", ondelete="CASCADE"), unique=True
    )
    manager_person_id: Mapped[int | None] = mapped_column(BigInteger)
    due_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())
    closed_at: Mapped[datetime | None] = mapped_column(Timestamp)


class ReportDocument(TenantBase):
    """A file attached to a report event (the report itself, a receipt, a notice), stored
    through the storage layer under the tenant's prefix. Client users download it only when
    the report's flow is complete (accepted or finally rejected)."""

    __tablename__ = "report_documents"
    __table_args__ = (
        Index("ix_report_documents_report", "report_id", "id"),
        Index("ix_report_documents_event", "event_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    report_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("reports.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("report_events.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(Text)
    storage_key: Mapped[str] = mapped_column(Text)
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())


class ReportDocumentAccess(TenantBase):
    """One entry of a report document's access log: a download link handed out
    (`link_issued`) or fetched (`downloaded`, once per fetch, `link_id` naming the issuing
    entry): who, when, from where (the drive's access log references drive files only)."""

    __tablename__ = "report_document_access"
    __table_args__ = (
        Index("ix_report_document_access_at", "at"),
        Index("ix_report_document_access_document", "document_id"),
        CheckConstraint("action IN ('link_issued', 'downloaded')", name="action"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    document_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("report_documents.id", ondelete="CASCADE")
    )
    organization_id: Mapped[int] = mapped_column(BigInteger)
    person_id: Mapped[int | None] = mapped_column(BigInteger)
    token_id: Mapped[int | None] = mapped_column(BigInteger)
    ip: Mapped[str | None] = mapped_column(Text)
    user_agent: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())
    action: Mapped[str] = mapped_column(String(16), server_default="link_issued")
    link_id: Mapped[int | None] = mapped_column(BigInteger)
