"""shared schema: the performers module's permissions (issue 17) for the built-in roles of
every firm

`performers:read|write|manage` and `performer_cabinet:read` join the catalog with the
performers module; the built-in roles of firms that exist get the lines a new firm is seeded
with (saas.rbac.defaults.DEFAULT_POLICY). Custom roles are left to the firm admin.

Revision ID: s0008
Revises: s0007
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "s0008"
down_revision = "s0007"
branch_labels = None
depends_on = None

FIRM_DOMAINS = "SELECT 'tenant:' || id FROM shared.tenants"
LINES = (
    ("department_head", "performers", "*"),
    ("manager", "performers", "*"),
    ("staff", "performers", "read"),
    ("auditor", "performers", "read"),
    ("performer", "performer_cabinet", "read"),
    ("integrator", "performers", "read"),
    ("integrator", "performers", "write"),
)


def upgrade() -> None:
    conn = op.get_bind()
    for role, obj, act in LINES:
        conn.execute(
            sa.text(
                "INSERT INTO shared.casbin_rule (ptype, v0, v1, v2, v3) "
                "SELECT 'p', :role, d.domain, :obj, :act "
                f"FROM ({FIRM_DOMAINS}) AS d(domain) "
                "WHERE NOT EXISTS (SELECT 1 FROM shared.casbin_rule c WHERE c.ptype = 'p' "
                "AND c.v0 = :role AND c.v1 = d.domain AND c.v2 = :obj AND c.v3 = :act)"
            ),
            {"role": role, "obj": obj, "act": act},
        )
    conn.execute(sa.text("SELECT pg_notify('kabinet_policy', '')"))


def downgrade() -> None:
    conn = op.get_bind()
    conn.execute(
        sa.text(
            "DELETE FROM shared.casbin_rule WHERE ptype = 'p' AND v1 LIKE 'tenant:%' "
            "AND v2 IN ('performers', 'performer_cabinet')"
        )
    )
    conn.execute(sa.text("SELECT pg_notify('kabinet_policy', '')"))
