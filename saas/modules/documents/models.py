"""Tenant tables of the document drive (migration t_documents_1).

Bodies live in object storage under the tenant's prefix (saas.storage.tenant_files); rows hold
the key, size and SHA-256. A row is written only after its object is stored, so no row points
at a missing object. person ids are plain shared.people ids (no cross-schema foreign key).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from saas.db.base import TenantBase

Timestamp = DateTime(timezone=True)

FOR_CLIENT = "for_client"
FROM_CLIENT = "from_client"


class DriveFolder(TenantBase):
    """A folder of one organization's drive. The two roots are system folders; staff add
    subfolders, which inherit the root's direction."""

    __tablename__ = "drive_folders"
    __table_args__ = (
        CheckConstraint("direction IN ('for_client', 'from_client')", name="direction"),
        CheckConstraint(
            "system_kind IS NULL OR system_kind IN ('for_client', 'from_client')",
            name="system_kind",
        ),
        # One system folder of each kind per organization (lazy creation relies on it).
        Index(
            "uq_drive_folders_system",
            "organization_id",
            "system_kind",
            unique=True,
            postgresql_where=text("system_kind IS NOT NULL"),
        ),
        Index("ix_drive_folders_parent", "parent_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("client_organizations.id", ondelete="CASCADE")
    )
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("drive_folders.id"))
    system_kind: Mapped[str | None] = mapped_column(String(16))
    direction: Mapped[str] = mapped_column(String(16))
    name_ru: Mapped[str] = mapped_column(Text)
    name_en: Mapped[str] = mapped_column(Text)
    created_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())


class DriveFile(TenantBase):
    __tablename__ = "drive_files"
    __table_args__ = (
        # One live file per name in a folder: a second upload of the name is a new version.
        Index(
            "uq_drive_files_folder_name_live",
            "folder_id",
            text("lower(name)"),
            unique=True,
            postgresql_where=text("deleted_at IS NULL"),
        ),
        Index("ix_drive_files_organization", "organization_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    folder_id: Mapped[int] = mapped_column(ForeignKey("drive_folders.id", ondelete="CASCADE"))
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("client_organizations.id", ondelete="CASCADE")
    )
    name: Mapped[str] = mapped_column(Text)
    current_version_no: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())
    deleted_at: Mapped[datetime | None] = mapped_column(Timestamp)
    deleted_by: Mapped[int | None] = mapped_column(BigInteger)


class DriveFileVersion(TenantBase):
    __tablename__ = "drive_file_versions"
    __table_args__ = (UniqueConstraint("file_id", "version_no", name="uq_drive_file_versions_no"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("drive_files.id", ondelete="CASCADE"))
    version_no: Mapped[int] = mapped_column(Integer)
    storage_key: Mapped[str] = mapped_column(Text, unique=True)
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str] = mapped_column(Text)
    uploaded_by: Mapped[int | None] = mapped_column(BigInteger)
    uploaded_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())


class DriveUpload(TenantBase):
    """A large upload in flight: the client PUTs to a presigned link, then completes it."""

    __tablename__ = "drive_uploads"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    folder_id: Mapped[int] = mapped_column(ForeignKey("drive_folders.id", ondelete="CASCADE"))
    filename: Mapped[str] = mapped_column(Text)
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(Text, unique=True)
    created_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(Timestamp)


class DriveAccess(TenantBase):
    """One entry of a file version's access log: who, when, from where. `view`/`download`:
    a link was issued (for a preview, for a download); `downloaded`: its bytes were fetched,
    once per fetch (`link_id` names the issuing entry; the person is the one the link was
    issued to, the address and user agent the fetch's own)."""

    __tablename__ = "drive_access_log"
    __table_args__ = (
        CheckConstraint("action IN ('view', 'download', 'downloaded')", name="action"),
        Index("ix_drive_access_log_at", "at"),
        Index("ix_drive_access_log_file", "file_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    person_id: Mapped[int | None] = mapped_column(BigInteger)
    token_id: Mapped[int | None] = mapped_column(BigInteger)
    at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())
    ip: Mapped[str | None] = mapped_column(Text)
    user_agent: Mapped[str | None] = mapped_column(Text)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("client_organizations.id", ondelete="CASCADE")
    )
    file_id: Mapped[int] = mapped_column(ForeignKey("drive_files.id", ondelete="CASCADE"))
    version_id: Mapped[int] = mapped_column(
        ForeignKey("drive_file_versions.id", ondelete="CASCADE")
    )
    action: Mapped[str] = mapped_column(String(16))
    link_id: Mapped[int | None] = mapped_column(BigInteger)
