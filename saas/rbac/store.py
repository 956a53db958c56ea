"""Policy storage: shared.casbin_rule, read per tenant, written by saas.rbac.service and the
provisioning seed, announced on NOTIFY so every process drops its copy.

Rows:
  p     (v0 role, v1 domain, v2 object, v3 action)
  g     (v0 role, v1 inherited role, v2 domain)
  role  (v0 name, v1 domain, v2 description)     a custom role exists even with no line
Loading is filtered in SQL to one tenant's domain and the domains under it
(`tenant:<id>/...`), so an enforcer never holds another firm's lines.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from saas.rbac.domains import tenant_domain
from saas.rbac.models import CasbinRule
from saas.rbac.policy import PolicyRule

POLICY_CHANGED = "kabinet_policy"
# First key of the transaction-level advisory lock that serializes a tenant's policy and role
# assignment changes (the second key is the tenant id).
POLICY_LOCK_CLASS = 0x6B62  # "kb"

ROLE_META = "role"


def _domain_clause(tenant_id: int) -> sa.ColumnElement[bool]:
    domain = tenant_domain(tenant_id)
    under = domain + "/%"
    return sa.or_(
        sa.and_(
            CasbinRule.ptype.in_(("p", ROLE_META)),
            sa.or_(CasbinRule.v1 == domain, CasbinRule.v1.like(under)),
        ),
        sa.and_(
            CasbinRule.ptype == "g", sa.or_(CasbinRule.v2 == domain, CasbinRule.v2.like(under))
        ),
    )


def _rules_query(tenant_id: int) -> sa.Select:  # type: ignore[type-arg]
    return (
        sa.select(CasbinRule.ptype, CasbinRule.v0, CasbinRule.v1, CasbinRule.v2, CasbinRule.v3)
        .where(_domain_clause(tenant_id))
        .order_by(CasbinRule.id)
    )


def _as_rule(row: Any) -> PolicyRule:
    width = 4 if row.ptype == "p" else 3
    values = (row.v0, row.v1, row.v2, row.v3)[:width]
    return PolicyRule(row.ptype, tuple(v or "" for v in values))


async def load_rules(engine: AsyncEngine, tenant_id: int) -> list[PolicyRule]:
    """Every policy row of one tenant (its domain and the domains under it)."""
    async with engine.connect() as conn:
        rows = (await conn.execute(_rules_query(tenant_id))).all()
    return [_as_rule(row) for row in rows]


async def session_rules(
    session: AsyncSession | AsyncConnection, tenant_id: int
) -> list[PolicyRule]:
    """The same rows, read inside a caller's transaction (after taking the policy lock)."""
    rows = (await session.execute(_rules_query(tenant_id))).all()
    return [_as_rule(row) for row in rows]


def lock_statement(tenant_id: int) -> sa.TextClause:
    return sa.text("SELECT pg_advisory_xact_lock(:cls, :tenant)").bindparams(
        cls=POLICY_LOCK_CLASS, tenant=int(tenant_id)
    )


async def lock_tenant_policy(session: AsyncSession, tenant_id: int) -> None:
    """Serialize policy and role-assignment changes of one tenant until the transaction ends."""
    await session.execute(lock_statement(tenant_id))


def notify_statement(tenant_id: int) -> sa.TextClause:
    return sa.text("SELECT pg_notify(:channel, :payload)").bindparams(
        channel=POLICY_CHANGED, payload=str(tenant_id)
    )


async def notify_policy_changed(engine: AsyncEngine, tenant_id: int) -> None:
    """Tell every process (this one included) to drop the tenant's enforcer. Called after
    commit: a NOTIFY inside the writing transaction would hold the global commit lock."""
    async with engine.connect() as conn:
        await conn.execute(notify_statement(tenant_id))
        await conn.commit()
