"""The TOTP second factor (enrollment, confirmation, turning it off, checking a code once),
its recovery codes, the firm admin's reset of a staff member's factor, and the firm's rule
requiring it of its staff.

Recovery codes: ten one-time codes, shown once when TOTP is confirmed (or regenerated, which
voids the previous set), stored as their SHA-256 in `one_time_codes` (purpose
`totp_recovery`, like every single-use secret), each accepted once at login in place of a
TOTP code. A code used before (a recovery code, or the TOTP code of a step already
accepted) is refused with its own words, so the person knows why."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pyotp
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from saas import mail
from saas.auth.live import end_sessions
from saas.auth.models import LoginSession, Membership, OneTimeCode, Person
from saas.auth.service.errors import Refused
from saas.auth.tokens import digest
from saas.core.actor import Actor
from saas.core.audit import audit_shared
from saas.rbac.service.checks import FIRM_ADMIN
from saas.tenants.models import Tenant
from saas.tenants.registry import TENANTS_CHANGED, TenantRef

if TYPE_CHECKING:
    from saas.services import Services

RECOVERY = "totp_recovery"
RECOVERY_CODES = 10
# No 0/o, 1/l/i: read from paper and typed by hand. 10 characters: ~49 bits each.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
# Recovery codes do not expire (the column wants a moment): they end when used or replaced.
RECOVERY_EXPIRES = datetime(9999, 12, 31, tzinfo=UTC)


def totp_refusal(person: Person, code: str, *, at: datetime | None = None) -> str | None:
    """None when `code` is a current TOTP code (±1 step for clock drift), accepted once;
    else OTP_ALREADY_USED (the code of a step already accepted: a replay) or INVALID_OTP."""
    if not person.totp_secret:
        return "INVALID_OTP"
    code = code.strip().replace(" ", "")
    if not code.isdigit():
        return "INVALID_OTP"
    totp = pyotp.TOTP(person.totp_secret)
    moment = at or datetime.now().astimezone()
    step = totp.timecode(moment)
    for candidate in (step, step - 1, step + 1):
        if not pyotp.utils.strings_equal(code, totp.generate_otp(candidate)):
            continue
        if candidate <= (person.totp_last_step or -1):
            return "OTP_ALREADY_USED"
        person.totp_last_step = candidate
        return None
    return "INVALID_OTP"


def accept_totp(person: Person, code: str, *, at: datetime | None = None) -> bool:
    """A current code (±1 step for clock drift), accepted once: replays are refused."""
    return totp_refusal(person, code, at=at) is None


def normalize_recovery_code(code: str) -> str:
    return "".join(c for c in code.lower() if c.isalnum())


async def use_recovery_code(session: AsyncSession, person_id: int, code: str) -> str | None:
    """None when `code` is one of the person's unused recovery codes (now used); else
    RECOVERY_CODE_USED or INVALID_OTP."""
    key = digest(normalize_recovery_code(code))
    mine = (
        OneTimeCode.code_hash == key,
        OneTimeCode.purpose == RECOVERY,
        OneTimeCode.person_id == person_id,
    )
    used = await session.scalar(
        update(OneTimeCode)
        .where(*mine, OneTimeCode.used_at.is_(None))
        .values(used_at=func.now())
        .returning(OneTimeCode.id)
    )
    if used is not None:
        return None
    known = await session.scalar(select(OneTimeCode.id).where(*mine))
    return "RECOVERY_CODE_USED" if known is not None else "INVALID_OTP"


async def second_factor_refusal(session: AsyncSession, person: Person, code: str) -> str | None:
    """The code given at login (or to confirm a change): a TOTP code (digits) or a recovery
    code. None when accepted; else the refusal's code. The person's row is locked by the
    caller, so two requests cannot both spend the same code."""
    if code.strip().replace(" ", "").isdigit():
        return totp_refusal(person, code)
    return await use_recovery_code(session, person.id, code)


async def issue_recovery_codes(session: AsyncSession, person_id: int) -> list[str]:
    """A new set of recovery codes; the previous ones stop working."""
    await drop_recovery_codes(session, person_id)
    codes: list[str] = []
    while len(codes) < RECOVERY_CODES:
        code = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(10))
        # Digits alone would be read as a TOTP code at login; a repeat would collide.
        if not code.isdigit() and code not in codes:
            codes.append(code)
    await session.execute(
        insert(OneTimeCode),
        [
            {
                "purpose": RECOVERY,
                "code_hash": digest(code),
                "person_id": person_id,
                "tenant_id": None,
                "expires_at": RECOVERY_EXPIRES,
            }
            for code in codes
        ],
    )
    return [f"{code[:5]}-{code[5:]}" for code in codes]


async def drop_recovery_codes(session: AsyncSession, person_id: int) -> None:
    await session.execute(
        delete(OneTimeCode).where(
            OneTimeCode.person_id == person_id, OneTimeCode.purpose == RECOVERY
        )
    )


async def recovery_codes_left(session: AsyncSession, person_id: int) -> int:
    return int(
        await session.scalar(
            select(func.count()).where(
                OneTimeCode.person_id == person_id,
                OneTimeCode.purpose == RECOVERY,
                OneTimeCode.used_at.is_(None),
            )
        )
        or 0
    )


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
) -> Refused | list[str]:
    """Turns TOTP on; the current session thereby passes the firm's second-factor rule.
    Returns the recovery codes, shown this once."""
    person = await session.get(Person, person_id, with_for_update=True)
    assert person is not None
    if person.totp_enabled:
        return Refused("TOTP_ALREADY_ENABLED")
    if not person.totp_secret:
        return Refused("TOTP_NOT_STARTED")
    refusal = totp_refusal(person, code)
    if refusal:
        return Refused(refusal, field="code")
    person.totp_enabled = True
    if session_id is not None:
        await session.execute(
            update(LoginSession).where(LoginSession.id == session_id).values(mfa_passed=True)
        )
    return await issue_recovery_codes(session, person_id)


async def regenerate_recovery_codes(
    session: AsyncSession, person_id: int, code: str
) -> Refused | list[str]:
    """A new set of recovery codes (a current TOTP code or an unused recovery code confirms
    it is the person); the previous set stops working."""
    person = await session.get(Person, person_id, with_for_update=True)
    assert person is not None
    if not person.totp_enabled:
        return Refused("TOTP_NOT_ENABLED")
    refusal = await second_factor_refusal(session, person, code)
    if refusal:
        return Refused(refusal, field="code")
    return await issue_recovery_codes(session, person_id)


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
    refusal = await second_factor_refusal(session, person, code)
    if refusal:
        return Refused(refusal, field="code")
    person.totp_enabled = False
    person.totp_secret = None
    await drop_recovery_codes(session, person_id)
    return None


async def reset_staff_totp(
    session: AsyncSession, tenant: TenantRef, actor: Actor, membership_id: int
) -> Membership:
    """The firm admin turns off another staff member's second factor (a lost phone): their
    secret and recovery codes are gone, every session of theirs ends (as after a password
    reset), and they set a new one up at their next login if the firm requires it. Only a
    firm admin resets a firm admin's. Audited in the firm's log. Raises `Refused`."""
    membership = await session.scalar(
        select(Membership).where(Membership.id == membership_id, Membership.tenant_id == tenant.id)
    )
    if membership is None:
        raise Refused("NOT_FOUND", field="membershipId")
    if membership.kind != "staff":
        raise Refused("TOTP_RESET_NOT_STAFF")
    if membership.person_id == actor.person_id:
        raise Refused("TOTP_RESET_SELF")
    if FIRM_ADMIN in (membership.roles or ()) and FIRM_ADMIN not in actor.roles:
        raise Refused("TOTP_RESET_FIRM_ADMIN")
    person = await session.get(Person, membership.person_id, with_for_update=True)
    assert person is not None
    if not person.totp_enabled:
        raise Refused("TOTP_NOT_ENABLED")
    person.totp_enabled = False
    person.totp_secret = None
    person.totp_last_step = None
    await drop_recovery_codes(session, person.id)
    ended = await end_sessions(session, LoginSession.person_id == person.id)
    await audit_shared(
        session,
        tenant,
        actor,
        "member.totp_reset",
        "membership",
        membership.id,
        sessions_ended=len(ended),
    )
    return membership


async def send_totp_reset_mail(
    services: Services, tenant: TenantRef, email: str, locale: str | None
) -> None:
    """Tells the person their second factor was reset (and their sessions ended), with a link
    to log in again; branded as the firm. Call after the reset is committed."""
    link = services.settings.public_url(services.registry.host_of(tenant), "/login")
    await mail.send(
        services.settings,
        mail.branded(
            "totp_reset",
            to=email,
            tenant=tenant,
            lang=locale,
            values={"email": email, "link": link},
        ),
    )


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
