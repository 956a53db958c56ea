"""tenant schema: documents attached to report events (and their download log); follow-up
due date and document count on reports

Revision ID: t_reports_2
Revises: t_notifications_1
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "t_reports_2"
down_revision = "t_notifications_1"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
NOW = sa.text("now()")


def upgrade() -> None:
    # Earliest due date of the report's open follow-ups (NULL when none): the feed shows
    # "overdue" and the workspace orders by it without another statement.
    op.add_column("reports", sa.Column("follow_up_due", sa.Date))
    # Number of documents attached to the report's events (the feed shows it per row).
    op.add_column(
        "reports",
        sa.Column("document_count", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_table(
        "report_documents",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column(
            "report_id",
            sa.BigInteger,
            sa.ForeignKey("reports.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "event_id",
            sa.BigInteger,
            sa.ForeignKey("report_events.id", ondelete="CASCADE"),
            nullable=False,
        ),
        # report_file | receipt | notice_of_input | rejection_notice | other
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("storage_key", sa.Text, nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("content_type", sa.String(255), nullable=False),
        sa.Column("created_at", TS, nullable=False, server_default=NOW),
    )
    op.create_index("ix_report_documents_report", "report_documents", ["report_id", "id"])
    op.create_index("ix_report_documents_event", "report_documents", ["event_id", "id"])
    # Who fetched a download link of a report document, when and from where. The drive's
    # drive_access_log cannot hold these rows: its file_id/version_id are NOT NULL foreign
    # keys to drive_files/drive_file_versions.
    op.create_table(
        "report_document_access",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column(
            "document_id",
            sa.BigInteger,
            sa.ForeignKey("report_documents.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("organization_id", sa.BigInteger, nullable=False),
        sa.Column("person_id", sa.BigInteger),
        sa.Column("token_id", sa.BigInteger),
        sa.Column("ip", sa.Text),
        sa.Column("user_agent", sa.Text),
        sa.Column("at", TS, nullable=False, server_default=NOW),
    )
    op.create_index("ix_report_document_access_at", "report_document_access", ["at"])
    op.create_index("ix_report_document_access_document", "report_document_access", ["document_id"])


def downgrade() -> None:
    op.drop_table("report_document_access")
    op.drop_table("report_documents")
    op.drop_column("reports", "document_count")
    op.drop_column("reports", "follow_up_due")
