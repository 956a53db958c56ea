"""Who is calling, and is the credential valid at this host?

- Session cookie: valid only at the host it was created on (its tenant, or the platform).
  Cookie-authenticated HTTP POSTs must echo the CSRF token in X-CSRF-Token; WebSockets must
  come from the same origin.
- Bearer API token: names its tenant. On the platform host it selects the tenant; on a firm's
  host it must belong to that firm.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from http.cookies import SimpleCookie
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from sqlalchemy import bindparam, select, update
from starlette.datastructures import Headers
from starlette.types import Scope

from saas.auth.models import ApiToken, LoginSession, Membership, Person
from saas.auth.principal import ANONYMOUS, Principal
from saas.auth.tokens import API_TOKEN_PREFIX, CSRF_HEADER, SESSION_COOKIE, digest, same
from saas.db.session import shared_session
from saas.tenants.registry import TenantRef

if TYPE_CHECKING:
    from saas.services import Services

TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)
TOKEN_LOOKUP = select(
    ApiToken.id,
    ApiToken.tenant_id,
    ApiToken.role,
    ApiToken.revoked_at,
    ApiToken.expires_at,
    ApiToken.last_used_at,
).where(ApiToken.token_hash == bindparam("token_hash"))


class AuthRefused(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _cookie(headers: Headers, name: str) -> str | None:
    raw = headers.get("cookie")
    if not raw:
        return None
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(raw)
    except Exception:
        return None
    morsel = jar.get(name)
    return morsel.value if morsel else None


async def roles_in_tenant(
    services: Services, person_id: int, tenant_id: int
) -> tuple[tuple[str, ...], tuple[int, ...]]:
    """A person's active roles in a tenant and the client organizations they represent."""
    async with shared_session(services.engine) as session:
        rows = (
            await session.execute(
                select(Membership.kind, Membership.client_org_id, Membership.roles).where(
                    Membership.person_id == person_id,
                    Membership.tenant_id == tenant_id,
                    Membership.status == "active",
                )
            )
        ).all()
    roles: set[str] = set()
    orgs: set[int] = set()
    for kind, org_id, member_roles in rows:
        roles.update(member_roles)
        if kind == "client" and org_id is not None:
            orgs.add(org_id)
    return tuple(sorted(roles)), tuple(sorted(orgs))


async def authenticate(
    services: Services, headers: Headers, scope: Scope, tenant: TenantRef | None
) -> tuple[Principal, TenantRef | None]:
    authorization = headers.get("authorization", "")
    if authorization.lower().startswith("bearer "):
        return await _from_token(services, authorization[7:].strip(), scope, tenant)
    session_secret = _cookie(headers, SESSION_COOKIE)
    if session_secret:
        return await _from_session(services, session_secret, headers, scope, tenant), tenant
    return ANONYMOUS, tenant


async def _from_token(
    services: Services, secret: str, scope: Scope, tenant: TenantRef | None
) -> tuple[Principal, TenantRef | None]:
    if not secret.startswith(API_TOKEN_PREFIX):
        raise AuthRefused(401, "INVALID_TOKEN", "The API token is malformed.")
    now = datetime.now(UTC)
    # Autocommit: one round trip for the lookup on every request, no BEGIN and ROLLBACK
    # around it; the occasional touch below is a statement (and a transaction) of its own.
    async with services.engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        token = (await conn.execute(TOKEN_LOOKUP, {"token_hash": digest(secret)})).one_or_none()
        if token is None or token.revoked_at is not None:
            raise AuthRefused(401, "INVALID_TOKEN", "The API token is unknown or revoked.")
        if token.expires_at is not None and token.expires_at <= now:
            raise AuthRefused(
                401,
                "TOKEN_EXPIRED",
                "The API token has expired; ask your firm admin for a new one.",
            )
        if token.last_used_at is None or now - token.last_used_at > TOKEN_TOUCH_INTERVAL:
            client = scope.get("client")
            await conn.execute(
                update(ApiToken)
                .where(ApiToken.id == token.id)
                .values(last_used_at=now, last_used_ip=client[0] if client else None)
            )
    if tenant is None:
        tenant = await services.registry.by_id(token.tenant_id)
        if tenant is None:
            raise AuthRefused(401, "INVALID_TOKEN", "The API token's firm no longer exists.")
    elif tenant.id != token.tenant_id:
        raise AuthRefused(403, "WRONG_TENANT", "This API token belongs to another firm.")
    principal = Principal(
        kind="token", token_id=token.id, tenant_id=token.tenant_id, roles=(token.role,)
    )
    return principal, tenant


async def _from_session(
    services: Services, secret: str, headers: Headers, scope: Scope, tenant: TenantRef | None
) -> Principal:
    now = datetime.now(UTC)
    async with shared_session(services.engine) as session:
        row = (
            await session.execute(
                select(LoginSession, Person.is_platform_admin)
                .join(Person, Person.id == LoginSession.person_id)
                .where(LoginSession.token_hash == digest(secret))
            )
        ).one_or_none()
    if row is None:
        return ANONYMOUS
    login, is_platform_admin = row
    if login.revoked_at is not None or login.expires_at <= now:
        return ANONYMOUS
    if login.tenant_id != (tenant.id if tenant else None):
        raise AuthRefused(
            403, "WRONG_HOST", "This session was opened at another address; log in here."
        )
    if scope["type"] == "http" and scope["method"] not in ("GET", "HEAD", "OPTIONS"):
        if not same(headers.get(CSRF_HEADER), login.csrf_token):
            raise AuthRefused(
                403,
                "CSRF_FAILED",
                "Missing or wrong X-CSRF-Token header for a cookie-authenticated request.",
            )
    if scope["type"] == "websocket":
        origin = headers.get("origin")
        if origin and urlsplit(origin).netloc.lower() != headers.get("host", "").lower():
            raise AuthRefused(403, "BAD_ORIGIN", "WebSocket from a foreign origin refused.")
    roles: tuple[str, ...] = ()
    orgs: tuple[int, ...] = ()
    # A session that owes the firm's second factor gets no roles: it may only enroll TOTP.
    if tenant is not None and login.mfa_passed:
        roles, orgs = await roles_in_tenant(services, login.person_id, tenant.id)
    return Principal(
        kind="person",
        person_id=login.person_id,
        session_id=login.id,
        tenant_id=login.tenant_id,
        roles=roles,
        client_org_ids=orgs,
        is_platform_admin=bool(is_platform_admin) and login.mfa_passed,
        csrf_token=login.csrf_token,
        mfa_pending=not login.mfa_passed,
    )
