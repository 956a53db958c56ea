"""tenant schema: client organizations, moderators, contact persons, grants

Revision ID: t0002
Revises: t0001
Create Date: 2026-11-24

Runs as the tenant's role with search_path set to its schema: no schema is named here.
person_id columns hold shared.people ids without a foreign key (the tenant role cannot
see the shared schema).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY

revision = "t0002"
down_revision = "t0001"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
ALL_MODULES = "'{reports,documents,upload,chat,order_services,approve}'::text[]"


def upgrade() -> None:
    op.create_table(
        "client_organizations",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("legal_form", sa.String(8), nullable=False),
        sa.Column("inn", sa.String(12), nullable=False),
        sa.Column("kpp", sa.String(9)),
        sa.Column("ogrn", sa.String(15), nullable=False),
        sa.Column("tax_regime", sa.String(24), nullable=False),
        sa.Column(
            "enabled_modules", ARRAY(sa.Text), nullable=False, server_default=sa.text(ALL_MODULES)
        ),
        sa.Column("responsible_manager_person_id", sa.BigInteger),
        sa.Column("status", sa.String(16), nullable=False, server_default="active"),
        sa.Column("archived_at", TS),
        sa.Column("created_at", TS, nullable=False, server_default=sa.text("now()")),
        sa.Column("updated_at", TS, nullable=False, server_default=sa.text("now()")),
        sa.CheckConstraint(
            "legal_form IN ('ooo', 'ao', 'pao', 'ip', 'kfh')",
            name="ck_client_organizations_legal_form",
        ),
        sa.CheckConstraint(
            "tax_regime IN ('osno', 'usn_income', 'usn_income_expense', 'patent', 'npd', 'eshn')",
            name="ck_client_organizations_tax_regime",
        ),
        sa.CheckConstraint(
            "status IN ('active', 'archived')", name="ck_client_organizations_status"
        ),
    )
    op.create_index(
        "uq_client_organizations_inn_kpp_active",
        "client_organizations",
        ["inn", "kpp"],
        unique=True,
        postgresql_nulls_not_distinct=True,
        postgresql_where=sa.text("status = 'active'"),
    )
    op.create_index("ix_client_organizations_name_id", "client_organizations", ["name", "id"])
    op.create_index(
        "ix_client_organizations_manager", "client_organizations", ["responsible_manager_person_id"]
    )
    op.create_table(
        "client_org_moderators",
        sa.Column(
            "organization_id",
            sa.BigInteger,
            sa.ForeignKey("client_organizations.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("person_id", sa.BigInteger, primary_key=True),
    )
    op.create_table(
        "client_contacts",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column(
            "organization_id",
            sa.BigInteger,
            sa.ForeignKey("client_organizations.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("person_id", sa.BigInteger, nullable=False),
        sa.Column("status", sa.String(16), nullable=False, server_default="active"),
        sa.Column("is_client_admin", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("invited_by", sa.BigInteger),
        sa.Column("created_at", TS, nullable=False, server_default=sa.text("now()")),
        sa.Column("updated_at", TS, nullable=False, server_default=sa.text("now()")),
        sa.Column("deactivated_at", TS),
        sa.UniqueConstraint("organization_id", "person_id", name="uq_client_contacts_org_person"),
        sa.CheckConstraint("status IN ('active', 'deactivated')", name="ck_client_contacts_status"),
    )
    op.create_index("ix_client_contacts_person", "client_contacts", ["person_id"])
    op.create_table(
        "client_grants",
        sa.Column(
            "contact_id",
            sa.BigInteger,
            sa.ForeignKey("client_contacts.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("module", sa.String(32), primary_key=True),
        sa.Column("created_at", TS, nullable=False, server_default=sa.text("now()")),
        sa.CheckConstraint(
            "module IN ('reports', 'documents', 'upload', 'chat', 'order_services', 'approve')",
            name="ck_client_grants_module",
        ),
    )


def downgrade() -> None:
    op.drop_table("client_grants")
    op.drop_table("client_contacts")
    op.drop_table("client_org_moderators")
    op.drop_table("client_organizations")
