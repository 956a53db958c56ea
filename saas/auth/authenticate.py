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
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from sqlalchemy import bindparam, select, update
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg
from starlette.datastructures import Headers
from starlette.types import Scope

from saas.auth import idle
from saas.auth.messages import language_of, message
from saas.auth.models import ApiToken, LoginSession, Membership, Person
from saas.auth.principal import ANONYMOUS, Principal
from saas.auth.tokens import API_TOKEN_PREFIX, CSRF_HEADER, SESSION_COOKIE, digest, same
from saas.db.read_once import read_shared_row
from saas.db.session import shared_session
from saas.tenants.cabinet import cabinet_enabled
from saas.tenants.registry import TenantRef

if TYPE_CHECKING:
    from saas.services import Services

TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)
TOKEN_COLUMNS = select(
    ApiToken.id,
    ApiToken.tenant_id,
    ApiToken.role,
    ApiToken.revoked_at,
    ApiToken.expires_at,
    ApiToken.last_used_at,
)
TOKEN_LOOKUP = TOKEN_COLUMNS.where(ApiToken.token_hash == bindparam("token_hash"))
TOKEN_LOOKUP_SQL = str(TOKEN_LOOKUP.compile(dialect=PGDialect_psycopg()))


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
    roles, orgs, _ = await memberships_in_tenant(services, person_id, tenant_id)
    return roles, orgs


async def memberships_in_tenant(
    services: Services, person_id: int, tenant_id: int
) -> tuple[tuple[str, ...], tuple[int, ...], frozenset[str]]:
    """A person's active roles in a tenant, the client organizations they represent and the
    kinds of their memberships ('staff', 'client', ...)."""
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
    kinds: set[str] = set()
    for kind, org_id, member_roles in rows:
        roles.update(member_roles)
        kinds.add(kind)
        if kind == "client" and org_id is not None:
            orgs.add(org_id)
    return tuple(sorted(roles)), tuple(sorted(orgs)), frozenset(kinds)


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


def bearer_in(params: object) -> str | None:
    """The API token of a graphql-transport-ws `connection_init` payload, the graphql-ws
    clients' `connectionParams`: `{"authorization": "Bearer kbt_..."}` (the key in any case);
    None when it carries none."""
    if not isinstance(params, dict):
        return None
    for key, value in params.items():
        if isinstance(key, str) and key.lower() == "authorization" and isinstance(value, str):
            value = value.strip()
            return value[7:].strip() if value.lower().startswith("bearer ") else value
    return None


async def from_connection_params(
    services: Services, secret: str, scope: Scope, tenant: TenantRef | None
) -> tuple[Principal, TenantRef | None]:
    """The principal of a token sent in `connection_init` (it then authenticates the socket,
    instead of whatever its handshake carried), by the rules of the Authorization header."""
    principal, tenant = await _from_token(services, secret, scope, tenant)
    if tenant is not None and not tenant.active:
        raise AuthRefused(403, "TENANT_SUSPENDED", f"The cabinet of {tenant.name} is suspended.")
    return principal, tenant


async def _from_token(
    services: Services, secret: str, scope: Scope, tenant: TenantRef | None
) -> tuple[Principal, TenantRef | None]:
    if not secret.startswith(API_TOKEN_PREFIX):
        raise AuthRefused(401, "INVALID_TOKEN", "The API token is malformed.")
    now = datetime.now(UTC)
    # One round trip for the lookup on every request (autocommit: no BEGIN and ROLLBACK around
    # it; SQL text compiled once, sent by the driver); the occasional touch below is a
    # statement (and a transaction) of its own.
    found = await read_shared_row(services.engine, TOKEN_LOOKUP_SQL, {"token_hash": digest(secret)})
    token = _check_token(found, now)
    if token.last_used_at is None or now - token.last_used_at > TOKEN_TOUCH_INTERVAL:
        client = scope.get("client")
        async with services.engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(
                update(ApiToken)
                .where(ApiToken.id == token.id)
                .values(last_used_at=now, last_used_ip=client[0] if client else None)
            )
    return await _token_principal(services, token, tenant)


def _check_token(token: Any, now: datetime) -> Any:
    if token is None or token.revoked_at is not None:
        raise AuthRefused(401, "INVALID_TOKEN", "The API token is unknown or revoked.")
    if token.expires_at is not None and token.expires_at <= now:
        raise AuthRefused(
            401,
            "TOKEN_EXPIRED",
            "The API token has expired; ask your firm admin for a new one.",
        )
    return token


async def _token_principal(
    services: Services, token: Any, tenant: TenantRef | None
) -> tuple[Principal, TenantRef | None]:
    if tenant is None:
        tenant = await services.registry.by_id(token.tenant_id)
        if tenant is None:
            raise AuthRefused(401, "INVALID_TOKEN", "The API token's firm no longer exists.")
    elif tenant.id != token.tenant_id:
        raise AuthRefused(403, "WRONG_TENANT", "This API token belongs to another firm.")
    principal = Principal(
        kind="token",
        token_id=token.id,
        tenant_id=token.tenant_id,
        roles=(token.role,),
        extra=_expiring(token.expires_at),
    )
    return principal, tenant


def _expiring(expires_at: datetime | None) -> dict[str, str]:
    """Principal.extra noting when the credential expires (live sockets are closed then)."""
    return {EXPIRES_AT: expires_at.isoformat()} if expires_at is not None else {}


EXPIRES_AT = "expires_at"


async def _from_session(
    services: Services, secret: str, headers: Headers, scope: Scope, tenant: TenantRef | None
) -> Principal:
    async with shared_session(services.engine) as session:
        row = (
            await session.execute(SESSION_LOOKUP.where(LoginSession.token_hash == digest(secret)))
        ).one_or_none()
    if row is None:
        return ANONYMOUS
    login = row[0]
    now = datetime.now(UTC)
    if not idle.alive(login, tenant, now):  # ended, expired, or unused too long
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
    client = scope.get("client")
    seen = await idle.touch(services, login, client[0] if client else None, now)
    try:
        return await _session_principal(
            services, row, tenant, language_of_headers(headers), seen=seen
        )
    except CabinetClosed:
        if scope["type"] == "http" and scope["path"] != GRAPHQL_PATH:
            return ANONYMOUS  # pages load (the login page answers CabinetClosed)
        raise


SESSION_LOOKUP = select(LoginSession, Person.is_platform_admin, Person.totp_enabled).join(
    Person, Person.id == LoginSession.person_id
)
GRAPHQL_PATH = "/graphql"


class CabinetClosed(AuthRefused):
    """A client contact's session at a firm whose client cabinet is switched off."""

    def __init__(self, lang: str):
        super().__init__(403, "CABINET_CLOSED", message("CABINET_CLOSED", lang))


def language_of_headers(headers: Headers) -> str:
    return language_of(headers.get("accept-language"))


async def _session_principal(
    services: Services, row: Any, tenant: TenantRef | None, lang: str, seen: datetime | None = None
) -> Principal:
    """The principal of a valid login session at this tenant, by the firm's rules now: a
    client contact of a firm whose client cabinet is off is refused; a staff member without
    the second factor the firm now requires gets no roles (it may only enroll TOTP)."""
    login, is_platform_admin, totp_enabled = row
    mfa_passed = bool(login.mfa_passed)
    roles: tuple[str, ...] = ()
    orgs: tuple[int, ...] = ()
    if tenant is not None:
        roles, orgs, kinds = await memberships_in_tenant(services, login.person_id, tenant.id)
        if kinds == {"client"} and not cabinet_enabled(tenant):
            raise CabinetClosed(lang)
        if not mfa_satisfied_now(tenant, kinds, bool(totp_enabled)):
            mfa_passed = False
        # A session that owes the firm's second factor gets no roles: it may only enroll TOTP.
        if not mfa_passed:
            roles, orgs = (), ()
    return Principal(
        kind="person",
        person_id=login.person_id,
        session_id=login.id,
        tenant_id=login.tenant_id,
        roles=roles,
        client_org_ids=orgs,
        is_platform_admin=bool(is_platform_admin) and mfa_passed,
        csrf_token=login.csrf_token,
        mfa_pending=not mfa_passed,
        extra=_expiring(idle.ends_at(login, tenant, seen)),
    )


def mfa_satisfied_now(tenant: TenantRef, kinds: frozenset[str], totp_enabled: bool) -> bool:
    """The firm's second-factor rule, read at each request: a firm that starts requiring TOTP
    for staff leaves its staff's sessions without it unable to do anything but enroll."""
    required = bool((tenant.settings or {}).get("require_staff_totp"))
    return totp_enabled or not (required and "staff" in kinds)


async def reauthenticate(
    services: Services, principal: Principal, tenant: TenantRef | None
) -> tuple[Principal, TenantRef | None]:
    """The principal a live connection opened with, re-read now by the same rules as a new
    request (saas.auth.live): its session or token still valid, its firm still active, its
    roles and organizations as they are now. Raises AuthRefused when nothing is left."""
    if tenant is not None:
        fresh = await services.registry.by_id(tenant.id)
        if fresh is None or not fresh.active:
            raise AuthRefused(
                403, "TENANT_SUSPENDED", f"The cabinet of {tenant.name} is suspended."
            )
        tenant = fresh
    if principal.kind == "token" and principal.token_id is not None:
        async with services.engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            token = (
                await conn.execute(TOKEN_COLUMNS.where(ApiToken.id == principal.token_id))
            ).one_or_none()
        token = _check_token(token, datetime.now(UTC))
        return await _token_principal(services, token, tenant)
    if principal.kind == "person" and principal.session_id is not None:
        async with shared_session(services.engine) as session:
            row = (
                await session.execute(SESSION_LOOKUP.where(LoginSession.id == principal.session_id))
            ).one_or_none()
        if row is None or not idle.alive(row[0], tenant, datetime.now(UTC)):
            raise AuthRefused(401, "SESSION_ENDED", "The session has ended; log in again.")
        return await _session_principal(services, row, tenant, "en"), tenant
    return principal, tenant
