"""Tenant tables of the chat (migration t_chat_1).

Messages are append-only: a trigger refuses DELETE and any UPDATE of what was said; a
withdrawal only stamps `withdrawn_at` (the text stays for the firm's audit). person ids are
plain shared.people ids (no cross-schema foreign key).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Computed,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from saas.db.base import TenantBase

Timestamp = DateTime(timezone=True)

# Who wrote a message: a client contact, a staff member, the platform (an integrator's token,
# a report's status).
CLIENT = "client"
STAFF = "staff"
SYSTEM = "system"
PERFORMER = "performer"  # the performer of a performer order's conversation (t_performers_3)

# What a message is.
TEXT = "text"
SYSTEM_ENTRY = "system"
MARK = "mark"
NOTICE = "notice"
KINDS = (TEXT, SYSTEM_ENTRY, MARK, NOTICE)

NOTICE_KINDS = ("info", "must_read", "must_open_file", "must_approve")
NOTICE_ACTIONS = ("read", "opened", "approved", "declined")


class ChatConversation(TenantBase):
    """One per client organization (`report_id`, `request_id` and `performer_order_id`
    NULL), one per report or service request linked to it (the same mechanism for both), one
    per performer order and performer (t_performers_3)."""

    __tablename__ = "chat_conversations"
    __table_args__ = (
        Index(
            "uq_chat_conversations_organization",
            "organization_id",
            unique=True,
            postgresql_where=text(
                "report_id IS NULL AND request_id IS NULL AND performer_order_id IS NULL"
            ),
        ),
        Index(
            "uq_chat_conversations_report",
            "report_id",
            unique=True,
            postgresql_where=text("report_id IS NOT NULL"),
        ),
        Index(
            "uq_chat_conversations_request",
            "request_id",
            unique=True,
            postgresql_where=text("request_id IS NOT NULL"),
        ),
        Index("ix_chat_conversations_assignee", "assignee_person_id"),
        Index(
            "uq_chat_conversations_performer_order",
            "performer_order_id",
            "performer_person_id",
            unique=True,
            postgresql_where=text("performer_order_id IS NOT NULL"),
        ),
        Index(
            "ix_chat_conversations_performer",
            "performer_person_id",
            postgresql_where=text("performer_person_id IS NOT NULL"),
        ),
        CheckConstraint(
            "(performer_order_id IS NULL) = (performer_person_id IS NULL)", name="performer_pair"
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("client_organizations.id", ondelete="CASCADE")
    )
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"))
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("service_requests.id", ondelete="CASCADE")
    )
    # A performer order's conversation: the order and the one performer it is with.
    performer_order_id: Mapped[int | None] = mapped_column(
        ForeignKey("performer_orders.id", ondelete="CASCADE")
    )
    performer_person_id: Mapped[int | None] = mapped_column(BigInteger)
    assignee_person_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())
    last_message_id: Mapped[int | None] = mapped_column(BigInteger)
    last_message_at: Mapped[datetime | None] = mapped_column(Timestamp)
    # The client's oldest message no staff member has answered yet (the firm's inbox).
    awaiting_since: Mapped[datetime | None] = mapped_column(Timestamp)


class ChatMessage(TenantBase):
    __tablename__ = "chat_messages"
    __table_args__ = (
        CheckConstraint("kind IN ('text', 'system', 'mark', 'notice')", name="kind"),
        CheckConstraint("author_side IN ('client', 'staff', 'system', 'performer')", name="side"),
        CheckConstraint("char_length(body) <= 10000", name="body_length"),
        Index("ix_chat_messages_conversation", "conversation_id", "id"),
        Index("ix_chat_messages_search", "search", postgresql_using="gin"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("chat_conversations.id", ondelete="CASCADE")
    )
    author_person_id: Mapped[int | None] = mapped_column(BigInteger)
    author_token_id: Mapped[int | None] = mapped_column(BigInteger)
    author_side: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(8))
    body: Mapped[str] = mapped_column(Text)
    # A mark's fields (call / letter / visit / service), a system entry's source (report id,
    # status), a notice's summary: whatever the kind needs, shown by the cabinet.
    data: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    created_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())
    withdrawn_at: Mapped[datetime | None] = mapped_column(Timestamp)
    search: Mapped[Any] = mapped_column(
        TSVECTOR,
        Computed("to_tsvector('russian'::regconfig, body)", persisted=True),
        deferred=True,
    )


class ChatMessageFile(TenantBase):
    """A drive file carried by a message; its name kept for the search."""

    __tablename__ = "chat_message_files"
    __table_args__ = (
        Index("ix_chat_message_files_message", "message_id"),
        Index("ix_chat_message_files_file", "file_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("chat_messages.id", ondelete="CASCADE"))
    file_id: Mapped[int] = mapped_column(ForeignKey("drive_files.id", ondelete="CASCADE"))
    version_id: Mapped[int | None] = mapped_column(
        ForeignKey("drive_file_versions.id", ondelete="SET NULL")
    )
    name: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer, default=0)


class ChatRead(TenantBase):
    """How far one person has read one conversation."""

    __tablename__ = "chat_reads"
    __table_args__ = (Index("ix_chat_reads_person", "person_id", "conversation_id"),)

    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("chat_conversations.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    side: Mapped[str] = mapped_column(String(16))  # client / staff / performer
    last_read_message_id: Mapped[int] = mapped_column(BigInteger)
    read_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())


class ChatNotice(TenantBase):
    """A notice message's kind and, for must-open-file, the file to open."""

    __tablename__ = "chat_notices"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('info', 'must_read', 'must_open_file', 'must_approve')", name="kind"
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("chat_messages.id", ondelete="CASCADE"), unique=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    file_id: Mapped[int | None] = mapped_column(ForeignKey("drive_files.id", ondelete="SET NULL"))
    version_id: Mapped[int | None] = mapped_column(
        ForeignKey("drive_file_versions.id", ondelete="SET NULL")
    )
    created_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())
    reminded_at: Mapped[datetime | None] = mapped_column(Timestamp)


class ChatNoticeAction(TenantBase):
    """One recipient's action on a notice: the proof (time, person, IP, user agent, the
    opened version's SHA-256)."""

    __tablename__ = "chat_notice_actions"
    __table_args__ = (
        CheckConstraint("action IN ('read', 'opened', 'approved', 'declined')", name="action"),
        Index("ix_chat_notice_actions_notice", "notice_id", "person_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("chat_notices.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(BigInteger)
    action: Mapped[str] = mapped_column(String(16))
    comment: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())
    ip: Mapped[str | None] = mapped_column(Text)
    user_agent: Mapped[str | None] = mapped_column(Text)
    version_sha256: Mapped[str | None] = mapped_column(String(64))
