"""tenant schema: a service request's own conversation in the chat (issues 13, 14)

- `chat_conversations.request_id`: the request a conversation belongs to (unique), the same
  link a report's conversation has (`report_id`); an organization's own conversation has
  both NULL (its unique index now says so).
- The requests' comments move into their conversations: one conversation per request that
  has comments, each comment a message (same author, side, text and time; a system entry
  keeps its code, `data.request_comment_id` the old row), then the old rows are removed.

Revision ID: t_requests_5
Revises: t_requests_4
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "t_requests_5"
down_revision = "t_requests_4"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "chat_conversations",
        sa.Column(
            "request_id",
            sa.BigInteger,
            sa.ForeignKey("service_requests.id", ondelete="CASCADE"),
        ),
    )
    op.drop_index("uq_chat_conversations_organization", table_name="chat_conversations")
    op.create_index(
        "uq_chat_conversations_organization",
        "chat_conversations",
        ["organization_id"],
        unique=True,
        postgresql_where=sa.text("report_id IS NULL AND request_id IS NULL"),
    )
    op.create_index(
        "uq_chat_conversations_request",
        "chat_conversations",
        ["request_id"],
        unique=True,
        postgresql_where=sa.text("request_id IS NOT NULL"),
    )
    op.execute(
        "INSERT INTO chat_conversations (organization_id, request_id) "
        "SELECT r.organization_id, r.id FROM service_requests r "
        "WHERE EXISTS (SELECT 1 FROM service_request_comments c WHERE c.request_id = r.id) "
        "ORDER BY r.id"
    )
    op.execute(
        "INSERT INTO chat_messages "
        "(conversation_id, author_person_id, author_side, kind, body, data, created_at) "
        "SELECT v.id, c.author_person_id, c.side, "
        "CASE WHEN c.side = 'system' THEN 'system' ELSE 'text' END, left(c.body, 10000), "
        "jsonb_build_object('request_comment_id', c.id), c.created_at "
        "FROM service_request_comments c JOIN chat_conversations v ON v.request_id = c.request_id "
        "ORDER BY c.id"
    )
    op.execute(
        "UPDATE chat_conversations v SET last_message_id = m.id, last_message_at = m.created_at "
        "FROM (SELECT DISTINCT ON (conversation_id) conversation_id, id, created_at "
        "FROM chat_messages ORDER BY conversation_id, id DESC) m "
        "WHERE m.conversation_id = v.id AND v.request_id IS NOT NULL"
    )
    op.execute("DELETE FROM service_request_comments")


def downgrade() -> None:
    # The threads go back to their table, then the request conversations are removed (the
    # messages' append-only trigger set aside for that one statement).
    op.execute(
        "INSERT INTO service_request_comments (request_id, author_person_id, side, body, "
        "created_at) SELECT v.request_id, m.author_person_id, m.author_side, m.body, "
        "m.created_at FROM chat_messages m JOIN chat_conversations v ON v.id = m.conversation_id "
        "WHERE v.request_id IS NOT NULL AND m.withdrawn_at IS NULL ORDER BY m.id"
    )
    op.execute("ALTER TABLE chat_messages DISABLE TRIGGER chat_messages_append_only")
    op.execute("DELETE FROM chat_conversations WHERE request_id IS NOT NULL")
    op.execute("ALTER TABLE chat_messages ENABLE TRIGGER chat_messages_append_only")
    op.drop_index("uq_chat_conversations_request", table_name="chat_conversations")
    op.drop_index("uq_chat_conversations_organization", table_name="chat_conversations")
    op.create_index(
        "uq_chat_conversations_organization",
        "chat_conversations",
        ["organization_id"],
        unique=True,
        postgresql_where=sa.text("report_id IS NULL"),
    )
    op.drop_column("chat_conversations", "request_id")
