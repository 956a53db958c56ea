"""tenant schema: time on service requests and their amounts (issue 14)

- `service_request_time`: a performer's time on a request: a timer (`started_at`, running
  while `stopped_at` is NULL, one running per person and request) or an entry made by hand
  (`manual`); `minutes` once stopped or given; `work_date` the firm's local date of the work.
- `service_requests.quantity`: pieces done of a per-piece service (its amount is price ×
  quantity, 1 when unset; an hourly one's is price × hours recorded).

Revision ID: t_requests_3
Revises: t_requests_2
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "t_requests_3"
down_revision = "t_requests_2"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
NOW = sa.text("now()")


def upgrade() -> None:
    op.add_column("service_requests", sa.Column("quantity", sa.Integer))
    op.create_table(
        "service_request_time",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column(
            "request_id",
            sa.BigInteger,
            sa.ForeignKey("service_requests.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("person_id", sa.BigInteger, nullable=False),
        sa.Column("work_date", sa.Date, nullable=False),
        sa.Column("minutes", sa.Integer),
        sa.Column("manual", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("started_at", TS),
        sa.Column("stopped_at", TS),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("created_at", TS, nullable=False, server_default=NOW),
        sa.CheckConstraint(
            "minutes IS NULL OR minutes BETWEEN 1 AND 1440", name="ck_service_request_time_minutes"
        ),
        sa.CheckConstraint(
            "manual OR started_at IS NOT NULL", name="ck_service_request_time_timer_started"
        ),
        sa.CheckConstraint("char_length(note) <= 2000", name="ck_service_request_time_note"),
    )
    op.create_index("ix_service_request_time_request", "service_request_time", ["request_id"])
    op.create_index(
        "uq_service_request_time_running",
        "service_request_time",
        ["request_id", "person_id"],
        unique=True,
        postgresql_where=sa.text("NOT manual AND stopped_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_table("service_request_time")
    op.drop_column("service_requests", "quantity")
