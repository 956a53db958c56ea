"""tenant schema: onboarding a client organization to departments (issue 14)

- `request_onboarding_tasks`: one task for each department's head when an organization is
  onboarded to departments: the head appoints the project manager of that direction and
  names the project. The task of the main department (`main`) makes its manager the
  organization's responsible manager, the others moderators. One open task per organization
  and department.

Revision ID: t_requests_6
Revises: t_requests_5
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "t_requests_6"
down_revision = "t_requests_5"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "request_onboarding_tasks",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column(
            "organization_id",
            sa.BigInteger,
            sa.ForeignKey("client_organizations.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "department_id",
            sa.BigInteger,
            sa.ForeignKey("request_departments.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("head_person_id", sa.BigInteger),
        sa.Column("main", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("status", sa.String(8), nullable=False, server_default="open"),
        sa.Column("project_name", sa.Text),
        sa.Column("manager_person_id", sa.BigInteger),
        sa.Column("created_by", sa.BigInteger),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("completed_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint("status IN ('open', 'done')", name="ck_request_onboarding_status"),
    )
    op.create_index(
        "uq_request_onboarding_open",
        "request_onboarding_tasks",
        ["organization_id", "department_id"],
        unique=True,
        postgresql_where=sa.text("status = 'open'"),
    )
    op.create_index(
        "ix_request_onboarding_head", "request_onboarding_tasks", ["head_person_id", "status"]
    )


def downgrade() -> None:
    op.drop_table("request_onboarding_tasks")
