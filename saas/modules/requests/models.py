"""Tenant tables of the service requests (migrations t_requests_1, t_requests_2: the SLA,
t_requests_3: time and quantities, t_requests_4: requests opened by a report's rejection).

- `request_departments`: the firm's departments (seeded: HR, Accounting, Consulting), each
  with a head (a staff member's person id).
- `request_templates`: catalog templates (packages) of the firm.
- `request_services`: a service of a template (`template_id`) or of one client
  organization's catalog (`organization_id`, copied from a template, then edited); its
  category and group are the catalog's two upper levels.
- `service_requests`: a service launched by a client contact, its status and dates.
- `service_request_comments`: the request's thread (client, staff, system entries).
- `service_request_files`: drive files attached to a request ("From client").
- `service_request_time`: a performer's timer or hand-made time entry on a request.
- `request_onboarding_tasks` (t_requests_6): a department head's task to appoint the project
  manager of an organization onboarded to the department.
person ids are plain shared.people ids (no cross-schema foreign key).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from saas.db.base import TenantBase

Timestamp = DateTime(timezone=True)

NEW = "new"
UNDER_REVIEW = "under_review"
ACCEPTED = "accepted"
DONE = "done"
REJECTED = "rejected"
STATUSES = (NEW, UNDER_REVIEW, ACCEPTED, DONE, REJECTED)
OPEN_STATUSES = (NEW, UNDER_REVIEW, ACCEPTED)
# A request waiting for the previous one of its sequence.
WAITING = "waiting"

CLIENT, STAFF, SYSTEM = "client", "staff", "system"


class RequestDepartment(TenantBase):
    __tablename__ = "request_departments"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    code: Mapped[str | None] = mapped_column(String(40))
    name_ru: Mapped[str] = mapped_column(Text)
    name_en: Mapped[str] = mapped_column(Text)
    head_person_id: Mapped[int | None] = mapped_column(BigInteger)
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())


class RequestTemplate(TenantBase):
    __tablename__ = "request_templates"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())


class RequestService(TenantBase):
    __tablename__ = "request_services"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    template_id: Mapped[int | None] = mapped_column(
        ForeignKey("request_templates.id", ondelete="CASCADE")
    )
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("client_organizations.id", ondelete="CASCADE")
    )
    copied_from_id: Mapped[int | None] = mapped_column(BigInteger)
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("request_departments.id", ondelete="SET NULL")
    )
    category: Mapped[str] = mapped_column(Text)
    group_name: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, default="")
    planned_days: Mapped[int] = mapped_column(Integer)
    hard_days: Mapped[int] = mapped_column(Integer)
    file_required: Mapped[bool] = mapped_column(Boolean, default=False)
    after_service_id: Mapped[int | None] = mapped_column(
        ForeignKey("request_services.id", ondelete="SET NULL")
    )
    checklist: Mapped[list[str]] = mapped_column(JSONB, default=list)
    regulation_links: Mapped[list[str]] = mapped_column(JSONB, default=list)
    responsible_role: Mapped[str | None] = mapped_column(Text)
    responsible_person_id: Mapped[int | None] = mapped_column(BigInteger)
    price_kind: Mapped[str | None] = mapped_column(String(10))  # hourly | piece
    price: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    position: Mapped[int] = mapped_column(Integer, default=0)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    # A service the platform keeps (archived) in an organization's catalog: "report_fix".
    system_key: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())


class ServiceRequest(TenantBase):
    __tablename__ = "service_requests"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("client_organizations.id", ondelete="CASCADE")
    )
    service_id: Mapped[int] = mapped_column(ForeignKey("request_services.id"))
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("request_departments.id", ondelete="SET NULL")
    )
    title: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default=NEW)
    due_date: Mapped[date] = mapped_column(Date)
    hard_due_date: Mapped[date] = mapped_column(Date)
    after_request_id: Mapped[int | None] = mapped_column(
        ForeignKey("service_requests.id", ondelete="SET NULL")
    )
    waiting: Mapped[bool] = mapped_column(Boolean, default=False)
    performer_person_id: Mapped[int | None] = mapped_column(BigInteger)
    checklist: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    done_reason: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())
    reviewed_at: Mapped[datetime | None] = mapped_column(Timestamp)
    accepted_at: Mapped[datetime | None] = mapped_column(Timestamp)
    closed_at: Mapped[datetime | None] = mapped_column(Timestamp)
    # The SLA clock (service/sla.py): paused while the performer waits on the client.
    awaiting_client_since: Mapped[datetime | None] = mapped_column(Timestamp)
    paused_days: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    sla_warned_at: Mapped[datetime | None] = mapped_column(Timestamp)
    breached_at: Mapped[datetime | None] = mapped_column(Timestamp)
    # Pieces done of a per-piece service (service/time.py: the request's amount).
    quantity: Mapped[int | None] = mapped_column(Integer)
    # Opened by the tax authority's rejection of a report (service/report_fixes.py).
    report_id: Mapped[int | None] = mapped_column(BigInteger)
    report_follow_up_id: Mapped[int | None] = mapped_column(BigInteger)


class ServiceRequestComment(TenantBase):
    __tablename__ = "service_request_comments"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("service_requests.id", ondelete="CASCADE"))
    author_person_id: Mapped[int | None] = mapped_column(BigInteger)
    side: Mapped[str] = mapped_column(String(10))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())


class ServiceRequestFile(TenantBase):
    __tablename__ = "service_request_files"

    request_id: Mapped[int] = mapped_column(
        ForeignKey("service_requests.id", ondelete="CASCADE"), primary_key=True
    )
    file_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    attached_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())


class ServiceRequestTime(TenantBase):
    __tablename__ = "service_request_time"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("service_requests.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(BigInteger)
    work_date: Mapped[date] = mapped_column(Date)
    minutes: Mapped[int | None] = mapped_column(Integer)
    manual: Mapped[bool] = mapped_column(Boolean, default=False)
    started_at: Mapped[datetime | None] = mapped_column(Timestamp)
    stopped_at: Mapped[datetime | None] = mapped_column(Timestamp)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())


class OnboardingTask(TenantBase):
    __tablename__ = "request_onboarding_tasks"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("client_organizations.id", ondelete="CASCADE")
    )
    department_id: Mapped[int] = mapped_column(
        ForeignKey("request_departments.id", ondelete="CASCADE")
    )
    head_person_id: Mapped[int | None] = mapped_column(BigInteger)
    main: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(8), default="open")
    project_name: Mapped[str | None] = mapped_column(Text)
    manager_person_id: Mapped[int | None] = mapped_column(BigInteger)
    created_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())
    completed_at: Mapped[datetime | None] = mapped_column(Timestamp)
