"""tenant schema: the service requests' SLA clock (issue 14)

- `awaiting_client_since`: the performer asked the client and waits (the clock is paused);
  cleared when the client comments or attaches a file.
- `paused_days`: business days the clock was paused, in total (the deadlines moved by them).
- `sla_warned_at`: the one warning, one business day before the hard deadline, was sent.
- `breached_at`: the periodic job found the request open past its hard deadline.

Revision ID: t_requests_2
Revises: t_requests_1
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "t_requests_2"
down_revision = "t_requests_1"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("service_requests", sa.Column("awaiting_client_since", TS))
    op.add_column(
        "service_requests",
        sa.Column("paused_days", sa.Integer, nullable=False, server_default="0"),
    )
    op.add_column("service_requests", sa.Column("sla_warned_at", TS))
    op.add_column("service_requests", sa.Column("breached_at", TS))
    # The periodic job's look-up: open requests by hard deadline.
    op.create_index(
        "ix_service_requests_open_hard_due",
        "service_requests",
        ["hard_due_date"],
        postgresql_where=sa.text("status IN ('new', 'under_review', 'accepted')"),
    )


def downgrade() -> None:
    op.drop_index("ix_service_requests_open_hard_due", table_name="service_requests")
    for column in ("breached_at", "sla_warned_at", "paused_days", "awaiting_client_since"):
        op.drop_column("service_requests", column)
