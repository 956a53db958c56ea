"""tenant schema: the conversation of a performer order in the chat (issue 17)

- `chat_conversations.performer_order_id` and `performer_person_id`: one conversation per
  order and performer (the customer, the firm and that performer discuss the order; another
  performer never sees it). An organization's own conversation has every link NULL (its
  unique index now says so).
- A message's side may be `performer` (the columns widen from 8 characters).

Revision ID: t_performers_3
Revises: t_performers_2
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "t_performers_3"
down_revision = "t_performers_2"
branch_labels = None
depends_on = None

SIDES = "'client', 'staff', 'system'"


def _organization_index(where: str) -> None:
    op.drop_index("uq_chat_conversations_organization", table_name="chat_conversations")
    op.create_index(
        "uq_chat_conversations_organization",
        "chat_conversations",
        ["organization_id"],
        unique=True,
        postgresql_where=sa.text(where),
    )


def _sides(sides: str) -> None:
    op.drop_constraint("ck_chat_messages_side", "chat_messages", type_="check")
    op.create_check_constraint(
        "ck_chat_messages_side", "chat_messages", f"author_side IN ({sides})"
    )


def upgrade() -> None:
    op.add_column(
        "chat_conversations",
        sa.Column(
            "performer_order_id",
            sa.BigInteger,
            sa.ForeignKey("performer_orders.id", ondelete="CASCADE"),
        ),
    )
    op.add_column("chat_conversations", sa.Column("performer_person_id", sa.BigInteger))
    op.create_check_constraint(
        "ck_chat_conversations_performer_pair",
        "chat_conversations",
        "(performer_order_id IS NULL) = (performer_person_id IS NULL)",
    )
    op.create_index(
        "uq_chat_conversations_performer_order",
        "chat_conversations",
        ["performer_order_id", "performer_person_id"],
        unique=True,
        postgresql_where=sa.text("performer_order_id IS NOT NULL"),
    )
    op.create_index(
        "ix_chat_conversations_performer",
        "chat_conversations",
        ["performer_person_id"],
        postgresql_where=sa.text("performer_person_id IS NOT NULL"),
    )
    _organization_index("report_id IS NULL AND request_id IS NULL AND performer_order_id IS NULL")
    op.alter_column("chat_messages", "author_side", type_=sa.String(16))
    op.alter_column("chat_reads", "side", type_=sa.String(16))
    _sides(SIDES + ", 'performer'")


def downgrade() -> None:
    op.execute("ALTER TABLE chat_messages DISABLE TRIGGER chat_messages_append_only")
    op.execute("DELETE FROM chat_conversations WHERE performer_order_id IS NOT NULL")
    op.execute("ALTER TABLE chat_messages ENABLE TRIGGER chat_messages_append_only")
    _sides(SIDES)
    op.alter_column("chat_reads", "side", type_=sa.String(8))
    op.alter_column("chat_messages", "author_side", type_=sa.String(8))
    _organization_index("report_id IS NULL AND request_id IS NULL")
    op.drop_index("ix_chat_conversations_performer", table_name="chat_conversations")
    op.drop_index("uq_chat_conversations_performer_order", table_name="chat_conversations")
    op.drop_constraint("ck_chat_conversations_performer_pair", "chat_conversations", type_="check")
    op.drop_column("chat_conversations", "performer_person_id")
    op.drop_column("chat_conversations", "performer_order_id")
