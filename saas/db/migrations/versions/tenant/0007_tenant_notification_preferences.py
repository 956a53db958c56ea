"""tenant schema: per-person notification preferences (e-mail per kind), skipped e-mails

Revision ID: t_notifications_3
Revises: t_notifications_2
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "t_notifications_3"
down_revision = "t_notifications_2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notification_preferences",
        sa.Column("person_id", sa.BigInteger, nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("email", sa.Boolean, nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            nullable=False,
            server_default=sa.text("now()"),
        ),
        sa.PrimaryKeyConstraint("person_id", "kind", name="pk_notification_preferences"),
    )
    # A constant default: PostgreSQL adds the column without rewriting the table.
    op.add_column(
        "notifications",
        sa.Column("email_skipped", sa.Boolean, nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    op.drop_column("notifications", "email_skipped")
    op.drop_table("notification_preferences")
