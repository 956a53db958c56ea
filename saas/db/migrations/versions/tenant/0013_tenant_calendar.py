"""tenant schema: calendars (issue 14): the firm's data-exchange dates, per-person iCalendar
feed secrets, and whether a client organization employs people

- `calendar_exchange_dates`: a date the firm agreed with a client organization to exchange
  data (title, note); shown in the 15-day calendar and the iCalendar feed.
- `calendar_feeds`: one per person: the SHA-256 of the secret in the feed's URL
  (`/calendar/<token>.ics`); rotating it replaces the hash, so the old URL stops working.
- `client_organizations.has_employees`: the employer status that decides 6-НДФЛ and РСВ in
  the tax calendar; NULL derives it from the legal form (an organization always files them,
  an individual entrepreneur only with employees).

Revision ID: t_calendar_1
Revises: t_chat_1
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "t_calendar_1"
down_revision = "t_chat_1"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
NOW = sa.text("now()")


def upgrade() -> None:
    op.create_table(
        "calendar_exchange_dates",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column(
            "organization_id",
            sa.BigInteger,
            sa.ForeignKey("client_organizations.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("created_by", sa.BigInteger),
        sa.Column("created_at", TS, nullable=False, server_default=NOW),
        sa.Column("updated_at", TS, nullable=False, server_default=NOW),
        sa.CheckConstraint(
            "char_length(title) BETWEEN 1 AND 200", name="ck_calendar_exchange_dates_title"
        ),
        sa.CheckConstraint("char_length(note) <= 2000", name="ck_calendar_exchange_dates_note"),
    )
    op.create_index(
        "ix_calendar_exchange_dates_org_date",
        "calendar_exchange_dates",
        ["organization_id", "date"],
    )

    op.create_table(
        "calendar_feeds",
        sa.Column("person_id", sa.BigInteger, primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", TS, nullable=False, server_default=NOW),
        sa.Column("rotated_at", TS, nullable=False, server_default=NOW),
    )

    op.add_column("client_organizations", sa.Column("has_employees", sa.Boolean))


def downgrade() -> None:
    op.drop_column("client_organizations", "has_employees")
    op.drop_table("calendar_feeds")
    op.drop_table("calendar_exchange_dates")
