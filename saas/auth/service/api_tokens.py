"""Integrators' API tokens of a firm: the secret is shown once, only its SHA-256 is stored;
revoking one closes its live sockets everywhere."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from saas.auth.live import announce, token_key
from saas.auth.models import ApiToken
from saas.auth.service.clock import database_now
from saas.auth.tokens import API_TOKEN_PREFIX, digest, new_secret
from saas.core.actor import Actor
from saas.core.audit import audit_shared
from saas.rbac.defaults import STAFF_ROLES
from saas.schema.errors import DomainError
from saas.tenants.registry import TenantRef

TOKEN_MAX_DAYS = 1825


# Roles an API token may carry: never firm_admin (a leaked token must not manage the firm).
TOKEN_ROLES = ("integrator", *(r for r in STAFF_ROLES if r != "firm_admin"))


async def create_api_token(
    session: AsyncSession,
    tenant: TenantRef,
    creator_person_id: int | None,
    name: str,
    role: str,
    expires_in_days: int,
    *,
    by: Actor | str,
    **audit_details: object,
) -> tuple[ApiToken, str]:
    """A new token; the secret is returned once and only its SHA-256 is stored. Audited in
    the firm's log, in this transaction, as done `by` (extra `audit_details` noted too)."""
    name = " ".join(name.split())
    if not name or len(name) > 200:
        raise DomainError("INVALID_NAME", "Enter a name (up to 200 characters).", "name")
    if role not in TOKEN_ROLES:
        raise DomainError("INVALID_ROLE", f"The role {role!r} cannot be given to a token.", "role")
    if not 1 <= expires_in_days <= TOKEN_MAX_DAYS:
        raise DomainError(
            "INVALID_EXPIRY", f"The lifetime must be 1 to {TOKEN_MAX_DAYS} days.", "expiresInDays"
        )
    secret = API_TOKEN_PREFIX + new_secret(32)
    token = ApiToken(
        tenant_id=tenant.id,
        name=name,
        role=role,
        prefix=secret[: len(API_TOKEN_PREFIX) + 8],
        token_hash=digest(secret),
        created_by=creator_person_id,
        expires_at=await database_now(session) + timedelta(days=expires_in_days),
    )
    session.add(token)
    await session.flush()
    await session.refresh(token)
    details = {"name": token.name, "role": token.role, "prefix": token.prefix, **audit_details}
    await audit_shared(
        session, tenant, by, "api_token.create", "api_token", token.id, details=details
    )
    return token, secret


async def api_tokens_of(
    session: AsyncSession, tenant: TenantRef, ids: Sequence[int] | None = None
) -> list[ApiToken]:
    query = select(ApiToken).where(ApiToken.tenant_id == tenant.id)
    if ids is not None:
        query = query.where(ApiToken.id.in_(ids))
    result = await session.execute(query.order_by(ApiToken.created_at.desc(), ApiToken.id.desc()))
    return list(result.scalars())


async def revoke_api_token(
    session: AsyncSession, tenant: TenantRef, token_id: int, *, by: Actor | str
) -> ApiToken | None:
    tokens = await api_tokens_of(session, tenant, [token_id])
    if not tokens:
        return None
    token = tokens[0]
    if token.revoked_at is None:
        token.revoked_at = await database_now(session)
        await announce(session, token_key(token.id))  # its live sockets close, everywhere
    await audit_shared(session, tenant, by, "api_token.revoke", "api_token", token.id)
    return token
