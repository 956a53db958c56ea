"""tenant schema: the chat (issue 13): conversations, append-only messages, their files, read
state, notices and their proof

- `chat_conversations`: one per client organization (`report_id` NULL; unique), later one per
  report or service request linked to it; `assignee_person_id` (a staff member answering it),
  and the inbox's denormalized `last_message_*` / `awaiting_since`.
- `chat_messages`: append-only. A trigger refuses DELETE and any UPDATE of what was said
  (conversation, author, kind, body, created_at); a withdrawal only stamps `withdrawn_at` once.
  `kind`: text (a person), system (the platform, an integrator, a report's status), mark
  (a call / letter / visit / service mark, its fields in `data`), notice. `search` is the
  body's `russian` text-search vector (stemming: "декларации" finds "декларация").
- `chat_message_files`: drive files carried by a message (their name kept for the search).
- `chat_reads`: per person and conversation, the last message read (and the reader's side).
- `chat_notices` / `chat_notice_actions`: a notice's kind and the recipients' recorded actions
  (time, person, IP, user agent, the opened version's SHA-256).
Every existing organization gets its conversation; `chat` joins the modules enabled by default.

Revision ID: t_chat_1
Revises: t_clients_3
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, TSVECTOR

revision = "t_chat_1"
down_revision = "t_clients_3"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
NOW = sa.text("now()")
BUILT_DEFAULT_BEFORE = "'{reports,documents,upload}'::text[]"
BUILT_DEFAULT = "'{reports,documents,upload,chat}'::text[]"

APPEND_ONLY = """
CREATE FUNCTION chat_messages_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'chat messages are append-only: DELETE refused'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NEW.body IS DISTINCT FROM OLD.body
       OR NEW.conversation_id IS DISTINCT FROM OLD.conversation_id
       OR NEW.author_person_id IS DISTINCT FROM OLD.author_person_id
       OR NEW.author_token_id IS DISTINCT FROM OLD.author_token_id
       OR NEW.author_side IS DISTINCT FROM OLD.author_side
       OR NEW.kind IS DISTINCT FROM OLD.kind
       OR NEW.created_at IS DISTINCT FROM OLD.created_at
       OR (OLD.withdrawn_at IS NOT NULL AND NEW.withdrawn_at IS DISTINCT FROM OLD.withdrawn_at)
    THEN
        RAISE EXCEPTION 'chat messages are append-only: what was said cannot change'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $$
"""


def upgrade() -> None:
    op.create_table(
        "chat_conversations",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column(
            "organization_id",
            sa.BigInteger,
            sa.ForeignKey("client_organizations.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("report_id", sa.BigInteger, sa.ForeignKey("reports.id", ondelete="CASCADE")),
        sa.Column("assignee_person_id", sa.BigInteger),
        sa.Column("created_at", TS, nullable=False, server_default=NOW),
        sa.Column("last_message_id", sa.BigInteger),
        sa.Column("last_message_at", TS),
        # The client's oldest message no staff member has answered yet (the inbox).
        sa.Column("awaiting_since", TS),
    )
    op.create_index(
        "uq_chat_conversations_organization",
        "chat_conversations",
        ["organization_id"],
        unique=True,
        postgresql_where=sa.text("report_id IS NULL"),
    )
    op.create_index(
        "uq_chat_conversations_report",
        "chat_conversations",
        ["report_id"],
        unique=True,
        postgresql_where=sa.text("report_id IS NOT NULL"),
    )
    op.create_index("ix_chat_conversations_assignee", "chat_conversations", ["assignee_person_id"])

    op.create_table(
        "chat_messages",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column(
            "conversation_id",
            sa.BigInteger,
            sa.ForeignKey("chat_conversations.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("author_person_id", sa.BigInteger),
        sa.Column("author_token_id", sa.BigInteger),
        sa.Column("author_side", sa.String(8), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("data", JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
        sa.Column("created_at", TS, nullable=False, server_default=NOW),
        sa.Column("withdrawn_at", TS),
        sa.Column(
            "search",
            TSVECTOR,
            sa.Computed("to_tsvector('russian'::regconfig, body)", persisted=True),
        ),
        sa.CheckConstraint(
            "kind IN ('text', 'system', 'mark', 'notice')", name="ck_chat_messages_kind"
        ),
        sa.CheckConstraint(
            "author_side IN ('client', 'staff', 'system')", name="ck_chat_messages_side"
        ),
        sa.CheckConstraint("char_length(body) <= 10000", name="ck_chat_messages_body_length"),
    )
    op.create_index("ix_chat_messages_conversation", "chat_messages", ["conversation_id", "id"])
    op.create_index("ix_chat_messages_search", "chat_messages", ["search"], postgresql_using="gin")
    op.execute(APPEND_ONLY)
    op.execute(
        "CREATE TRIGGER chat_messages_append_only BEFORE UPDATE OR DELETE ON chat_messages "
        "FOR EACH ROW EXECUTE FUNCTION chat_messages_append_only()"
    )

    op.create_table(
        "chat_message_files",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column(
            "message_id",
            sa.BigInteger,
            sa.ForeignKey("chat_messages.id", ondelete="CASCADE"),
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
            sa.ForeignKey("drive_file_versions.id", ondelete="SET NULL"),
        ),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("position", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_index("ix_chat_message_files_message", "chat_message_files", ["message_id"])
    op.create_index("ix_chat_message_files_file", "chat_message_files", ["file_id"])

    op.create_table(
        "chat_reads",
        sa.Column(
            "conversation_id",
            sa.BigInteger,
            sa.ForeignKey("chat_conversations.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("person_id", sa.BigInteger, primary_key=True),
        # The reader's side (client / staff): "the other side has read it" per message.
        sa.Column("side", sa.String(8), nullable=False),
        sa.Column("last_read_message_id", sa.BigInteger, nullable=False),
        sa.Column("read_at", TS, nullable=False, server_default=NOW),
    )
    op.create_index("ix_chat_reads_person", "chat_reads", ["person_id", "conversation_id"])

    op.create_table(
        "chat_notices",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column(
            "message_id",
            sa.BigInteger,
            sa.ForeignKey("chat_messages.id", ondelete="CASCADE"),
            nullable=False,
            unique=True,
        ),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("file_id", sa.BigInteger, sa.ForeignKey("drive_files.id", ondelete="SET NULL")),
        sa.Column(
            "version_id",
            sa.BigInteger,
            sa.ForeignKey("drive_file_versions.id", ondelete="SET NULL"),
        ),
        sa.Column("created_by", sa.BigInteger),
        sa.Column("created_at", TS, nullable=False, server_default=NOW),
        sa.Column("reminded_at", TS),
        sa.CheckConstraint(
            "kind IN ('info', 'must_read', 'must_open_file', 'must_approve')",
            name="ck_chat_notices_kind",
        ),
    )

    op.create_table(
        "chat_notice_actions",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column(
            "notice_id",
            sa.BigInteger,
            sa.ForeignKey("chat_notices.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("person_id", sa.BigInteger, nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("comment", sa.Text),
        sa.Column("at", TS, nullable=False, server_default=NOW),
        sa.Column("ip", sa.Text),
        sa.Column("user_agent", sa.Text),
        sa.Column("version_sha256", sa.String(64)),
        sa.CheckConstraint(
            "action IN ('read', 'opened', 'approved', 'declined')",
            name="ck_chat_notice_actions_action",
        ),
    )
    op.create_index(
        "ix_chat_notice_actions_notice", "chat_notice_actions", ["notice_id", "person_id"]
    )

    # Every organization that exists has its conversation; `chat` is on by default.
    op.execute(
        "INSERT INTO chat_conversations (organization_id) SELECT id FROM client_organizations"
    )
    op.execute(
        "UPDATE client_organizations SET enabled_modules = array_append(enabled_modules, 'chat') "
        "WHERE NOT ('chat' = ANY(enabled_modules))"
    )
    op.alter_column(
        "client_organizations", "enabled_modules", server_default=sa.text(BUILT_DEFAULT)
    )


def downgrade() -> None:
    op.alter_column(
        "client_organizations", "enabled_modules", server_default=sa.text(BUILT_DEFAULT_BEFORE)
    )
    op.execute("DELETE FROM client_grants WHERE module = 'chat'")
    op.execute(
        "UPDATE client_organizations SET enabled_modules = array_remove(enabled_modules, 'chat')"
    )
    for table in (
        "chat_notice_actions",
        "chat_notices",
        "chat_reads",
        "chat_message_files",
        "chat_messages",
        "chat_conversations",
    ):
        op.drop_table(table)
    op.execute("DROP FUNCTION IF EXISTS chat_messages_append_only()")
