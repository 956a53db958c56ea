"""tenant schema: moderators looked up by person (the organizations assigned to a staff member)

Staff without `clients:read_all` see the organizations they manage or moderate: every scoped
statement asks `client_org_moderators` by person_id, which its primary key (organization,
person) does not serve.

Revision ID: t_clients_2
Revises: t_audit_1
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op

revision = "t_clients_2"
down_revision = "t_audit_1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_client_org_moderators_person",
        "client_org_moderators",
        ["person_id", "organization_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_client_org_moderators_person", "client_org_moderators")
