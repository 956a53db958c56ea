"""Password reset: an e-mailed single-use link (throttled per person), and the new password,
which ends every session of the person."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import func, select, update

from saas.auth.live import end_sessions
from saas.auth.models import LoginSession, OneTimeCode, Person
from saas.auth.passwords import hash_password
from saas.auth.service.accounts import kinds_at, person_by_email
from saas.auth.service.clock import database_now
from saas.auth.service.codes import consume_code
from saas.auth.service.errors import Refused, password_refusal
from saas.auth.tokens import digest, new_secret
from saas.db.session import shared_session
from saas.tenants.registry import TenantRef

if TYPE_CHECKING:
    from saas.services import Services


RESET_TTL = timedelta(hours=1)


# At most this many reset e-mails per person per RESET_THROTTLE (no mail bombing).
RESET_MAX = 3


RESET_THROTTLE = timedelta(minutes=15)


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
        person = await person_by_email(session, email)
        if person is None:
            return None
        if tenant is not None and not await kinds_at(session, person.id, tenant.id):
            return None
        now = await database_now(session)
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
    if refusal := password_refusal(new_password):
        return refusal
    password_hash = await asyncio.to_thread(hash_password, new_password)
    async with shared_session(services.engine) as session:
        person_id = await consume_code(
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
