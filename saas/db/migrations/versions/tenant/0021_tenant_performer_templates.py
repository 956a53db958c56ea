"""tenant schema: the firm's document templates for performer work (issue 17)

- `performer_templates`: the firm's own text of a document kind (`contract`), replacing the
  default shipped with the product until the firm removes it.

Revision ID: t_performers_2
Revises: t_performers_1
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "t_performers_2"
down_revision = "t_performers_1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "performer_templates",
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("updated_by", sa.BigInteger),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.CheckConstraint("kind IN ('contract')", name="ck_performer_templates_kind"),
    )


def downgrade() -> None:
    op.drop_table("performer_templates")
