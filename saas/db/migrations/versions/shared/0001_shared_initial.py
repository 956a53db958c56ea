"""shared schema: tenants, people, memberships, sessions, tokens, invitations, policies

Revision ID: s0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

revision = "s0001"
down_revision = None
branch_labels = ("shared",)
depends_on = None

S = "shared"
TS = sa.DateTime(timezone=True)


def _now() -> sa.TextClause:
    return sa.text("now()")


def upgrade() -> None:
    op.create_table(
        "tenants",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("slug", sa.String(40), nullable=False, unique=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("status", sa.String(20), nullable=False, server_default="provisioning"),
        sa.Column("domains", ARRAY(sa.Text), nullable=False, server_default="{}"),
        sa.Column("schema_name", sa.String(63), nullable=False, unique=True),
        sa.Column("db_role", sa.String(63), nullable=False, unique=True),
        sa.Column("settings", JSONB, nullable=False, server_default="{}"),
        sa.Column("created_at", TS, nullable=False, server_default=_now()),
        sa.Column("updated_at", TS, nullable=False, server_default=_now()),
        schema=S,
    )
    op.create_index("ix_tenants_domains", "tenants", ["domains"], schema=S, postgresql_using="gin")
    op.create_table(
        "people",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("email", sa.Text, nullable=False),
        sa.Column("display_name", sa.Text, nullable=False, server_default=""),
        sa.Column("password_hash", sa.Text),
        sa.Column("locale", sa.String(8), nullable=False, server_default="ru"),
        sa.Column("totp_secret", sa.Text),
        sa.Column("totp_enabled", sa.Boolean, nullable=False, server_default="false"),
        sa.Column("is_platform_admin", sa.Boolean, nullable=False, server_default="false"),
        sa.Column("failed_logins", sa.Integer, nullable=False, server_default="0"),
        sa.Column("locked_until", TS),
        sa.Column("created_at", TS, nullable=False, server_default=_now()),
        schema=S,
    )
    op.create_index(
        "uq_people_email_lower", "people", [sa.text("lower(email)")], unique=True, schema=S
    )
    op.create_table(
        "memberships",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column(
            "person_id",
            sa.BigInteger,
            sa.ForeignKey(f"{S}.people.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column(
            "tenant_id",
            sa.Integer,
            sa.ForeignKey(f"{S}.tenants.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("client_org_id", sa.BigInteger),
        sa.Column("roles", ARRAY(sa.Text), nullable=False, server_default="{}"),
        sa.Column("status", sa.String(16), nullable=False, server_default="active"),
        sa.Column("created_at", TS, nullable=False, server_default=_now()),
        sa.Column("updated_at", TS, nullable=False, server_default=_now()),
        sa.CheckConstraint("kind in ('staff', 'client', 'performer')", name="kind"),
        schema=S,
    )
    op.create_index(
        "uq_memberships_person_cabinet",
        "memberships",
        ["person_id", "tenant_id", "kind", "client_org_id"],
        unique=True,
        schema=S,
        postgresql_nulls_not_distinct=True,
    )
    op.create_table(
        "sessions",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column(
            "person_id",
            sa.BigInteger,
            sa.ForeignKey(f"{S}.people.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("tenant_id", sa.Integer, sa.ForeignKey(f"{S}.tenants.id", ondelete="CASCADE")),
        sa.Column("mfa_passed", sa.Boolean, nullable=False, server_default="false"),
        sa.Column("ip", sa.Text),
        sa.Column("user_agent", sa.Text),
        sa.Column("created_at", TS, nullable=False, server_default=_now()),
        sa.Column("last_seen_at", TS, nullable=False, server_default=_now()),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("revoked_at", TS),
        schema=S,
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column(
            "tenant_id",
            sa.Integer,
            sa.ForeignKey(f"{S}.tenants.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("prefix", sa.String(32), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column(
            "created_by", sa.BigInteger, sa.ForeignKey(f"{S}.people.id", ondelete="SET NULL")
        ),
        sa.Column("created_at", TS, nullable=False, server_default=_now()),
        sa.Column("expires_at", TS),
        sa.Column("revoked_at", TS),
        sa.Column("last_used_at", TS),
        sa.Column("last_used_ip", sa.Text),
        schema=S,
    )
    op.create_table(
        "invitations",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column(
            "tenant_id",
            sa.Integer,
            sa.ForeignKey(f"{S}.tenants.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("email", sa.Text, nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("client_org_id", sa.BigInteger),
        sa.Column("roles", ARRAY(sa.Text), nullable=False, server_default="{}"),
        sa.Column(
            "invited_by", sa.BigInteger, sa.ForeignKey(f"{S}.people.id", ondelete="SET NULL")
        ),
        sa.Column("created_at", TS, nullable=False, server_default=_now()),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("accepted_at", TS),
        sa.Column(
            "accepted_person_id",
            sa.BigInteger,
            sa.ForeignKey(f"{S}.people.id", ondelete="SET NULL"),
        ),
        sa.Column("revoked_at", TS),
        schema=S,
    )
    op.create_table(
        "one_time_codes",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("purpose", sa.String(32), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False, unique=True),
        sa.Column(
            "person_id",
            sa.BigInteger,
            sa.ForeignKey(f"{S}.people.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("tenant_id", sa.Integer, sa.ForeignKey(f"{S}.tenants.id", ondelete="CASCADE")),
        sa.Column("created_at", TS, nullable=False, server_default=_now()),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("used_at", TS),
        schema=S,
    )
    op.create_table(
        "login_attempts",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("email", sa.Text, nullable=False),
        sa.Column("ip", sa.Text, nullable=False),
        sa.Column("succeeded", sa.Boolean, nullable=False, server_default="false"),
        sa.Column("created_at", TS, nullable=False, server_default=_now()),
        schema=S,
    )
    op.create_index(
        "ix_login_attempts_email_at", "login_attempts", ["email", "created_at"], schema=S
    )
    op.create_index("ix_login_attempts_ip_at", "login_attempts", ["ip", "created_at"], schema=S)
    op.create_table(
        "casbin_rule",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("ptype", sa.String(8), nullable=False),
        *(sa.Column(f"v{i}", sa.Text) for i in range(6)),
        schema=S,
    )
    op.create_index("ix_casbin_rule_ptype_domain", "casbin_rule", ["ptype", "v1", "v2"], schema=S)


def downgrade() -> None:
    for table in (
        "casbin_rule",
        "login_attempts",
        "one_time_codes",
        "invitations",
        "api_tokens",
        "sessions",
        "memberships",
        "people",
        "tenants",
    ):
        op.drop_table(table, schema=S)
