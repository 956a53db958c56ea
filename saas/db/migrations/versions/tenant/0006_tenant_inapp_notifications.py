"""tenant schema: in-app notifications per person (read state, batched e-mail)

Revision ID: t_notifications_2
Revises: t_reports_2
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "t_notifications_2"
down_revision = "t_reports_2"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
NOW = sa.text("now()")


def upgrade() -> None:
    op.create_table(
        "notifications",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("person_id", sa.BigInteger, nullable=False),
        sa.Column("audience", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column(
            "organization_id",
            sa.BigInteger,
            sa.ForeignKey("client_organizations.id", ondelete="CASCADE"),
        ),
        sa.Column("report_id", sa.BigInteger, sa.ForeignKey("reports.id", ondelete="CASCADE")),
        sa.Column("event_id", sa.BigInteger),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("created_at", TS, nullable=False, server_default=NOW),
        sa.Column("read_at", TS),
        sa.Column("emailed_at", TS),
        sa.UniqueConstraint("person_id", "event_id", name="uq_notifications_person_event"),
        sa.CheckConstraint("audience IN ('client', 'staff')", name="ck_notifications_audience"),
    )
    op.create_index("ix_notifications_person_id", "notifications", ["person_id", "id"])
    op.create_index(
        "ix_notifications_unread",
        "notifications",
        ["person_id"],
        postgresql_where=sa.text("read_at IS NULL"),
    )
    op.create_index(
        "ix_notifications_unmailed",
        "notifications",
        ["person_id"],
        postgresql_where=sa.text("emailed_at IS NULL"),
    )
    op.create_index("ix_notifications_report", "notifications", ["report_id"])


def downgrade() -> None:
    op.drop_table("notifications")
