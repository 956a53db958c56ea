"""Login and its limits: every credential check is an attempt recorded (committed) first,
then judged against the per-account lock and the per-address back-off (see the package's
docstring)."""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from saas.auth.live import end_sessions
from saas.auth.models import LoginAttempt, LoginSession, Person
from saas.auth.passwords import hash_password, needs_rehash, verify_password
from saas.auth.service.accounts import kinds_at, normalize_email, person_by_email
from saas.auth.service.clock import database_now
from saas.auth.service.errors import Refused
from saas.auth.service.sessions import IssuedSession, mfa_satisfied, open_session
from saas.auth.service.totp import second_factor_refusal
from saas.core.actor import Actor
from saas.db.session import shared_session
from saas.tenants.cabinet import cabinet_enabled
from saas.tenants.registry import TenantRef

if TYPE_CHECKING:
    from saas.services import Services


@dataclass(frozen=True)
class LoggedIn:
    person: Person
    session: IssuedSession

    @property
    def totp_setup_required(self) -> bool:
        return not self.session.mfa_passed


def _seconds_until(moment: datetime, now: datetime) -> int:
    return max(1, math.ceil((moment - now).total_seconds()))


class AttemptLog:
    """One credential check: recorded (committed) first, then judged against the limits."""

    def __init__(self, services: Services, email: str, caller: Actor):
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
        now = await database_now(session)
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
        now = await database_now(session)
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
        now = await database_now(session)
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


async def check_password(
    services: Services, session: AsyncSession, attempt: AttemptLog, email: str, password: str
) -> tuple[Person | None, Refused | None]:
    """The rate-limited password check shared by login and invitation acceptance."""
    await attempt.record()
    person = await person_by_email(session, email)
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
    caller: Actor,
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
            # A TOTP code or a recovery code; one used before is refused with its own words.
            otp_refusal = await second_factor_refusal(session, person, otp)
            if otp_refusal:
                failed = await attempt.failed(session, person, otp_refusal)
                return await attempt.held(session, failed)
        await attempt.succeeded(session, person)
        if person.password_hash and needs_rehash(person.password_hash):
            person.password_hash = await asyncio.to_thread(hash_password, password)
        kinds: set[str] = set()
        if tenant is not None:
            kinds = await kinds_at(session, person.id, tenant.id)
            if not kinds:
                await session.commit()
                return Refused("NOT_A_MEMBER")
            if kinds == {"client"} and not cabinet_enabled(tenant):
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
