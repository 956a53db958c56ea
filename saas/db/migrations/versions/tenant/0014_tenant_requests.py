"""tenant schema: service requests (issue 14): departments, catalog templates and
per-organization catalogs, requests, their comments and files

- `request_departments`: seeded with HR / Кадры, Accounting / Бухгалтерия, Consulting /
  Консалтинг (a new firm gets them when its schema is migrated); the firm renames and adds.
- `request_templates`, `request_services`: a service belongs to a template or to one client
  organization's catalog (exactly one of the two).
- `service_requests`, `service_request_comments`, `service_request_files`.
`requests` joins the modules enabled by default (every existing organization too).

Revision ID: t_requests_1
Revises: t_calendar_1
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "t_requests_1"
down_revision = "t_calendar_1"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
NOW = sa.text("now()")
BUILT_DEFAULT_BEFORE = "'{reports,documents,upload,chat}'::text[]"
BUILT_DEFAULT = "'{reports,documents,upload,chat,requests}'::text[]"
GRANTS_BEFORE = "'reports', 'documents', 'upload', 'chat', 'order_services', 'approve'"
GRANTS = f"{GRANTS_BEFORE}, 'requests'"
DEPARTMENTS = (
    ("hr", "Кадры", "HR", 1),
    ("accounting", "Бухгалтерия", "Accounting", 2),
    ("consulting", "Консалтинг", "Consulting", 3),
)


def _id() -> sa.Column:
    return sa.Column("id", sa.BigInteger, primary_key=True)


def _org(nullable: bool) -> sa.Column:
    return sa.Column(
        "organization_id",
        sa.BigInteger,
        sa.ForeignKey("client_organizations.id", ondelete="CASCADE"),
        nullable=nullable,
    )


def _department() -> sa.Column:
    return sa.Column(
        "department_id",
        sa.BigInteger,
        sa.ForeignKey("request_departments.id", ondelete="SET NULL"),
    )


def upgrade() -> None:
    op.create_table(
        "request_departments",
        _id(),
        sa.Column("code", sa.String(40), unique=True),
        sa.Column("name_ru", sa.Text, nullable=False),
        sa.Column("name_en", sa.Text, nullable=False),
        sa.Column("head_person_id", sa.BigInteger),
        sa.Column("position", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_at", TS, nullable=False, server_default=NOW),
        sa.CheckConstraint("char_length(name_ru) BETWEEN 1 AND 200", name="ck_req_dep_name_ru"),
        sa.CheckConstraint("char_length(name_en) BETWEEN 1 AND 200", name="ck_req_dep_name_en"),
    )
    op.create_table(
        "request_templates",
        _id(),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("created_at", TS, nullable=False, server_default=NOW),
        sa.CheckConstraint("char_length(name) BETWEEN 1 AND 200", name="ck_req_template_name"),
    )
    op.create_table(
        "request_services",
        _id(),
        sa.Column(
            "template_id",
            sa.BigInteger,
            sa.ForeignKey("request_templates.id", ondelete="CASCADE"),
        ),
        _org(True),
        sa.Column("copied_from_id", sa.BigInteger),
        _department(),
        sa.Column("category", sa.Text, nullable=False),
        sa.Column("group_name", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("planned_days", sa.Integer, nullable=False),
        sa.Column("hard_days", sa.Integer, nullable=False),
        sa.Column("file_required", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column(
            "after_service_id",
            sa.BigInteger,
            sa.ForeignKey("request_services.id", ondelete="SET NULL"),
        ),
        sa.Column("checklist", JSONB, nullable=False, server_default="[]"),
        sa.Column("regulation_links", JSONB, nullable=False, server_default="[]"),
        sa.Column("responsible_role", sa.Text),
        sa.Column("responsible_person_id", sa.BigInteger),
        sa.Column("price_kind", sa.String(10)),
        sa.Column("price", sa.Numeric(12, 2)),
        sa.Column("position", sa.Integer, nullable=False, server_default="0"),
        sa.Column("archived", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created_at", TS, nullable=False, server_default=NOW),
        sa.CheckConstraint(
            "(template_id IS NULL) <> (organization_id IS NULL)", name="ck_req_service_owner"
        ),
        sa.CheckConstraint(
            "planned_days BETWEEN 0 AND 366 AND hard_days BETWEEN planned_days AND 366",
            name="ck_req_service_days",
        ),
        sa.CheckConstraint(
            "price_kind IS NULL OR price_kind IN ('hourly', 'piece')", name="ck_req_price_kind"
        ),
    )
    op.create_index("ix_request_services_template", "request_services", ["template_id"])
    op.create_index("ix_request_services_organization", "request_services", ["organization_id"])
    op.create_table(
        "service_requests",
        _id(),
        _org(False),
        sa.Column(
            "service_id", sa.BigInteger, sa.ForeignKey("request_services.id"), nullable=False
        ),
        _department(),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("status", sa.String(20), nullable=False, server_default="new"),
        sa.Column("due_date", sa.Date, nullable=False),
        sa.Column("hard_due_date", sa.Date, nullable=False),
        sa.Column(
            "after_request_id",
            sa.BigInteger,
            sa.ForeignKey("service_requests.id", ondelete="SET NULL"),
        ),
        sa.Column("waiting", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("performer_person_id", sa.BigInteger),
        sa.Column("checklist", JSONB, nullable=False, server_default="[]"),
        sa.Column("done_reason", sa.Text),
        sa.Column("created_by", sa.BigInteger),
        sa.Column("created_at", TS, nullable=False, server_default=NOW),
        sa.Column("updated_at", TS, nullable=False, server_default=NOW),
        sa.Column("reviewed_at", TS),
        sa.Column("accepted_at", TS),
        sa.Column("closed_at", TS),
        sa.CheckConstraint(
            "status IN ('new', 'under_review', 'accepted', 'done', 'rejected')",
            name="ck_service_requests_status",
        ),
    )
    op.create_index(
        "ix_service_requests_org", "service_requests", ["organization_id", "created_at"]
    )
    op.create_index(
        "ix_service_requests_department", "service_requests", ["department_id", "due_date"]
    )
    op.create_table(
        "service_request_comments",
        _id(),
        sa.Column(
            "request_id",
            sa.BigInteger,
            sa.ForeignKey("service_requests.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("author_person_id", sa.BigInteger),
        sa.Column("side", sa.String(10), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("created_at", TS, nullable=False, server_default=NOW),
    )
    op.create_index(
        "ix_service_request_comments_request", "service_request_comments", ["request_id", "id"]
    )
    op.create_table(
        "service_request_files",
        sa.Column(
            "request_id",
            sa.BigInteger,
            sa.ForeignKey("service_requests.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("file_id", sa.BigInteger, primary_key=True),
        sa.Column("attached_by", sa.BigInteger),
        sa.Column("created_at", TS, nullable=False, server_default=NOW),
    )
    departments = sa.table(
        "request_departments",
        sa.column("code", sa.String),
        sa.column("name_ru", sa.Text),
        sa.column("name_en", sa.Text),
        sa.column("position", sa.Integer),
    )
    op.bulk_insert(
        departments,
        [{"code": c, "name_ru": ru, "name_en": en, "position": p} for c, ru, en, p in DEPARTMENTS],
    )
    op.drop_constraint("ck_client_grants_module", "client_grants", type_="check")
    op.create_check_constraint("ck_client_grants_module", "client_grants", f"module IN ({GRANTS})")
    op.execute(
        "UPDATE client_organizations SET enabled_modules = "
        "array_append(enabled_modules, 'requests') WHERE NOT ('requests' = ANY(enabled_modules))"
    )
    op.alter_column(
        "client_organizations", "enabled_modules", server_default=sa.text(BUILT_DEFAULT)
    )


def downgrade() -> None:
    op.alter_column(
        "client_organizations", "enabled_modules", server_default=sa.text(BUILT_DEFAULT_BEFORE)
    )
    op.execute("DELETE FROM client_grants WHERE module = 'requests'")
    op.drop_constraint("ck_client_grants_module", "client_grants", type_="check")
    op.create_check_constraint(
        "ck_client_grants_module", "client_grants", f"module IN ({GRANTS_BEFORE})"
    )
    op.execute(
        "UPDATE client_organizations SET enabled_modules = "
        "array_remove(enabled_modules, 'requests')"
    )
    for table in (
        "service_request_files",
        "service_request_comments",
        "service_requests",
        "request_services",
        "request_templates",
        "request_departments",
    ):
        op.drop_table(table)
