"""tenant schema: the document drive (folders, files, versions, uploads in flight, access log)

Revision ID: t_documents_1
Revises: t_reports_1
Create Date: 2026-11-23

Runs as the tenant's role with search_path set to its schema. Backfills the two system
folders ("For client" / "From client") of every existing organization; new organizations get
theirs on first access (saas.modules.documents.service.ensure_system_folders).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "t_documents_1"
down_revision = "t_reports_1"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
NOW = sa.text("now()")


def upgrade() -> None:
    op.create_table(
        "drive_folders",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column(
            "organization_id",
            sa.BigInteger,
            sa.ForeignKey("client_organizations.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("parent_id", sa.BigInteger, sa.ForeignKey("drive_folders.id")),
        sa.Column("system_kind", sa.String(16)),
        sa.Column("direction", sa.String(16), nullable=False),
        sa.Column("name_ru", sa.Text, nullable=False),
        sa.Column("name_en", sa.Text, nullable=False),
        sa.Column("created_by", sa.BigInteger),
        sa.Column("created_at", TS, nullable=False, server_default=NOW),
        sa.CheckConstraint(
            "direction IN ('for_client', 'from_client')", name="ck_drive_folders_direction"
        ),
        sa.CheckConstraint(
            "system_kind IS NULL OR system_kind IN ('for_client', 'from_client')",
            name="ck_drive_folders_system_kind",
        ),
    )
    op.create_index(
        "uq_drive_folders_system",
        "drive_folders",
        ["organization_id", "system_kind"],
        unique=True,
        postgresql_where=sa.text("system_kind IS NOT NULL"),
    )
    op.create_index("ix_drive_folders_parent", "drive_folders", ["parent_id"])

    op.create_table(
        "drive_files",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column(
            "folder_id",
            sa.BigInteger,
            sa.ForeignKey("drive_folders.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "organization_id",
            sa.BigInteger,
            sa.ForeignKey("client_organizations.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("current_version_no", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_by", sa.BigInteger),
        sa.Column("created_at", TS, nullable=False, server_default=NOW),
        sa.Column("updated_at", TS, nullable=False, server_default=NOW),
        sa.Column("deleted_at", TS),
        sa.Column("deleted_by", sa.BigInteger),
    )
    op.create_index(
        "uq_drive_files_folder_name_live",
        "drive_files",
        ["folder_id", sa.text("lower(name)")],
        unique=True,
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
    op.create_index("ix_drive_files_organization", "drive_files", ["organization_id"])

    op.create_table(
        "drive_file_versions",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column(
            "file_id",
            sa.BigInteger,
            sa.ForeignKey("drive_files.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("version_no", sa.Integer, nullable=False),
        sa.Column("storage_key", sa.Text, nullable=False, unique=True),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("content_type", sa.Text, nullable=False),
        sa.Column("uploaded_by", sa.BigInteger),
        sa.Column("uploaded_at", TS, nullable=False, server_default=NOW),
        sa.UniqueConstraint("file_id", "version_no", name="uq_drive_file_versions_no"),
    )

    op.create_table(
        "drive_uploads",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column(
            "folder_id",
            sa.BigInteger,
            sa.ForeignKey("drive_folders.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("filename", sa.Text, nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("storage_key", sa.Text, nullable=False, unique=True),
        sa.Column("created_by", sa.BigInteger),
        sa.Column("created_at", TS, nullable=False, server_default=NOW),
        sa.Column("expires_at", TS, nullable=False),
    )

    op.create_table(
        "drive_access_log",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("person_id", sa.BigInteger),
        sa.Column("token_id", sa.BigInteger),
        sa.Column("at", TS, nullable=False, server_default=NOW),
        sa.Column("ip", sa.Text),
        sa.Column("user_agent", sa.Text),
        sa.Column(
            "organization_id",
            sa.BigInteger,
            sa.ForeignKey("client_organizations.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "file_id",
            sa.BigInteger,
            sa.ForeignKey("drive_files.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "version_id",
            sa.BigInteger,
            sa.ForeignKey("drive_file_versions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("action", sa.String(16), nullable=False),
        sa.CheckConstraint("action IN ('view', 'download')", name="ck_drive_access_log_action"),
    )
    op.create_index("ix_drive_access_log_at", "drive_access_log", ["at"])
    op.create_index("ix_drive_access_log_file", "drive_access_log", ["file_id"])

    # The system folders of the organizations that already exist.
    op.execute(
        """
        INSERT INTO drive_folders (organization_id, system_kind, direction, name_ru, name_en)
        SELECT o.id, k.kind, k.kind, k.ru, k.en
        FROM client_organizations o
        CROSS JOIN (VALUES ('for_client', 'Данные для клиента', 'For client'),
                           ('from_client', 'Данные от клиента', 'From client')) AS k(kind, ru, en)
        ON CONFLICT DO NOTHING
        """
    )


def downgrade() -> None:
    for table in (
        "drive_access_log",
        "drive_uploads",
        "drive_file_versions",
        "drive_files",
        "drive_folders",
    ):
        op.drop_table(table)
