"""tenant schema: every fetch of a download link is logged ("downloaded"), apart from issuing

drive_access_log: action 'downloaded' besides 'view'/'download' (issued), link_id (the issuing
entry of a fetch). report_document_access: action ('link_issued' for the rows so far, or
'downloaded') and link_id.

Revision ID: t_documents_2
Revises: t_notifications_3
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "t_documents_2"
down_revision = "t_notifications_3"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_constraint(op.f("ck_drive_access_log_action"), "drive_access_log", type_="check")
    op.create_check_constraint(
        op.f("ck_drive_access_log_action"),
        "drive_access_log",
        "action IN ('view', 'download', 'downloaded')",
    )
    op.add_column("drive_access_log", sa.Column("link_id", sa.BigInteger))
    # A constant default: PostgreSQL adds the column without rewriting the table.
    op.add_column(
        "report_document_access",
        sa.Column("action", sa.String(16), nullable=False, server_default="link_issued"),
    )
    op.create_check_constraint(
        op.f("ck_report_document_access_action"),
        "report_document_access",
        "action IN ('link_issued', 'downloaded')",
    )
    op.add_column("report_document_access", sa.Column("link_id", sa.BigInteger))


def downgrade() -> None:
    op.drop_column("report_document_access", "link_id")
    op.drop_constraint(
        op.f("ck_report_document_access_action"), "report_document_access", type_="check"
    )
    op.drop_column("report_document_access", "action")
    op.drop_column("drive_access_log", "link_id")
    op.execute("DELETE FROM drive_access_log WHERE action = 'downloaded'")
    op.drop_constraint(op.f("ck_drive_access_log_action"), "drive_access_log", type_="check")
    op.create_check_constraint(
        op.f("ck_drive_access_log_action"), "drive_access_log", "action IN ('view', 'download')"
    )
