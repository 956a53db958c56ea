"""tenant schema: reports, report events, follow-ups

Revision ID: t_reports_1
Revises: t0002

Runs as the tenant's role with search_path set to its schema: no schema is named here.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "t_reports_1"
down_revision = "t0002"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
KINDS = (
    "'prepared', 'sent', 'delivered', 'accepted', 'rejected', "
    "'clarification_requested', 'processing_error'"
)


def upgrade() -> None:
    op.create_table(
        "reports",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column(
            "organization_id",
            sa.BigInteger,
            sa.ForeignKey("client_organizations.id", ondelete="RESTRICT"),
            nullable=False,
        ),
        sa.Column("form_code", sa.String(32), nullable=False),
        sa.Column("period_year", sa.Integer, nullable=False),
        sa.Column("period_code", sa.String(4), nullable=False),
        sa.Column("period_start", sa.Date, nullable=False),
        sa.Column("authority_code", sa.String(16), nullable=False),
        sa.Column("correction", sa.Integer, nullable=False, server_default="0"),
        sa.Column("manager_person_id", sa.BigInteger),
        sa.Column("status", sa.String(32), nullable=False, server_default="draft"),
        sa.Column("status_at", TS, nullable=False, server_default=sa.text("now()")),
        sa.Column("being_fixed", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created_at", TS, nullable=False, server_default=sa.text("now()")),
        sa.Column("updated_at", TS, nullable=False, server_default=sa.text("now()")),
        sa.UniqueConstraint(
            "organization_id",
            "form_code",
            "period_year",
            "period_code",
            "correction",
            name="uq_reports_org_form_period_correction",
        ),
        sa.CheckConstraint("correction >= 0", name="ck_reports_correction"),
        sa.CheckConstraint(f"status IN ('draft', {KINDS})", name="ck_reports_status"),
    )
    op.create_index("ix_reports_updated_id", "reports", ["updated_at", "id"])
    op.create_index("ix_reports_org_updated", "reports", ["organization_id", "updated_at", "id"])
    op.create_table(
        "report_events",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column(
            "report_id",
            sa.BigInteger,
            sa.ForeignKey("reports.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("external_id", sa.String(128), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("occurred_at", TS, nullable=False),
        sa.Column("text", sa.Text, nullable=False, server_default=""),
        sa.Column("reason_code", sa.String(64)),
        sa.Column("documents", JSONB),
        sa.Column("recorded_at", TS, nullable=False, server_default=sa.text("now()")),
        sa.UniqueConstraint("external_id", name="uq_report_events_external_id"),
        sa.CheckConstraint(f"kind IN ({KINDS})", name="ck_report_events_kind"),
    )
    op.create_index("ix_report_events_report", "report_events", ["report_id", "occurred_at", "id"])
    op.create_table(
        "follow_ups",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column(
            "report_id",
            sa.BigInteger,
            sa.ForeignKey("reports.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "event_id",
            sa.BigInteger,
            sa.ForeignKey("report_events.id", ondelete="CASCADE"),
            nullable=False,
            unique=True,
        ),
        sa.Column("manager_person_id", sa.BigInteger),
        sa.Column("due_date", sa.Date, nullable=False),
        sa.Column("status", sa.String(16), nullable=False, server_default="open"),
        sa.Column("created_at", TS, nullable=False, server_default=sa.text("now()")),
        sa.Column("closed_at", TS),
        sa.CheckConstraint("status IN ('open', 'done')", name="ck_follow_ups_status"),
    )
    op.create_index("ix_follow_ups_report", "follow_ups", ["report_id", "status"])


def downgrade() -> None:
    op.drop_table("follow_ups")
    op.drop_table("report_events")
    op.drop_table("reports")
