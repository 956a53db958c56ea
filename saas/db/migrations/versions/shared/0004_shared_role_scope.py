"""shared schema: roles that mean what they say (issue 11) in every firm's policy

- `clients:read_all` (see every organization of the firm; without it staff see the
  organizations they are the responsible manager or a moderator of): added to the built-in
  `auditor` and `integrator` roles (the firm admin's `*` and the department head's
  `clients:*` already match it), and to every custom role holding `clients:read`, so nobody
  loses what they saw before this release; a firm admin narrows a custom role by taking
  `clients:read_all` away.
- Permissions that left the catalog (they guarded nothing: `notifications:manage`, and the
  objects of modules not built yet: chat, requests, calendar, performers, agreements,
  dashboards) are taken from custom roles.
Every process drops its cached policies at commit (NOTIFY kabinet_policy, empty payload).

Revision ID: s0004
Revises: s0003
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "s0004"
down_revision = "s0003"
branch_labels = None
depends_on = None

FIRM_DOMAINS = "SELECT 'tenant:' || id FROM shared.tenants"
BUILT_IN_READ_ALL = ("auditor", "integrator")
GONE_OBJECTS = ("chat", "requests", "calendar", "performers", "agreements", "dashboards")


def upgrade() -> None:
    conn = op.get_bind()
    # Built-in roles of every firm.
    conn.execute(
        sa.text(
            "INSERT INTO shared.casbin_rule (ptype, v0, v1, v2, v3) "
            "SELECT 'p', r.role, d.domain, 'clients', 'read_all' "
            f"FROM ({FIRM_DOMAINS}) AS d(domain) "
            "CROSS JOIN unnest(CAST(:roles AS text[])) AS r(role) "
            "WHERE NOT EXISTS (SELECT 1 FROM shared.casbin_rule c WHERE c.ptype = 'p' "
            "AND c.v0 = r.role AND c.v1 = d.domain AND c.v2 = 'clients' AND c.v3 = 'read_all')"
        ),
        {"roles": list(BUILT_IN_READ_ALL)},
    )
    # Custom roles (a `role` row names them) that read clients keep seeing the whole firm.
    conn.execute(
        sa.text(
            "INSERT INTO shared.casbin_rule (ptype, v0, v1, v2, v3) "
            "SELECT DISTINCT 'p', p.v0, p.v1, 'clients', 'read_all' "
            "FROM shared.casbin_rule p "
            "JOIN shared.casbin_rule meta ON meta.ptype = 'role' AND meta.v0 = p.v0 "
            "AND meta.v1 = p.v1 "
            "WHERE p.ptype = 'p' AND p.v2 = 'clients' AND p.v3 = 'read' "
            "AND NOT EXISTS (SELECT 1 FROM shared.casbin_rule c WHERE c.ptype = 'p' "
            "AND c.v0 = p.v0 AND c.v1 = p.v1 AND c.v2 = 'clients' AND c.v3 = 'read_all')"
        )
    )
    # Permissions no longer in the catalog.
    conn.execute(
        sa.text(
            "DELETE FROM shared.casbin_rule WHERE ptype = 'p' AND v1 LIKE 'tenant:%' "
            "AND (v2 = ANY(:gone) OR (v2 = 'notifications' AND v3 = 'manage'))"
        ),
        {"gone": list(GONE_OBJECTS)},
    )
    conn.execute(sa.text("SELECT pg_notify('kabinet_policy', '')"))


def downgrade() -> None:
    # The lines taken away with the catalog's unused permissions are not brought back.
    conn = op.get_bind()
    conn.execute(
        sa.text(
            "DELETE FROM shared.casbin_rule WHERE ptype = 'p' AND v1 LIKE 'tenant:%' "
            "AND v2 = 'clients' AND v3 = 'read_all'"
        )
    )
    conn.execute(sa.text("SELECT pg_notify('kabinet_policy', '')"))
