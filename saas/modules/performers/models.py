"""Tenant tables of the performers module (migration t_performers_1; what each holds is in its
docstring). Amounts are kopecks (BigInteger); person ids are plain shared.people ids."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Date, DateTime, Integer, Numeric, String, Text, func
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from saas.db.base import TenantBase

Timestamp = DateTime(timezone=True)

# Orders.
OPEN, ASSIGNED, DONE, CANCELLED = "open", "assigned", "done", "cancelled"
# Responses.
PENDING, CHOSEN, DECLINED, WITHDRAWN = "pending", "chosen", "declined", "withdrawn"
# Contracts and acts.
SIGNING, SIGNED, PAID = "signing", "signed", "paid"
# Payments and registries.
HELD, INCLUDED, FORMED = "held", "included", "formed"
# Receipts.
ISSUED = "issued"
CUSTOMER, PERFORMER = "customer", "performer"
NPD_UNKNOWN, NPD_ACTIVE, NPD_INACTIVE = "unknown", "active", "inactive"


class PerformerProfile(TenantBase):
    __tablename__ = "performer_profiles"

    person_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    inn: Mapped[str] = mapped_column(String(12))
    full_name: Mapped[str] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(String(32))
    skills: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    about: Mapped[str] = mapped_column(Text, default="")
    bank_name: Mapped[str | None] = mapped_column(Text)
    bank_bik: Mapped[str | None] = mapped_column(String(9))
    bank_corr_account: Mapped[str | None] = mapped_column(String(20))
    bank_account: Mapped[str | None] = mapped_column(String(20))
    npd_status: Mapped[str] = mapped_column(String(12), default=NPD_UNKNOWN)
    npd_checked_on: Mapped[date | None] = mapped_column(Date)
    npd_message: Mapped[str | None] = mapped_column(Text)
    # [{"inn": "7701...", "until": "2025-06-30"}]
    former_employers: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    created_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())


class PortfolioItem(TenantBase):
    __tablename__ = "performer_portfolio"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    person_id: Mapped[int] = mapped_column(BigInteger)
    title: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str | None] = mapped_column(Text)
    storage_key: Mapped[str | None] = mapped_column(Text)
    file_name: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())


class PerformerCustomer(TenantBase):
    __tablename__ = "performer_customers"

    organization_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    responsible_person_id: Mapped[int | None] = mapped_column(BigInteger)
    bank_name: Mapped[str | None] = mapped_column(Text)
    bank_bik: Mapped[str | None] = mapped_column(String(9))
    bank_corr_account: Mapped[str | None] = mapped_column(String(20))
    bank_account: Mapped[str | None] = mapped_column(String(20))
    agency_fee_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal("10"))
    updated_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())


class PerformerOrder(TenantBase):
    __tablename__ = "performer_orders"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    organization_id: Mapped[int] = mapped_column(BigInteger)
    title: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, default="")
    budget_kopecks: Mapped[int] = mapped_column(BigInteger)
    rate: Mapped[str] = mapped_column(String(8), default="fixed")
    deadline: Mapped[date | None] = mapped_column(Date)
    skills: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    status: Mapped[str] = mapped_column(String(10), default=OPEN)
    addressed_person_id: Mapped[int | None] = mapped_column(BigInteger)
    performer_person_id: Mapped[int | None] = mapped_column(BigInteger)
    chosen_at: Mapped[datetime | None] = mapped_column(Timestamp)
    conversation_id: Mapped[int | None] = mapped_column(BigInteger)
    created_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())


class OrderFile(TenantBase):
    __tablename__ = "performer_order_files"

    order_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    file_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)


class PerformerResponse(TenantBase):
    __tablename__ = "performer_responses"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    order_id: Mapped[int] = mapped_column(BigInteger)
    performer_person_id: Mapped[int] = mapped_column(BigInteger)
    message: Mapped[str] = mapped_column(Text, default="")
    price_kopecks: Mapped[int | None] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(10), default=PENDING)
    created_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())


class PerformerContract(TenantBase):
    __tablename__ = "performer_contracts"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    order_id: Mapped[int] = mapped_column(BigInteger)
    organization_id: Mapped[int] = mapped_column(BigInteger)
    performer_person_id: Mapped[int] = mapped_column(BigInteger)
    number: Mapped[str] = mapped_column(Text)
    amount_kopecks: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(10), default=SIGNING)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())
    signed_at: Mapped[datetime | None] = mapped_column(Timestamp)


class PerformerAct(TenantBase):
    __tablename__ = "performer_acts"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    contract_id: Mapped[int] = mapped_column(BigInteger)
    organization_id: Mapped[int] = mapped_column(BigInteger)
    performer_person_id: Mapped[int] = mapped_column(BigInteger)
    number: Mapped[str] = mapped_column(Text)
    amount_kopecks: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(10), default=SIGNING)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())
    signed_at: Mapped[datetime | None] = mapped_column(Timestamp)


class Signature(TenantBase):
    __tablename__ = "performer_signatures"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    document_kind: Mapped[str] = mapped_column(String(8))
    document_id: Mapped[int] = mapped_column(BigInteger)
    side: Mapped[str] = mapped_column(String(10))
    person_id: Mapped[int] = mapped_column(BigInteger)
    code_hash: Mapped[str] = mapped_column(Text)
    code_expires_at: Mapped[datetime] = mapped_column(Timestamp)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_to: Mapped[str] = mapped_column(Text)
    signed_at: Mapped[datetime | None] = mapped_column(Timestamp)
    sha256: Mapped[str | None] = mapped_column(String(64))
    ip: Mapped[str | None] = mapped_column(Text)
    user_agent: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())


class PaymentRegistry(TenantBase):
    __tablename__ = "performer_registries"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    organization_id: Mapped[int] = mapped_column(BigInteger)
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default=FORMED)
    total_kopecks: Mapped[int] = mapped_column(BigInteger, default=0)
    storage_key: Mapped[str | None] = mapped_column(Text)
    sha256: Mapped[str | None] = mapped_column(String(64))
    created_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())
    paid_at: Mapped[datetime | None] = mapped_column(Timestamp)
    paid_by: Mapped[str | None] = mapped_column(Text)


class Payment(TenantBase):
    __tablename__ = "performer_payments"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    registry_id: Mapped[int | None] = mapped_column(BigInteger)
    act_id: Mapped[int] = mapped_column(BigInteger)
    organization_id: Mapped[int] = mapped_column(BigInteger)
    performer_person_id: Mapped[int] = mapped_column(BigInteger)
    amount_kopecks: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(10), default=INCLUDED)
    held_reason: Mapped[str | None] = mapped_column(Text)
    npd_checked_at: Mapped[datetime | None] = mapped_column(Timestamp)
    paid_at: Mapped[datetime | None] = mapped_column(Timestamp)
    created_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())


class Receipt(TenantBase):
    __tablename__ = "performer_receipts"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    payment_id: Mapped[int] = mapped_column(BigInteger)
    organization_id: Mapped[int] = mapped_column(BigInteger)
    performer_person_id: Mapped[int] = mapped_column(BigInteger)
    receipt_uid: Mapped[str] = mapped_column(Text)
    amount_kopecks: Mapped[int] = mapped_column(BigInteger)
    customer_name: Mapped[str] = mapped_column(Text)
    customer_inn: Mapped[str] = mapped_column(String(12))
    payer_kind: Mapped[str] = mapped_column(String(12), default="legal")
    status: Mapped[str] = mapped_column(String(10), default=ISSUED)
    cancel_reason: Mapped[str | None] = mapped_column(String(16))
    issued_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())
    cancelled_at: Mapped[datetime | None] = mapped_column(Timestamp)


class AgencyDocument(TenantBase):
    __tablename__ = "performer_agency_documents"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    organization_id: Mapped[int] = mapped_column(BigInteger)
    period: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(8))
    number: Mapped[str] = mapped_column(Text)
    volume_kopecks: Mapped[int] = mapped_column(BigInteger)
    fee_kopecks: Mapped[int] = mapped_column(BigInteger)
    storage_key: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())


class PerformerTemplate(TenantBase):
    """t_performers_2: the firm's own text of a document kind (`contract`)."""

    __tablename__ = "performer_templates"

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    body: Mapped[str] = mapped_column(Text)
    updated_by: Mapped[int | None] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())
