"""Tenant tables of the clients module (migration t0002).

People live in the shared schema, out of reach of the tenant role: `person_id` columns are
plain ids of shared.people, without a foreign key across schemas, and names are resolved
through `loaders.PeopleByIdLoader` on the shared session.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from saas.db.base import TenantBase

Timestamp = DateTime(timezone=True)


class ClientOrganization(TenantBase):
    __tablename__ = "client_organizations"
    __table_args__ = (
        CheckConstraint("legal_form IN ('ooo', 'ao', 'pao', 'ip', 'kfh')", name="legal_form"),
        CheckConstraint(
            "tax_regime IN ('osno', 'usn_income', 'usn_income_expense', 'patent', 'npd', 'eshn')",
            name="tax_regime",
        ),
        CheckConstraint("status IN ('active', 'archived')", name="status"),
        # One active organization per INN + KPP (a branch has its own KPP); archived ones may
        # repeat, so a client can leave and come back.
        Index(
            "uq_client_organizations_inn_kpp_active",
            "inn",
            "kpp",
            unique=True,
            postgresql_nulls_not_distinct=True,
            postgresql_where=text("status = 'active'"),
        ),
        Index("ix_client_organizations_name_id", "name", "id"),
        Index("ix_client_organizations_manager", "responsible_manager_person_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    legal_form: Mapped[str] = mapped_column(String(8))
    inn: Mapped[str] = mapped_column(String(12))
    kpp: Mapped[str | None] = mapped_column(String(9))
    ogrn: Mapped[str] = mapped_column(String(15))
    tax_regime: Mapped[str] = mapped_column(String(24))
    # Modules the firm offers this organization; grants of its contacts stay within them.
    enabled_modules: Mapped[list[str]] = mapped_column(ARRAY(Text))
    responsible_manager_person_id: Mapped[int | None] = mapped_column(BigInteger)
    # Employer status for the tax calendar (6-НДФЛ, РСВ; migration t_calendar_1): NULL derives
    # it from the legal form (saas.modules.calendar.taxes.Filer.employer).
    has_employees: Mapped[bool | None] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(16), default="active")
    archived_at: Mapped[datetime | None] = mapped_column(Timestamp)
    created_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        Timestamp, server_default=func.now(), onupdate=func.now()
    )


class ClientOrgModerator(TenantBase):
    """Co-managers of an organization besides its responsible manager."""

    __tablename__ = "client_org_moderators"
    # The organizations a staff member moderates (saas.core.actor.organization_filter).
    __table_args__ = (Index("ix_client_org_moderators_person", "person_id", "organization_id"),)

    organization_id: Mapped[int] = mapped_column(
        ForeignKey("client_organizations.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)


class ClientContact(TenantBase):
    """A person representing a client organization in the cabinet."""

    __tablename__ = "client_contacts"
    __table_args__ = (
        UniqueConstraint("organization_id", "person_id", name="uq_client_contacts_org_person"),
        CheckConstraint("status IN ('active', 'deactivated')", name="status"),
        Index("ix_client_contacts_person", "person_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("client_organizations.id", ondelete="CASCADE")
    )
    person_id: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), default="active")
    is_client_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    invited_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        Timestamp, server_default=func.now(), onupdate=func.now()
    )
    deactivated_at: Mapped[datetime | None] = mapped_column(Timestamp)


class ClientGrant(TenantBase):
    """One module one contact may use in its organization."""

    __tablename__ = "client_grants"
    __table_args__ = (
        CheckConstraint(
            "module IN ('reports', 'documents', 'upload', 'chat', 'order_services', 'approve', "
            "'requests')",
            name="module",
        ),
    )

    contact_id: Mapped[int] = mapped_column(
        ForeignKey("client_contacts.id", ondelete="CASCADE"), primary_key=True
    )
    module: Mapped[str] = mapped_column(String(32), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())
