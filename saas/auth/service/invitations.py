"""Invitations to a firm's cabinet (staff, client, performer): created (flushed with the
caller's change), e-mailed after the commit, revoked, and accepted, which creates the person
or attaches the existing one (proven by its current password, rate-limited like a login)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import and_, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from saas import mail
from saas.auth.models import Invitation, Membership, Person
from saas.auth.passwords import hash_password
from saas.auth.service.accounts import kinds_at, normalize_email, person_by_email, valid_email
from saas.auth.service.clock import database_now
from saas.auth.service.errors import Refused, password_refusal
from saas.auth.service.login import AttemptLog, check_password
from saas.auth.service.sessions import IssuedSession, mfa_satisfied, open_session
from saas.auth.tokens import digest, new_secret
from saas.core.actor import Actor
from saas.core.audit import audit_shared
from saas.db.session import shared_session
from saas.rbac.defaults import CLIENT_ROLES, OTHER_ROLES
from saas.schema.errors import DomainError
from saas.tenants.registry import TenantRef

if TYPE_CHECKING:
    from saas.services import Services


INVITATION_TTL = timedelta(hours=72)


KINDS = ("staff", "client", "performer")


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
    *,
    by: Actor | str | None = None,
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
        expires_at=await database_now(session) + INVITATION_TTL,
    )
    session.add(invitation)
    await session.flush()
    if by is not None:  # a contact's invitation is audited by the clients module instead
        await audit_shared(
            session,
            tenant,
            by,
            "invitation.create",
            "invitation",
            invitation.id,
            email=invitation.email,
            kind=kind,
            roles=invitation.roles,
        )
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
    session: AsyncSession, tenant: TenantRef, invitation_id: int, *, by: Actor | str
) -> Invitation | None:
    invitation = (
        await session.execute(
            select(Invitation).where(
                Invitation.id == invitation_id, Invitation.tenant_id == tenant.id
            )
        )
    ).scalar_one_or_none()
    if invitation is not None and invitation.accepted_at is None and invitation.revoked_at is None:
        invitation.revoked_at = await database_now(session)
    if invitation is not None:
        await audit_shared(session, tenant, by, "invitation.revoke", "invitation", invitation.id)
    return invitation


async def invitations_of(
    session: AsyncSession, tenant: TenantRef, ids: Sequence[int]
) -> list[Invitation]:
    """The firm's invitations among these ids (others' and unknown ids are left out)."""
    result = await session.execute(
        select(Invitation).where(Invitation.tenant_id == tenant.id, Invitation.id.in_(ids))
    )
    return list(result.scalars())


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
    person = await person_by_email(session, email)
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
    caller: Actor,
    *,
    lang: str = "ru",
) -> InvitationAccepted | Refused:
    """Creates the person (or attaches the existing one, proven by its current password),
    grants the membership, spends the invitation and logs the person in at this host."""
    async with shared_session(services.engine) as session:
        invitation = await invitation_by_token(session, tenant, token, for_update=True)
        if problem := invitation_problem(invitation, await database_now(session)):
            return Refused(problem, field="token")
        assert invitation is not None
        person = await person_by_email(session, invitation.email, for_update=True)
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
            if problem := invitation_problem(invitation, await database_now(session)):
                return Refused(problem, field="token")
            assert invitation is not None
            await session.refresh(person)
        else:
            if refusal := password_refusal(password):
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
        invitation.accepted_at = await database_now(session)
        invitation.accepted_person_id = person.id
        issued = None
        if not person.totp_enabled:
            kinds = await kinds_at(session, person.id, tenant.id)
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
