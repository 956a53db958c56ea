"""tenant schema: the audit log is read (auditLog), filtered by who acted and by object

ix_audit_log_actor_at serves the filter by actor, newest first; ix_audit_log_object the filter
by object (type, id). The period alone keeps ix_audit_log_at.

Revision ID: t_audit_1
Revises: t_documents_2
Create Date: 2026-12-04
"""

from __future__ import annotations

from alembic import op

revision = "t_audit_1"
down_revision = "t_documents_2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_audit_log_actor_at", "audit_log", ["actor", "at"])
    op.create_index("ix_audit_log_object", "audit_log", ["object_type", "object_id"])


def downgrade() -> None:
    op.drop_index("ix_audit_log_object", table_name="audit_log")
    op.drop_index("ix_audit_log_actor_at", table_name="audit_log")
