"""tenant schema: a request opened by a report's rejection (issue 14)

- `service_requests.report_id`, `report_follow_up_id`: the report the tax authority rejected
  and the follow-up its rejection opened; one request per follow-up (unique).
- `request_services.system_key`: a service the platform keeps in an organization's catalog,
  archived (never offered to the client), e.g. `report_fix` for these requests.

Revision ID: t_requests_4
Revises: t_requests_3
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "t_requests_4"
down_revision = "t_requests_3"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "service_requests",
        sa.Column("report_id", sa.BigInteger, sa.ForeignKey("reports.id", ondelete="SET NULL")),
    )
    op.add_column(
        "service_requests",
        sa.Column(
            "report_follow_up_id",
            sa.BigInteger,
            sa.ForeignKey("follow_ups.id", ondelete="SET NULL"),
        ),
    )
    op.create_index(
        "uq_service_requests_follow_up",
        "service_requests",
        ["report_follow_up_id"],
        unique=True,
        postgresql_where=sa.text("report_follow_up_id IS NOT NULL"),
    )
    op.add_column("request_services", sa.Column("system_key", sa.String(40)))
    op.create_index(
        "uq_request_services_system_key",
        "request_services",
        ["organization_id", "system_key"],
        unique=True,
        postgresql_where=sa.text("system_key IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("uq_request_services_system_key", table_name="request_services")
    op.drop_column("request_services", "system_key")
    op.drop_index("uq_service_requests_follow_up", table_name="service_requests")
    op.drop_column("service_requests", "report_follow_up_id")
    op.drop_column("service_requests", "report_id")
