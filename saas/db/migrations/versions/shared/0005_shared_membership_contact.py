"""shared schema: a firm's own contact card for a person on the membership (issue 12)

`contact_label` (position or label as the firm knows the person), `contact_phone` and
`contact_note`: written by the firm's staff, shown only inside that firm; the person's own
`people.display_name` stays theirs.

Revision ID: s0005
Revises: s0004
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "s0005"
down_revision = "s0004"
branch_labels = None
depends_on = None

S = "shared"
COLUMNS = ("contact_label", "contact_phone", "contact_note")


def upgrade() -> None:
    for name in COLUMNS:
        op.add_column(
            "memberships",
            sa.Column(name, sa.Text, nullable=False, server_default=""),
            schema=S,
        )


def downgrade() -> None:
    for name in reversed(COLUMNS):
        op.drop_column("memberships", name, schema=S)
