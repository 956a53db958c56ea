"""shared schema: identity details (TOTP replay guard, look-up indexes)

Revision ID: s0002
Revises: s0001
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "s0002"
down_revision = "s0001"
branch_labels = None
depends_on = None

S = "shared"


def upgrade() -> None:
    # The last accepted TOTP time step: a code is accepted once, never replayed.
    op.add_column("people", sa.Column("totp_last_step", sa.BigInteger), schema=S)
    op.create_index(
        "ix_one_time_codes_person_purpose",
        "one_time_codes",
        ["person_id", "purpose", "created_at"],
        schema=S,
    )
    op.create_index(
        "ix_invitations_tenant_email",
        "invitations",
        ["tenant_id", sa.text("lower(email)")],
        schema=S,
    )


def downgrade() -> None:
    op.drop_index("ix_invitations_tenant_email", "invitations", schema=S)
    op.drop_index("ix_one_time_codes_person_purpose", "one_time_codes", schema=S)
    op.drop_column("people", "totp_last_step", schema=S)
