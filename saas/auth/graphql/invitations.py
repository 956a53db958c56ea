"""Invitations to the firm's staff (`inviteStaff`, `revokeInvitation`), the accept page
(`invitation`, `acceptInvitation`)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import Enum
from typing import Annotated, Any

import strawberry
from strawberry import relay

from saas.auth.graphql.audit import request_actor
from saas.auth.graphql.cabinets import CabinetKind, Viewer
from saas.auth.graphql.errors import domain_error, not_found
from saas.auth.graphql.login import AccountLocked, InvalidCredentials, RateLimited
from saas.auth.graphql.request import request_caller, request_language, set_cookies
from saas.auth.models import Invitation as InvitationRow
from saas.auth.models import Person
from saas.auth.service import invitations as service
from saas.auth.service.errors import Refused
from saas.core.ids import IdRefused, node_pks, pk_of, resolved_by
from saas.rbac.enforcer import is_allowed
from saas.rbac.permissions import requires
from saas.schema.context import Info
from saas.schema.errors import (
    KIND_RESULTS,
    ConflictError,
    DomainError,
    Error,
    NotFoundError,
    PublicError,
    ValidationError,
    error_result,
)
from saas.tenants.graphql import Firm


@strawberry.type(description="An invitation to a cabinet of this firm, as its admins see it.")
class Invitation(relay.Node):
    id: relay.NodeID[int]
    email: str
    kind: CabinetKind
    organization_id: int | None
    roles: list[str]
    created_at: datetime
    expires_at: datetime
    accepted_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def of(cls, row: InvitationRow) -> Invitation:
        return cls(
            id=row.id,
            email=row.email,
            kind=CabinetKind(row.kind),
            organization_id=row.client_org_id,
            roles=list(row.roles),
            created_at=row.created_at,
            expires_at=row.expires_at,
            accepted_at=row.accepted_at,
            revoked_at=row.revoked_at,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Invitation | None]:
        ids = list(node_ids)
        tenant = info.context.tenant_or_none
        if tenant is None or not await is_allowed(info.context, "members", "manage"):
            return [None for _ in ids]
        pks = node_pks(ids)
        rows = await service.invitations_of(
            info.context.shared, tenant, [pk for pk in pks if pk is not None]
        )
        by_id = {r.id: r for r in rows}
        return [Invitation.of(by_id[pk]) if pk in by_id else None for pk in pks]


@strawberry.type(description="The invitation was created and e-mailed.")
class InvitationSent:
    invitation: Invitation


@strawberry.type(description="The invitation link no longer works.")
class InvitationRevoked:
    invitation: Invitation


@strawberry.enum(description="Why an invitation link cannot be used.")
class InvitationProblem(Enum):
    UNKNOWN = "INVITATION_UNKNOWN"
    EXPIRED = "INVITATION_EXPIRED"
    USED = "INVITATION_USED"
    REVOKED = "INVITATION_REVOKED"


@strawberry.type(description="The invitation link is unknown, expired, already used or revoked.")
class InvitationUnusable(Error):
    reason: InvitationProblem


def unusable(refused: Refused, lang: str) -> Error:
    """The typed result of an invitation link that cannot be used (kind "invitation")."""
    reason = InvitationProblem(refused.code)
    return InvitationUnusable(code=refused.code, message=refused.message_in(lang), reason=reason)


KIND_RESULTS["invitation"] = unusable


@strawberry.type(description="What the accept page shows before the person sets a password.")
class InvitationPreview:
    firm: Firm
    email: str
    kind: CabinetKind
    expires_at: datetime
    expired: bool
    used: bool
    revoked: bool
    account_exists: bool = strawberry.field(
        description="The e-mail already has an account: acceptInvitation wants its current "
        "password."
    )


@strawberry.type(description="The invitation was accepted and the membership granted.")
class InvitationAccepted:
    firm: Firm
    logged_in: bool = strawberry.field(
        description="False when the person has TOTP: they log in normally, with their code."
    )
    viewer: Viewer | None
    csrf_token: str | None


InviteResult = Annotated[
    InvitationSent | ValidationError | ConflictError, strawberry.union("InviteResult")
]
RevokeInvitationResult = Annotated[
    InvitationRevoked | NotFoundError, strawberry.union("RevokeInvitationResult")
]
AcceptInvitationResult = Annotated[
    InvitationAccepted
    | InvitationUnusable
    | InvalidCredentials
    | AccountLocked
    | RateLimited
    | ValidationError,
    strawberry.union("AcceptInvitationResult"),
]


@resolved_by("Invitation")
async def invitations_of_firm(ctx: Any, pks: list[int]) -> set[int]:
    return {row.id for row in await service.invitations_of(ctx.shared, ctx.tenant, pks)}


@strawberry.type
class Query:
    @strawberry.field(
        description="Public: an invitation of this firm by its link's token, for the accept page."
    )
    async def invitation(self, info: Info, token: str) -> InvitationPreview | None:
        tenant = info.context.tenant_or_none
        if tenant is None:
            return None
        session = info.context.shared
        row = await service.invitation_by_token(session, tenant, token)
        if row is None:
            return None
        now = datetime.now(row.expires_at.tzinfo)
        return InvitationPreview(
            firm=Firm.of(tenant),
            email=row.email,
            kind=CabinetKind(row.kind),
            expires_at=row.expires_at,
            expired=row.expires_at <= now,
            used=row.accepted_at is not None,
            revoked=row.revoked_at is not None,
            account_exists=await service.account_exists(session, row.email),
        )


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Invite a staff member by e-mail (a 72-hour, single-use link).",
        extensions=requires("members", "manage"),
    )
    async def invite_staff(
        self, info: Info, email: str, roles: list[str], locale: str | None = None
    ) -> InviteResult:
        tenant = info.context.tenant
        lang = request_language(info)
        principal = info.context.principal
        try:
            async with info.context.unit_of_work(shared=True) as session:
                issued = await service.create_invitation(
                    session,
                    tenant,
                    principal.person_id,
                    email,
                    "staff",
                    roles,
                    by=request_actor(info, tenant),
                )
                inviter = (
                    await session.get(Person, principal.person_id) if principal.person_id else None
                )
        except DomainError as exc:
            return domain_error(exc, lang)
        await service.send_invitation(
            info.context.services,
            tenant,
            issued,
            inviter_name=(inviter.display_name or inviter.email) if inviter else None,
            lang=locale or lang,
        )
        return InvitationSent(invitation=Invitation.of(issued.invitation))

    @strawberry.mutation(
        description="Revoke a pending invitation of this firm.",
        extensions=requires("members", "manage"),
    )
    async def revoke_invitation(self, info: Info, id: relay.GlobalID) -> RevokeInvitationResult:
        tenant = info.context.tenant
        try:
            pk = await pk_of(info.context, "Invitation", id, field="id")
        except IdRefused:
            return not_found(request_language(info))
        async with info.context.unit_of_work(shared=True) as session:
            row = await service.revoke_invitation(
                session, tenant, pk, by=request_actor(info, tenant)
            )
        if row is None:
            return not_found(request_language(info))
        return InvitationRevoked(invitation=Invitation.of(row))

    @strawberry.mutation(
        description="Accept an invitation of this firm: creates the person, or attaches an "
        "existing account (then `password` must be its current password), and logs in."
    )
    async def accept_invitation(
        self, info: Info, token: str, password: str, display_name: str | None = None
    ) -> AcceptInvitationResult:
        lang = request_language(info)
        tenant = info.context.tenant_or_none
        if tenant is None:
            return error_result(info, Refused("INVITATION_UNKNOWN"))  # type: ignore[no-any-return]
        if info.context.response is None:
            raise PublicError(
                "Accept invitations over HTTP: a WebSocket cannot set the session cookie."
            )
        outcome = await service.accept_invitation(
            info.context.services,
            tenant,
            token,
            password,
            display_name,
            request_caller(info),
            lang=lang,
        )
        if isinstance(outcome, Refused):
            return error_result(info, outcome)  # type: ignore[no-any-return]
        viewer = None
        csrf = None
        if outcome.session is not None:
            set_cookies(info, outcome.session)
            viewer = Viewer.of(outcome.person, mfa_pending=not outcome.session.mfa_passed)
            csrf = outcome.session.csrf_token
        return InvitationAccepted(
            firm=Firm.of(tenant),
            logged_in=outcome.session is not None,
            viewer=viewer,
            csrf_token=csrf,
        )
