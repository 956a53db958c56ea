"""shared schema: the periodic jobs' last fired period (saas.jobs.periodic)

Revision ID: s0003
Revises: s0002
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "s0003"
down_revision = "s0002"
branch_labels = None
depends_on = None

S = "shared"


def upgrade() -> None:
    op.create_table(
        "scheduled_runs",
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("last_period", sa.BigInteger, nullable=False),
        sa.Column("interval_seconds", sa.BigInteger, nullable=False),
        sa.Column(
            "fired_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("now()")
        ),
        schema=S,
    )


def downgrade() -> None:
    op.drop_table("scheduled_runs", schema=S)
