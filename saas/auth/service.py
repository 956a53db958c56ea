"""Identity rules: login with rate limits, sessions, cabinets and the hand-off between hosts,
password reset, TOTP, invitations, API tokens. Plain async functions, no GraphQL.

Login and the other credential checks open their own short transactions on the shared schema
instead of the request's session: the attempt must be committed before it is counted (so
concurrent attempts in other processes, batches and aliases see each other), whatever the
outcome of the rest.

Decisions worth knowing:
- An attempt is recorded as a failure first and marked succeeded once every factor passed;
  the lock counts failures per e-mail since its last success in `login_window_seconds`.
  Unknown e-mails are counted and locked the same way, so the answers do not reveal whether
  an account exists.
- Failures from one address never refuse anyone (one NAT address may be a whole office): past
  a number of them in the window, each further failed attempt from that address is answered
  only after a delay doubling per failure, capped (`AttemptLog.held`); a right password of an
  account that is not locked is answered at once. Attempts sent in parallel are recorded
  before they are judged, so they see each other and are held alike.
- At a firm's host a person with the right password but no active membership there gets
  NOT_A_MEMBER (only after every factor passed: it tells nothing a login at the platform host
  would not).
- When a firm requires TOTP for staff and a staff member has none, the login succeeds with a
  session whose `mfa_passed` is false: it carries no roles in the firm (saas.auth.authenticate),
  so it can only read `viewer`, enroll TOTP (which lifts the restriction) and log out.
"""

from __future__ import annotations

import asyncio
import math
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import orjson
import pyotp
from sqlalchemy import and_, func, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from saas.auth.live import announce, end_sessions, token_key
from saas.auth.models import (
    ApiToken,
    Invitation,
    LoginAttempt,
    LoginSession,
    Membership,
    OneTimeCode,
    Person,
)
from saas.auth.passwords import (
    MIN_LENGTH,
    hash_password,
    needs_rehash,
    password_problem,
    verify_password,
)
from saas.auth.tokens import API_TOKEN_PREFIX, digest, new_secret
from saas.db.session import shared_session
from saas.rbac.defaults import CLIENT_ROLES, OTHER_ROLES, STAFF_ROLES
from saas.schema.errors import DomainError
from saas.tenants.models import Tenant
from saas.tenants.registry import TENANTS_CHANGED, TenantRef

if TYPE_CHECKING:
    from saas.services import Services

HANDOFF_TTL = timedelta(seconds=60)
RESET_TTL = timedelta(hours=1)
INVITATION_TTL = timedelta(hours=72)
# At most this many reset e-mails per person per RESET_THROTTLE (no mail bombing).
RESET_MAX = 3
RESET_THROTTLE = timedelta(minutes=15)
TOKEN_MAX_DAYS = 1825
# Roles an API token may carry: never firm_admin (a leaked token must not manage the firm).
TOKEN_ROLES = ("integrator", *(r for r in STAFF_ROLES if r != "firm_admin"))
KINDS = ("staff", "client", "performer")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalize_email(email: str) -> str:
    return email.strip().lower()


def valid_email(email: str) -> bool:
    return len(email) <= 254 and bool(_EMAIL.match(email))


@dataclass(frozen=True)
class Caller:
    """Where a request comes from (for the attempt log and the session record)."""

    ip: str | None
    user_agent: str | None = None

    @property
    def address(self) -> str:
        return self.ip or "unknown"


@dataclass(frozen=True)
class IssuedSession:
    id: int
    secret: str
    csrf_token: str
    expires_at: datetime
    mfa_passed: bool


@dataclass(frozen=True)
class Refused:
    """An expected refusal with a stable code (see saas.auth.messages)."""

    code: str
    retry_after: int = 0
    field: str | None = None


@dataclass(frozen=True)
class LoggedIn:
    person: Person
    session: IssuedSession

    @property
    def totp_setup_required(self) -> bool:
        return not self.session.mfa_passed


def _seconds_until(moment: datetime, now: datetime) -> int:
    return max(1, math.ceil((moment - now).total_seconds()))


def _password_refusal(password: str) -> Refused | None:
    if password_problem(password) is None:
        return None
    code = "PASSWORD_TOO_SHORT" if len(password) < MIN_LENGTH else "PASSWORD_TOO_EASY"
    return Refused(code, field="password")


# --- sessions ----------------------------------------------------------------------------


async def open_session(
    session: AsyncSession,
    services: Services,
    person_id: int,
    tenant_id: int | None,
    caller: Caller,
    *,
    mfa_passed: bool = True,
) -> IssuedSession:
    secret, csrf = new_secret(32), new_secret(24)
    now = await _now(session)
    expires = now + timedelta(days=services.settings.session_days)
    session_id = await session.scalar(
        insert(LoginSession)
        .values(
            token_hash=digest(secret),
            csrf_token=csrf,
            person_id=person_id,
            tenant_id=tenant_id,
            mfa_passed=mfa_passed,
            ip=caller.ip,
            user_agent=(caller.user_agent or "")[:400] or None,
            expires_at=expires,
        )
        .returning(LoginSession.id)
    )
    assert session_id is not None
    return IssuedSession(session_id, secret, csrf, expires, mfa_passed)


async def revoke_session(services: Services, session_id: int) -> None:
    """End one session (logout): its live sockets in every process close too
    (`saas.auth.live.end_sessions`)."""
    async with shared_session(services.engine) as session:
        await end_sessions(session, LoginSession.id == session_id)
        await session.commit()


async def _now(session: AsyncSession) -> datetime:
    """The database's clock: attempt and code timestamps come from it too."""
    return (await session.execute(select(func.clock_timestamp()))).scalar_one()


def _firm_requires_staff_totp(tenant: TenantRef | None) -> bool:
    return bool(tenant and (tenant.settings or {}).get("require_staff_totp"))


def mfa_satisfied(tenant: TenantRef | None, person: Person, kinds: set[str]) -> bool:
    """Whether a session at this host has every factor the firm requires."""
    return person.totp_enabled or not (_firm_requires_staff_totp(tenant) and "staff" in kinds)


async def _kinds_at(session: AsyncSession, person_id: int, tenant_id: int) -> set[str]:
    rows = (
        await session.execute(
            select(Membership.kind).where(
                Membership.person_id == person_id,
                Membership.tenant_id == tenant_id,
                Membership.status == "active",
            )
        )
    ).scalars()
    return set(rows)


def _cabinet_enabled(tenant: TenantRef) -> bool:
    from saas.tenants.branding import cabinet_enabled

    return cabinet_enabled(tenant)


# --- login and its limits ----------------------------------------------------------------


class AttemptLog:
    """One credential check: recorded (committed) first, then judged against the limits."""

    def __init__(self, services: Services, email: str, caller: Caller):
        self.services = services
        self.email = normalize_email(email)[:320]
        self.ip = caller.address
        settings = services.settings
        self.window = timedelta(seconds=settings.login_window_seconds)
        self.max_account = settings.login_max_per_account
        self.free_address = settings.login_address_free_failures
        self.delay = settings.login_address_delay_seconds
        self.max_delay = settings.login_address_delay_max_seconds
        self.id = 0
        self.at: datetime | None = None

    async def record(self) -> None:
        async with shared_session(self.services.engine) as session:
            row = (
                await session.execute(
                    insert(LoginAttempt)
                    .values(email=self.email, ip=self.ip, succeeded=False)
                    .returning(LoginAttempt.id, LoginAttempt.created_at)
                )
            ).one()
            await session.commit()
        self.id, self.at = row

    async def _failures(
        self, session: AsyncSession, *conditions: object, limit: int
    ) -> list[datetime]:
        """The newest earlier failures (up to `limit`) matching `conditions` in the window."""
        now = await _now(session)
        rows = (
            await session.execute(
                select(LoginAttempt.created_at)
                .where(
                    LoginAttempt.succeeded.is_(False),
                    LoginAttempt.created_at > now - self.window,
                    LoginAttempt.id != self.id,
                    *conditions,  # type: ignore[arg-type]
                )
                .order_by(LoginAttempt.created_at.desc())
                .limit(limit)
            )
        ).scalars()
        return list(rows)

    async def _account_failures(self, session: AsyncSession) -> list[datetime]:
        last_success = (
            select(func.max(LoginAttempt.created_at))
            .where(LoginAttempt.email == self.email, LoginAttempt.succeeded.is_(True))
            .scalar_subquery()
        )
        return await self._failures(
            session,
            LoginAttempt.email == self.email,
            LoginAttempt.created_at > func.coalesce(last_success, text("'-infinity'::timestamptz")),
            limit=self.max_account,
        )

    async def refusal(self, session: AsyncSession, person: Person | None) -> Refused | None:
        """Before checking the password: is the account locked?"""
        now = await _now(session)
        by_account = await self._account_failures(session)
        if len(by_account) >= self.max_account:
            until = by_account[-1] + self.window
            await self._lock(session, person, until)
            return Refused("ACCOUNT_LOCKED", _seconds_until(until, now))
        if person is not None and person.locked_until is not None and person.locked_until > now:
            return Refused("ACCOUNT_LOCKED", _seconds_until(person.locked_until, now))
        return None

    async def failed(self, session: AsyncSession, person: Person | None, code: str) -> Refused:
        """This attempt failed: the one that reaches the limit locks the account."""
        assert self.at is not None
        now = await _now(session)
        failures = [self.at, *await self._account_failures(session)]
        if person is not None:
            person.failed_logins = len(failures)
        if len(failures) >= self.max_account:
            until = failures[self.max_account - 1] + self.window
            await self._lock(session, person, until)
            await session.commit()
            return Refused("ACCOUNT_LOCKED", _seconds_until(until, now))
        await session.commit()
        return Refused(code)

    async def address_delay(self, session: AsyncSession) -> float:
        """Seconds to hold this failed attempt's answer: none for the address's first
        `free_address` failures in the window (this one included), then `delay` doubling per
        further failure, at most `max_delay` (0 turns the back-off off)."""
        if self.delay <= 0 or self.max_delay <= 0:
            return 0.0
        steps = max(0, math.ceil(math.log2(max(self.max_delay / self.delay, 1)))) + 1
        failures = await self._failures(
            session, LoginAttempt.ip == self.ip, limit=self.free_address + steps
        )
        over = len(failures) + 1 - self.free_address
        return 0.0 if over <= 0 else min(self.max_delay, self.delay * 2 ** (over - 1))

    async def held(self, session: AsyncSession, refused: Refused) -> Refused:
        """Answer a failed attempt after the address's delay, holding no connection meanwhile."""
        delay = await self.address_delay(session)
        await session.commit()
        if delay > 0:
            await asyncio.sleep(delay)
        return refused

    async def succeeded(self, session: AsyncSession, person: Person) -> None:
        await session.execute(
            update(LoginAttempt).where(LoginAttempt.id == self.id).values(succeeded=True)
        )
        person.failed_logins = 0
        person.locked_until = None

    @staticmethod
    async def _lock(session: AsyncSession, person: Person | None, until: datetime) -> None:
        if person is not None and (person.locked_until is None or person.locked_until < until):
            person.locked_until = until
            await session.commit()


async def _person_by_email(
    session: AsyncSession, email: str, *, for_update: bool = False
) -> Person | None:
    query = select(Person).where(func.lower(Person.email) == normalize_email(email))
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def check_password(
    services: Services, session: AsyncSession, attempt: AttemptLog, email: str, password: str
) -> tuple[Person | None, Refused | None]:
    """The rate-limited password check shared by login and invitation acceptance."""
    await attempt.record()
    person = await _person_by_email(session, email)
    refusal = await attempt.refusal(session, person)
    if refusal:
        return person, await attempt.held(session, refusal)
    # Ends the read transaction: no pooled connection is held during the slow check below.
    await session.commit()
    # argon2 takes tens of milliseconds of CPU: keep the event loop free meanwhile. Unknown
    # e-mails are verified against a dummy hash, so they take as long.
    ok = await asyncio.to_thread(
        verify_password, person.password_hash if person else None, password
    )
    if not ok or person is None:
        failed = await attempt.failed(session, person, "INVALID_CREDENTIALS")
        return person, await attempt.held(session, failed)
    return person, None


async def login(
    services: Services,
    tenant: TenantRef | None,
    email: str,
    password: str,
    otp: str | None,
    caller: Caller,
    *,
    replaces_session_id: int | None = None,
) -> LoggedIn | Refused:
    attempt = AttemptLog(services, email, caller)
    async with shared_session(services.engine) as session:
        person, refusal = await check_password(services, session, attempt, email, password)
        if refusal:
            return refusal
        assert person is not None
        if person.totp_enabled:
            if not otp:  # the password was right: answered at once
                return await attempt.failed(session, person, "OTP_REQUIRED")
            # Locked, so two concurrent logins cannot both spend the same code.
            await session.refresh(person, with_for_update=True)
            if not accept_totp(person, otp):
                failed = await attempt.failed(session, person, "INVALID_OTP")
                return await attempt.held(session, failed)
        await attempt.succeeded(session, person)
        if person.password_hash and needs_rehash(person.password_hash):
            person.password_hash = await asyncio.to_thread(hash_password, password)
        kinds: set[str] = set()
        if tenant is not None:
            kinds = await _kinds_at(session, person.id, tenant.id)
            if not kinds:
                await session.commit()
                return Refused("NOT_A_MEMBER")
            if kinds == {"client"} and not _cabinet_enabled(tenant):
                await session.commit()
                return Refused("CABINET_CLOSED")
        if replaces_session_id is not None:
            await end_sessions(session, LoginSession.id == replaces_session_id)
        issued = await open_session(
            session,
            services,
            person.id,
            tenant.id if tenant else None,
            caller,
            mfa_passed=mfa_satisfied(tenant, person, kinds),
        )
        await session.commit()
        return LoggedIn(person, issued)


# --- cabinets and the hand-off between hosts ---------------------------------------------


@dataclass(frozen=True)
class CabinetEntry:
    key: str
    kind: str
    tenant: TenantRef
    client_org_id: int | None
    roles: tuple[str, ...]
    url: str
    organization_name: str | None = None


# Modules that know client organizations register here to name them in the cabinet list:
# called once per list with every (tenant, client_org_id) pair, returns names by that pair.
OrganizationNames = Callable[
    ["Services", Sequence[tuple[TenantRef, int]]], Awaitable[dict[tuple[int, int], str]]
]
ORGANIZATION_NAME_RESOLVERS: list[OrganizationNames] = []


def cabinet_key(slug: str, kind: str, client_org_id: int | None) -> str:
    return f"{slug}:{kind}" + (f":{client_org_id}" if kind == "client" else "")


def parse_cabinet_key(key: str) -> tuple[str, str, int | None] | None:
    parts = key.split(":")
    if len(parts) == 2 and parts[1] in ("staff", "performer"):
        return parts[0], parts[1], None
    if len(parts) == 3 and parts[1] == "client" and parts[2].isdigit():
        return parts[0], "client", int(parts[2])
    return None


async def cabinets_of(
    services: Services, session: AsyncSession, person_id: int
) -> list[CabinetEntry]:
    """Every cabinet of a person at every firm: one query over memberships and tenants."""
    rows = (
        await session.execute(
            select(Membership.kind, Membership.client_org_id, Membership.roles, Tenant)
            .join(Tenant, Tenant.id == Membership.tenant_id)
            .where(
                Membership.person_id == person_id,
                Membership.status == "active",
                Tenant.status == "active",
            )
            .order_by(Tenant.name, Tenant.id, Membership.kind, Membership.client_org_id)
        )
    ).all()
    entries = []
    for kind, org_id, roles, row in rows:
        tenant = TenantRef.of(row)
        url = services.settings.public_url(services.registry.host_of(tenant))
        entries.append(
            CabinetEntry(
                cabinet_key(tenant.slug, kind, org_id),
                kind,
                tenant,
                org_id,
                tuple(roles or ()),
                url,
            )
        )
    pairs = [(e.tenant, e.client_org_id) for e in entries if e.client_org_id is not None]
    if pairs and ORGANIZATION_NAME_RESOLVERS:
        names: dict[tuple[int, int], str] = {}
        for resolve in ORGANIZATION_NAME_RESOLVERS:
            names.update(await resolve(services, pairs))  # type: ignore[arg-type]
        entries = [
            CabinetEntry(
                e.key,
                e.kind,
                e.tenant,
                e.client_org_id,
                e.roles,
                e.url,
                names.get((e.tenant.id, e.client_org_id)) if e.client_org_id is not None else None,
            )
            for e in entries
        ]
    return entries


async def issue_handoff(
    services: Services, person_id: int, key: str
) -> tuple[CabinetEntry, str] | None:
    """A single-use, one-minute link that opens cabinet `key` at its firm's host."""
    async with shared_session(services.engine) as session:
        entry = next(
            (e for e in await cabinets_of(services, session, person_id) if e.key == key), None
        )
        if entry is None:
            return None
        code = new_secret(32)
        now = await _now(session)
        session.add(
            OneTimeCode(
                purpose="handoff",
                code_hash=digest(code),
                person_id=person_id,
                tenant_id=entry.tenant.id,
                expires_at=now + HANDOFF_TTL,
            )
        )
        await session.commit()
    host = services.registry.host_of(entry.tenant)
    return entry, services.settings.public_url(host, f"/auth/handoff?code={code}")


async def _consume_code(
    session: AsyncSession, purpose: str, code: str, tenant_id: int | None
) -> int | None:
    """Marks a valid code used (atomically: a code works once) and returns its person."""
    return await session.scalar(
        update(OneTimeCode)
        .where(
            OneTimeCode.code_hash == digest(code),
            OneTimeCode.purpose == purpose,
            OneTimeCode.used_at.is_(None),
            OneTimeCode.expires_at > func.now(),
            OneTimeCode.tenant_id.is_not_distinct_from(tenant_id),
        )
        .values(used_at=func.now())
        .returning(OneTimeCode.person_id)
    )


async def consume_handoff(
    services: Services,
    tenant: TenantRef,
    code: str,
    caller: Caller,
    *,
    replaces_session_id: int | None = None,
) -> IssuedSession | None:
    """Opens a session at the firm's host for the person the hand-off code was issued to."""
    async with shared_session(services.engine) as session:
        person_id = await _consume_code(session, "handoff", code, tenant.id)
        if person_id is None:
            return None
        person = await session.get(Person, person_id)
        kinds = await _kinds_at(session, person_id, tenant.id)
        if person is None or not kinds or (kinds == {"client"} and not _cabinet_enabled(tenant)):
            await session.commit()  # the code stays spent
            return None
        if replaces_session_id is not None:
            await end_sessions(session, LoginSession.id == replaces_session_id)
        issued = await open_session(
            session,
            services,
            person_id,
            tenant.id,
            caller,
            mfa_passed=mfa_satisfied(tenant, person, kinds),
        )
        await session.commit()
        return issued


# --- password reset ----------------------------------------------------------------------


@dataclass(frozen=True)
class ResetLink:
    person: Person
    url: str


async def request_password_reset(
    services: Services, tenant: TenantRef | None, email: str
) -> ResetLink | None:
    """A reset link for an existing person (at a firm's host: only for its members), or None.

    The caller answers the same either way. The link points at the canonical host, never at
    the request's Host header (which a client can forge).
    """
    async with shared_session(services.engine) as session:
        person = await _person_by_email(session, email)
        if person is None:
            return None
        if tenant is not None and not await _kinds_at(session, person.id, tenant.id):
            return None
        now = await _now(session)
        recent = await session.scalar(
            select(func.count())
            .select_from(OneTimeCode)
            .where(
                OneTimeCode.person_id == person.id,
                OneTimeCode.purpose == "password_reset",
                OneTimeCode.created_at > now - RESET_THROTTLE,
            )
        )
        if (recent or 0) >= RESET_MAX:
            return None
        code = new_secret(32)
        session.add(
            OneTimeCode(
                purpose="password_reset",
                code_hash=digest(code),
                person_id=person.id,
                tenant_id=tenant.id if tenant else None,
                expires_at=now + RESET_TTL,
            )
        )
        await session.commit()
    host = services.registry.host_of(tenant) if tenant else services.settings.base_domain
    return ResetLink(person, services.settings.public_url(host, f"/reset-password?token={code}"))


async def reset_password(
    services: Services, tenant: TenantRef | None, token: str, new_password: str
) -> Refused | None:
    """Sets the new password once per link; every session of the person is ended."""
    if refusal := _password_refusal(new_password):
        return refusal
    password_hash = await asyncio.to_thread(hash_password, new_password)
    async with shared_session(services.engine) as session:
        person_id = await _consume_code(
            session, "password_reset", token, tenant.id if tenant else None
        )
        if person_id is None:
            return Refused("INVALID_RESET_TOKEN", field="token")
        await session.execute(
            update(Person)
            .where(Person.id == person_id)
            .values(password_hash=password_hash, locked_until=None, failed_logins=0)
        )
        await end_sessions(session, LoginSession.person_id == person_id)
        # Other links sent earlier are void now.
        await session.execute(
            update(OneTimeCode)
            .where(
                OneTimeCode.person_id == person_id,
                OneTimeCode.purpose == "password_reset",
                OneTimeCode.used_at.is_(None),
            )
            .values(used_at=func.now())
        )
        await session.commit()
    return None


# --- TOTP --------------------------------------------------------------------------------


def accept_totp(person: Person, code: str, *, at: datetime | None = None) -> bool:
    """A current code (±1 step for clock drift), accepted once: replays are refused."""
    if not person.totp_secret:
        return False
    code = code.strip().replace(" ", "")
    if not code.isdigit():
        return False
    totp = pyotp.TOTP(person.totp_secret)
    moment = at or datetime.now().astimezone()
    step = totp.timecode(moment)
    for candidate in (step, step - 1, step + 1):
        if candidate <= (person.totp_last_step or -1):
            continue
        if pyotp.utils.strings_equal(code, totp.generate_otp(candidate)):
            person.totp_last_step = candidate
            return True
    return False


@dataclass(frozen=True)
class TotpEnrollment:
    secret: str
    uri: str


async def start_totp_enrollment(
    session: AsyncSession, person_id: int, issuer: str
) -> TotpEnrollment | Refused:
    person = await session.get(Person, person_id, with_for_update=True)
    assert person is not None
    if person.totp_enabled:
        return Refused("TOTP_ALREADY_ENABLED")
    person.totp_secret = pyotp.random_base32()
    person.totp_last_step = None
    uri = pyotp.TOTP(person.totp_secret).provisioning_uri(name=person.email, issuer_name=issuer)
    return TotpEnrollment(person.totp_secret, uri)


async def confirm_totp(
    session: AsyncSession, person_id: int, session_id: int | None, code: str
) -> Refused | None:
    """Turns TOTP on; the current session thereby passes the firm's second-factor rule."""
    person = await session.get(Person, person_id, with_for_update=True)
    assert person is not None
    if person.totp_enabled:
        return Refused("TOTP_ALREADY_ENABLED")
    if not person.totp_secret:
        return Refused("TOTP_NOT_STARTED")
    if not accept_totp(person, code):
        return Refused("INVALID_OTP", field="code")
    person.totp_enabled = True
    if session_id is not None:
        await session.execute(
            update(LoginSession).where(LoginSession.id == session_id).values(mfa_passed=True)
        )
    return None


async def disable_totp(session: AsyncSession, person_id: int, code: str) -> Refused | None:
    person = await session.get(Person, person_id, with_for_update=True)
    assert person is not None
    if not person.totp_enabled:
        return Refused("TOTP_NOT_ENABLED")
    required = await session.scalar(
        select(func.count())
        .select_from(Membership)
        .join(Tenant, Tenant.id == Membership.tenant_id)
        .where(
            Membership.person_id == person_id,
            Membership.kind == "staff",
            Membership.status == "active",
            Tenant.settings["require_staff_totp"].as_boolean().is_(True),
        )
    )
    if required:
        return Refused("TOTP_REQUIRED_BY_FIRM")
    if not accept_totp(person, code):
        return Refused("INVALID_OTP", field="code")
    person.totp_enabled = False
    person.totp_secret = None
    return None


async def update_security_settings(
    session: AsyncSession, tenant: TenantRef, require_staff_totp: bool
) -> dict[str, object]:
    row = await session.get(Tenant, tenant.id, with_for_update=True)
    assert row is not None
    row.settings = {**(row.settings or {}), "require_staff_totp": require_staff_totp}
    # Every process drops its cached TenantRef when this is delivered (on commit).
    await session.execute(select(func.pg_notify(TENANTS_CHANGED, str(tenant.id))))
    return row.settings


# --- invitations -------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedInvitation:
    invitation: Invitation
    token: str


def _check_roles(kind: str, roles: Sequence[str]) -> list[str]:
    cleaned = sorted({r.strip() for r in roles if r.strip()})
    if not cleaned:
        raise DomainError("INVALID_ROLES", "Choose at least one role.", "roles")
    if kind == "staff":
        allowed = lambda r: r not in CLIENT_ROLES and r not in OTHER_ROLES and r != "platform_admin"  # noqa: E731
    elif kind == "client":
        allowed = lambda r: r in CLIENT_ROLES  # noqa: E731
    else:
        allowed = lambda r: r == "performer"  # noqa: E731
    for role in cleaned:
        if not allowed(role) or len(role) > 64:
            raise DomainError("INVALID_ROLE", f"The role {role!r} cannot be given here.", "roles")
    return cleaned


async def create_invitation(
    session: AsyncSession,
    tenant: TenantRef,
    inviter_person_id: int | None,
    email: str,
    kind: str,
    roles: Sequence[str],
    client_org_id: int | None = None,
) -> IssuedInvitation:
    """An expiring, single-use invitation to a cabinet of `tenant` (flushed, not committed).

    Earlier pending invitations of the same e-mail to the same cabinet are revoked, so only
    the newest link works. Raises DomainError for bad input. Send it with `send_invitation`
    after the commit.
    """
    email = email.strip()
    if not valid_email(email):
        raise DomainError("INVALID_EMAIL", "Check the e-mail address.", "email")
    if kind not in KINDS:
        raise DomainError("INVALID_KIND", f"Unknown kind {kind!r}.", "kind")
    if (kind == "client") != (client_org_id is not None):
        raise DomainError(
            "INVALID_ORGANIZATION", "A client invitation needs an organization.", "clientOrgId"
        )
    cleaned_roles = _check_roles(kind, roles)
    cabinet = and_(
        Membership.tenant_id == tenant.id,
        Membership.kind == kind,
        Membership.client_org_id.is_not_distinct_from(client_org_id),
        Membership.status == "active",
    )
    member = await session.scalar(
        select(Membership.id)
        .join(Person, Person.id == Membership.person_id)
        .where(cabinet, func.lower(Person.email) == normalize_email(email))
    )
    if member is not None:
        raise DomainError(
            "ALREADY_MEMBER", "This person is already a member of this cabinet.", "email"
        )
    await session.execute(
        update(Invitation)
        .where(
            Invitation.tenant_id == tenant.id,
            func.lower(Invitation.email) == normalize_email(email),
            Invitation.kind == kind,
            Invitation.client_org_id.is_not_distinct_from(client_org_id),
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
        .values(revoked_at=func.now())
    )
    token = new_secret(32)
    invitation = Invitation(
        tenant_id=tenant.id,
        email=email,
        token_hash=digest(token),
        kind=kind,
        client_org_id=client_org_id,
        roles=cleaned_roles,
        invited_by=inviter_person_id,
        expires_at=await _now(session) + INVITATION_TTL,
    )
    session.add(invitation)
    await session.flush()
    return IssuedInvitation(invitation, token)


def invitation_url(services: Services, tenant: TenantRef, token: str) -> str:
    return services.settings.public_url(services.registry.host_of(tenant), f"/invite?token={token}")


async def send_invitation(
    services: Services,
    tenant: TenantRef,
    issued: IssuedInvitation,
    *,
    inviter_name: str | None = None,
    lang: str | None = None,
) -> None:
    """E-mails the invitation, branded as the firm. Call after the invitation is committed."""
    from saas import mail

    hours = int(INVITATION_TTL.total_seconds() // 3600)
    message = mail.branded(
        "invitation",
        to=issued.invitation.email,
        tenant=tenant,
        lang=lang,
        values={
            "link": invitation_url(services, tenant, issued.token),
            "inviter_name": inviter_name or mail.sender_name(tenant, lang),
            "valid_hours": str(hours),
            "email": issued.invitation.email,
        },
    )
    await mail.send(services.settings, message)


async def revoke_invitation(
    session: AsyncSession, tenant: TenantRef, invitation_id: int
) -> Invitation | None:
    invitation = (
        await session.execute(
            select(Invitation).where(
                Invitation.id == invitation_id, Invitation.tenant_id == tenant.id
            )
        )
    ).scalar_one_or_none()
    if invitation is not None and invitation.accepted_at is None and invitation.revoked_at is None:
        invitation.revoked_at = await _now(session)
    return invitation


async def invitation_by_token(
    session: AsyncSession, tenant: TenantRef, token: str, *, for_update: bool = False
) -> Invitation | None:
    query = select(Invitation).where(
        Invitation.token_hash == digest(token), Invitation.tenant_id == tenant.id
    )
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


def invitation_problem(invitation: Invitation | None, now: datetime) -> str | None:
    if invitation is None:
        return "INVITATION_UNKNOWN"
    if invitation.revoked_at is not None:
        return "INVITATION_REVOKED"
    if invitation.accepted_at is not None:
        return "INVITATION_USED"
    if invitation.expires_at <= now:
        return "INVITATION_EXPIRED"
    return None


async def account_exists(session: AsyncSession, email: str) -> bool:
    person = await _person_by_email(session, email)
    return person is not None and person.password_hash is not None


@dataclass(frozen=True)
class InvitationAccepted:
    person: Person
    # None when the person has TOTP: they log in normally, with their code.
    session: IssuedSession | None


async def accept_invitation(
    services: Services,
    tenant: TenantRef,
    token: str,
    password: str,
    display_name: str | None,
    caller: Caller,
    *,
    lang: str = "ru",
) -> InvitationAccepted | Refused:
    """Creates the person (or attaches the existing one, proven by its current password),
    grants the membership, spends the invitation and logs the person in at this host."""
    async with shared_session(services.engine) as session:
        invitation = await invitation_by_token(session, tenant, token, for_update=True)
        if problem := invitation_problem(invitation, await _now(session)):
            return Refused(problem, field="token")
        assert invitation is not None
        person = await _person_by_email(session, invitation.email, for_update=True)
        if person is not None and person.password_hash is not None:
            await session.commit()  # release the invitation row during the slow check
            attempt = AttemptLog(services, invitation.email, caller)
            person, refusal = await check_password(
                services, session, attempt, invitation.email, password
            )
            if refusal:
                code = (
                    "EXISTING_ACCOUNT_PASSWORD"
                    if refusal.code == "INVALID_CREDENTIALS"
                    else refusal.code
                )
                return Refused(code, refusal.retry_after, field="password")
            assert person is not None
            await attempt.succeeded(session, person)
            await session.commit()
            invitation = await invitation_by_token(session, tenant, token, for_update=True)
            if problem := invitation_problem(invitation, await _now(session)):
                return Refused(problem, field="token")
            assert invitation is not None
            await session.refresh(person)
        else:
            if refusal := _password_refusal(password):
                return refusal
            name = " ".join((display_name or "").split())
            if not name or len(name) > 200:
                return Refused("INVALID_NAME", field="displayName")
            password_hash = await asyncio.to_thread(hash_password, password)
            if person is None:
                person = Person(
                    email=invitation.email,
                    display_name=name,
                    password_hash=password_hash,
                    locale=lang,
                )
                session.add(person)
                await session.flush()
            else:  # an account created without a password (e.g. by an import)
                person.password_hash = password_hash
                person.display_name = person.display_name or name
        await session.execute(
            pg_insert(Membership)
            .values(
                person_id=person.id,
                tenant_id=tenant.id,
                kind=invitation.kind,
                client_org_id=invitation.client_org_id,
                roles=list(invitation.roles),
                status="active",
            )
            .on_conflict_do_update(
                index_elements=["person_id", "tenant_id", "kind", "client_org_id"],
                set_={
                    "roles": list(invitation.roles),
                    "status": "active",
                    "updated_at": func.now(),
                },
            )
        )
        invitation.accepted_at = await _now(session)
        invitation.accepted_person_id = person.id
        issued = None
        if not person.totp_enabled:
            kinds = await _kinds_at(session, person.id, tenant.id)
            issued = await open_session(
                session,
                services,
                person.id,
                tenant.id,
                caller,
                mfa_passed=mfa_satisfied(tenant, person, kinds),
            )
        await session.commit()
        return InvitationAccepted(person, issued)


# --- API tokens --------------------------------------------------------------------------


async def create_api_token(
    session: AsyncSession,
    tenant: TenantRef,
    creator_person_id: int | None,
    name: str,
    role: str,
    expires_in_days: int,
) -> tuple[ApiToken, str]:
    """A new token; the secret is returned once and only its SHA-256 is stored."""
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
        expires_at=await _now(session) + timedelta(days=expires_in_days),
    )
    session.add(token)
    await session.flush()
    await session.refresh(token)
    return token, secret


async def audit_in_firm(
    session: AsyncSession,
    tenant: TenantRef,
    actor: str,
    action: str,
    object_type: str,
    object_id: object,
    data: dict[str, object],
    ip: str | None = None,
) -> None:
    """An entry in the firm's audit log written by a session of the shared schema (tokens,
    people, memberships live there), in the same transaction as the change."""
    await session.execute(
        text(
            f'INSERT INTO "{tenant.schema}".audit_log '
            "(actor, action, object_type, object_id, data, ip) "
            "VALUES (:actor, :action, :type, :id, CAST(:data AS jsonb), :ip)"
        ),
        {
            "actor": actor,
            "action": action,
            "type": object_type,
            "id": str(object_id),
            "data": orjson.dumps(data).decode(),
            "ip": ip,
        },
    )


async def api_tokens_of(
    session: AsyncSession, tenant: TenantRef, ids: Sequence[int] | None = None
) -> list[ApiToken]:
    query = select(ApiToken).where(ApiToken.tenant_id == tenant.id)
    if ids is not None:
        query = query.where(ApiToken.id.in_(ids))
    result = await session.execute(query.order_by(ApiToken.created_at.desc(), ApiToken.id.desc()))
    return list(result.scalars())


async def revoke_api_token(
    session: AsyncSession, tenant: TenantRef, token_id: int
) -> ApiToken | None:
    tokens = await api_tokens_of(session, tenant, [token_id])
    if not tokens:
        return None
    token = tokens[0]
    if token.revoked_at is None:
        token.revoked_at = await _now(session)
        await announce(session, token_key(token.id))  # its live sockets close, everywhere
    return token
