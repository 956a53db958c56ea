"""Seeding the default roles' lines into a tenant's domain at provisioning.

Idempotent and convergent: the built-in roles' `p` lines of the tenant end up exactly equal
to saas.rbac.defaults.DEFAULT_POLICY (missing lines are added, lines dropped from the table
are removed), so re-running provisioning after a release also updates existing firms.
Custom roles are never touched. Registered in PROVISION_HOOKS on import.
"""

from __future__ import annotations

import sqlalchemy as sa

from saas.rbac.defaults import BUILTIN_ROLES, DEFAULT_POLICY
from saas.rbac.domains import tenant_domain
from saas.rbac.store import lock_statement, notify_statement
from saas.tenants.provisioning import PROVISION_HOOKS


def seed_default_roles(conn: sa.Connection, tenant_id: int) -> int:
    """Bring the tenant's built-in role lines in step with DEFAULT_POLICY; returns the number
    of rows added or removed."""
    domain = tenant_domain(tenant_id)
    conn.execute(lock_statement(tenant_id))
    existing = conn.execute(
        sa.text(
            "SELECT id, v0, v2, v3 FROM shared.casbin_rule "
            "WHERE ptype = 'p' AND v1 = :domain AND v0 = ANY(:builtin)"
        ),
        {"domain": domain, "builtin": list(BUILTIN_ROLES)},
    ).all()
    wanted = set(DEFAULT_POLICY)
    present: set[tuple[str, str, str]] = set()
    stale: list[int] = []
    for row in existing:
        row_id, line = row[0], (row[1], row[2], row[3])
        if line in wanted and line not in present:
            present.add(line)
        else:
            stale.append(row_id)
    missing = [line for line in DEFAULT_POLICY if line not in present]
    if stale:
        conn.execute(sa.text("DELETE FROM shared.casbin_rule WHERE id = ANY(:ids)"), {"ids": stale})
    if missing:
        conn.execute(
            sa.text(
                "INSERT INTO shared.casbin_rule (ptype, v0, v1, v2, v3) "
                "VALUES ('p', :role, :domain, :obj, :act)"
            ),
            [{"role": r, "domain": domain, "obj": o, "act": a} for r, o, a in missing],
        )
    changed = len(stale) + len(missing)
    if changed:
        # Delivered at commit; provisioning is rare, so the commit lock is no concern here.
        conn.execute(notify_statement(tenant_id))
    return changed


def seed_at_provisioning(conn: sa.Connection, tenant_id: int, slug: str) -> None:
    seed_default_roles(conn, tenant_id)


if seed_at_provisioning not in PROVISION_HOOKS:
    PROVISION_HOOKS.append(seed_at_provisioning)
