"""tenant schema: self-employed performers (issue 17, seed 000)

- `performer_profiles`: a performer's profile at this firm (person id of a `performer`
  membership): INN, name for contracts, skills, about, bank details, the last НПД status
  seen, former employers (INN and until when: the risk signal of disguised employment).
- `performer_portfolio`: portfolio items (title, text, link, an optional stored file).
- `performer_customers`: a client organization working with performers: the responsible
  person for performer work, the payer's bank account for registries, the agency fee.
- `performer_orders`: an order of a client organization (open to every performer, or
  personal: `addressed_person_id`), its budget in kopecks, deadline, skills; the chosen performer.
- `performer_order_files`: drive files attached to an order.
- `performer_responses`: a performer's response to an order (one per performer and order).
- `performer_contracts`, `performer_acts`: the contract of a chosen order and its acceptance
  acts (amount accepted, partial allowed), each a stored PDF with its SHA-256.
- `performer_signatures`: a simple electronic signature of a contract or act by one side: the
  one-time code's hash and expiry, attempts, and when signed the document's SHA-256, time,
  address and user agent.
- `performer_registries`, `performer_payments`: payment registries (a 1CClientBankExchange
  file) and their payments, one per signed act; a payment whose performer lost the НПД status
  is held with its reason, never blocking the registry.
- `performer_receipts`: the НПД receipt of a paid payment (customer name and INN, amount),
  cancelled with a reason.
- `performer_agency_documents`: the firm's invoice and act for its agency fee per period.
`performers` joins the client grants (off by default: the firm enables it per organization).

Revision ID: t_performers_1
Revises: t_requests_6
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

revision = "t_performers_1"
down_revision = "t_requests_6"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
NOW = sa.text("now()")
GRANTS_BEFORE = "'reports', 'documents', 'upload', 'chat', 'order_services', 'approve', 'requests'"
GRANTS = f"{GRANTS_BEFORE}, 'performers'"


def _id() -> sa.Column:
    return sa.Column("id", sa.BigInteger, primary_key=True)


def _org() -> sa.Column:
    return sa.Column(
        "organization_id",
        sa.BigInteger,
        sa.ForeignKey("client_organizations.id", ondelete="CASCADE"),
        nullable=False,
    )


def _created() -> sa.Column:
    return sa.Column("created_at", TS, nullable=False, server_default=NOW)


def _check(table: str, column: str, values: tuple[str, ...]) -> sa.CheckConstraint:
    listed = ", ".join(f"'{v}'" for v in values)
    return sa.CheckConstraint(f"{column} IN ({listed})", name=f"ck_{table}_{column}")


def _profiles() -> None:
    op.create_table(
        "performer_profiles",
        sa.Column("person_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("inn", sa.String(12), nullable=False),
        sa.Column("full_name", sa.Text, nullable=False),
        sa.Column("phone", sa.String(32)),
        sa.Column("skills", ARRAY(sa.Text), nullable=False, server_default="{}"),
        sa.Column("about", sa.Text, nullable=False, server_default=""),
        sa.Column("bank_name", sa.Text),
        sa.Column("bank_bik", sa.String(9)),
        sa.Column("bank_corr_account", sa.String(20)),
        sa.Column("bank_account", sa.String(20)),
        sa.Column("npd_status", sa.String(12), nullable=False, server_default="unknown"),
        sa.Column("npd_checked_on", sa.Date),
        sa.Column("npd_message", sa.Text),
        sa.Column("former_employers", JSONB, nullable=False, server_default="[]"),
        _created(),
        sa.Column("updated_at", TS, nullable=False, server_default=NOW),
        _check("performer_profiles", "npd_status", ("unknown", "active", "inactive")),
    )
    op.create_index("uq_performer_profiles_inn", "performer_profiles", ["inn"], unique=True)
    op.create_table(
        "performer_portfolio",
        _id(),
        sa.Column("person_id", sa.BigInteger, nullable=False, index=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("url", sa.Text),
        sa.Column("storage_key", sa.Text),
        sa.Column("file_name", sa.Text),
        _created(),
    )
    op.create_table(
        "performer_customers",
        sa.Column(
            "organization_id",
            sa.BigInteger,
            sa.ForeignKey("client_organizations.id", ondelete="CASCADE"),
            primary_key=True,
            autoincrement=False,
        ),
        sa.Column("responsible_person_id", sa.BigInteger),
        sa.Column("bank_name", sa.Text),
        sa.Column("bank_bik", sa.String(9)),
        sa.Column("bank_corr_account", sa.String(20)),
        sa.Column("bank_account", sa.String(20)),
        sa.Column("agency_fee_percent", sa.Numeric(5, 2), nullable=False, server_default="10"),
        sa.Column("updated_at", TS, nullable=False, server_default=NOW),
    )


def _orders() -> None:
    op.create_table(
        "performer_orders",
        _id(),
        _org(),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("budget_kopecks", sa.BigInteger, nullable=False),
        sa.Column("rate", sa.String(8), nullable=False, server_default="fixed"),
        sa.Column("deadline", sa.Date),
        sa.Column("skills", ARRAY(sa.Text), nullable=False, server_default="{}"),
        sa.Column("status", sa.String(10), nullable=False, server_default="open"),
        sa.Column("addressed_person_id", sa.BigInteger),
        sa.Column("performer_person_id", sa.BigInteger),
        sa.Column("chosen_at", TS),
        sa.Column("conversation_id", sa.BigInteger),
        sa.Column("created_by", sa.BigInteger),
        _created(),
        sa.Column("updated_at", TS, nullable=False, server_default=NOW),
        _check("performer_orders", "rate", ("fixed", "hourly")),
        _check("performer_orders", "status", ("open", "assigned", "done", "cancelled")),
        sa.CheckConstraint("budget_kopecks > 0", name="ck_performer_orders_budget"),
    )
    op.create_index(
        "ix_performer_orders_org", "performer_orders", ["organization_id", "created_at"]
    )
    op.create_index("ix_performer_orders_status", "performer_orders", ["status", "created_at"])
    op.create_index("ix_performer_orders_performer", "performer_orders", ["performer_person_id"])
    op.create_table(
        "performer_order_files",
        sa.Column(
            "order_id",
            sa.BigInteger,
            sa.ForeignKey("performer_orders.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "file_id",
            sa.BigInteger,
            sa.ForeignKey("drive_files.id", ondelete="CASCADE"),
            primary_key=True,
        ),
    )
    op.create_table(
        "performer_responses",
        _id(),
        sa.Column(
            "order_id",
            sa.BigInteger,
            sa.ForeignKey("performer_orders.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("performer_person_id", sa.BigInteger, nullable=False),
        sa.Column("message", sa.Text, nullable=False, server_default=""),
        sa.Column("price_kopecks", sa.BigInteger),
        sa.Column("status", sa.String(10), nullable=False, server_default="pending"),
        _created(),
        _check("performer_responses", "status", ("pending", "chosen", "declined", "withdrawn")),
        sa.UniqueConstraint("order_id", "performer_person_id", name="uq_performer_response"),
    )
    op.create_index(
        "ix_performer_responses_performer", "performer_responses", ["performer_person_id"]
    )


def _documents() -> None:
    op.create_table(
        "performer_contracts",
        _id(),
        sa.Column(
            "order_id",
            sa.BigInteger,
            sa.ForeignKey("performer_orders.id", ondelete="CASCADE"),
            nullable=False,
            unique=True,
        ),
        _org(),
        sa.Column("performer_person_id", sa.BigInteger, nullable=False, index=True),
        sa.Column("number", sa.Text, nullable=False),
        sa.Column("amount_kopecks", sa.BigInteger, nullable=False),
        sa.Column("status", sa.String(10), nullable=False, server_default="signing"),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("storage_key", sa.Text, nullable=False),
        _created(),
        sa.Column("signed_at", TS),
        _check("performer_contracts", "status", ("signing", "signed", "cancelled")),
    )
    op.create_table(
        "performer_acts",
        _id(),
        sa.Column(
            "contract_id",
            sa.BigInteger,
            sa.ForeignKey("performer_contracts.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        _org(),
        sa.Column("performer_person_id", sa.BigInteger, nullable=False, index=True),
        sa.Column("number", sa.Text, nullable=False),
        sa.Column("amount_kopecks", sa.BigInteger, nullable=False),
        sa.Column("status", sa.String(10), nullable=False, server_default="signing"),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("storage_key", sa.Text, nullable=False),
        _created(),
        sa.Column("signed_at", TS),
        _check("performer_acts", "status", ("signing", "signed", "paid")),
        sa.CheckConstraint("amount_kopecks > 0", name="ck_performer_acts_amount"),
    )
    op.create_table(
        "performer_signatures",
        _id(),
        sa.Column("document_kind", sa.String(8), nullable=False),
        sa.Column("document_id", sa.BigInteger, nullable=False),
        sa.Column("side", sa.String(10), nullable=False),
        sa.Column("person_id", sa.BigInteger, nullable=False),
        sa.Column("code_hash", sa.Text, nullable=False),
        sa.Column("code_expires_at", TS, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("sent_to", sa.Text, nullable=False),
        sa.Column("signed_at", TS),
        sa.Column("sha256", sa.String(64)),
        sa.Column("ip", sa.Text),
        sa.Column("user_agent", sa.Text),
        _created(),
        _check("performer_signatures", "document_kind", ("contract", "act")),
        _check("performer_signatures", "side", ("customer", "performer")),
    )
    op.create_index(
        "ix_performer_signatures_document",
        "performer_signatures",
        ["document_kind", "document_id", "side"],
    )
    op.create_index(
        "uq_performer_signatures_signed",
        "performer_signatures",
        ["document_kind", "document_id", "side"],
        unique=True,
        postgresql_where=sa.text("signed_at IS NOT NULL"),
    )


def _payments() -> None:
    op.create_table(
        "performer_registries",
        _id(),
        _org(),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("status", sa.String(10), nullable=False, server_default="formed"),
        sa.Column("total_kopecks", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("storage_key", sa.Text),
        sa.Column("sha256", sa.String(64)),
        sa.Column("created_by", sa.BigInteger),
        _created(),
        sa.Column("paid_at", TS),
        sa.Column("paid_by", sa.Text),
        _check("performer_registries", "status", ("formed", "paid", "cancelled")),
        sa.UniqueConstraint("organization_id", "number", name="uq_performer_registry_number"),
    )
    op.create_table(
        "performer_payments",
        _id(),
        sa.Column(
            "registry_id",
            sa.BigInteger,
            sa.ForeignKey("performer_registries.id", ondelete="SET NULL"),
            index=True,
        ),
        sa.Column(
            "act_id",
            sa.BigInteger,
            sa.ForeignKey("performer_acts.id", ondelete="CASCADE"),
            nullable=False,
        ),
        _org(),
        sa.Column("performer_person_id", sa.BigInteger, nullable=False, index=True),
        sa.Column("amount_kopecks", sa.BigInteger, nullable=False),
        sa.Column("status", sa.String(10), nullable=False, server_default="included"),
        sa.Column("held_reason", sa.Text),
        sa.Column("npd_checked_at", TS),
        sa.Column("paid_at", TS),
        _created(),
        _check("performer_payments", "status", ("held", "included", "paid")),
    )
    op.create_index(
        "uq_performer_payments_act",
        "performer_payments",
        ["act_id"],
        unique=True,
        postgresql_where=sa.text("status <> 'held'"),
    )
    op.create_table(
        "performer_receipts",
        _id(),
        sa.Column(
            "payment_id",
            sa.BigInteger,
            sa.ForeignKey("performer_payments.id", ondelete="CASCADE"),
            nullable=False,
            unique=True,
        ),
        _org(),
        sa.Column("performer_person_id", sa.BigInteger, nullable=False, index=True),
        sa.Column("receipt_uid", sa.Text, nullable=False),
        sa.Column("amount_kopecks", sa.BigInteger, nullable=False),
        sa.Column("customer_name", sa.Text, nullable=False),
        sa.Column("customer_inn", sa.String(12), nullable=False),
        sa.Column("payer_kind", sa.String(12), nullable=False, server_default="legal"),
        sa.Column("status", sa.String(10), nullable=False, server_default="issued"),
        sa.Column("cancel_reason", sa.String(16)),
        sa.Column("issued_at", TS, nullable=False, server_default=NOW),
        sa.Column("cancelled_at", TS),
        _check("performer_receipts", "status", ("issued", "cancelled")),
        _check("performer_receipts", "payer_kind", ("individual", "legal")),
    )
    op.create_table(
        "performer_agency_documents",
        _id(),
        _org(),
        sa.Column("period", sa.Date, nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("number", sa.Text, nullable=False),
        sa.Column("volume_kopecks", sa.BigInteger, nullable=False),
        sa.Column("fee_kopecks", sa.BigInteger, nullable=False),
        sa.Column("storage_key", sa.Text, nullable=False),
        _created(),
        _check("performer_agency_documents", "kind", ("invoice", "act")),
        sa.UniqueConstraint(
            "organization_id", "period", "kind", name="uq_performer_agency_document"
        ),
    )


def upgrade() -> None:
    _profiles()
    _orders()
    _documents()
    _payments()
    op.drop_constraint("ck_client_grants_module", "client_grants", type_="check")
    op.create_check_constraint("ck_client_grants_module", "client_grants", f"module IN ({GRANTS})")


def downgrade() -> None:
    op.execute("DELETE FROM client_grants WHERE module = 'performers'")
    op.drop_constraint("ck_client_grants_module", "client_grants", type_="check")
    op.create_check_constraint(
        "ck_client_grants_module", "client_grants", f"module IN ({GRANTS_BEFORE})"
    )
    for table in (
        "performer_agency_documents",
        "performer_receipts",
        "performer_payments",
        "performer_registries",
        "performer_signatures",
        "performer_acts",
        "performer_contracts",
        "performer_responses",
        "performer_order_files",
        "performer_orders",
        "performer_customers",
        "performer_portfolio",
        "performer_profiles",
    ):
        op.drop_table(table)
