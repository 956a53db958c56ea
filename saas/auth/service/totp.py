"""The TOTP second factor (enrollment, confirmation, turning it off, checking a code once)
and the firm's rule requiring it of its staff."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pyotp
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from saas.auth.models import LoginSession, Membership, Person
from saas.auth.service.errors import Refused
from saas.core.actor import Actor
from saas.core.audit import audit_shared
from saas.tenants.models import Tenant
from saas.tenants.registry import TENANTS_CHANGED, TenantRef


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
    session: AsyncSession, tenant: TenantRef, require_staff_totp: bool, *, by: Actor | str
) -> dict[str, object]:
    row = await session.get(Tenant, tenant.id, with_for_update=True)
    assert row is not None
    row.settings = {**(row.settings or {}), "require_staff_totp": require_staff_totp}
    # Every process drops its cached TenantRef when this is delivered (on commit).
    await session.execute(select(func.pg_notify(TENANTS_CHANGED, str(tenant.id))))
    await audit_shared(
        session,
        tenant,
        by,
        "security.update",
        "firm",
        tenant.id,
        require_staff_totp=require_staff_totp,
    )
    return row.settings
