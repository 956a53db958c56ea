"""Identity over GraphQL: viewer and cabinets, login/logout, password reset, TOTP, invitations,
API tokens. Thin: the rules live in saas.auth.service."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import Enum
from typing import Annotated, Any

import strawberry
from sqlalchemy import select
from strawberry import relay

from saas.auth import idle, service
from saas.auth.cookies import clear_session_cookies, cookies_secure, set_session_cookies
from saas.auth.messages import language_of, message
from saas.auth.models import ApiToken as ApiTokenRow
from saas.auth.models import Invitation as InvitationRow
from saas.auth.models import Person
from saas.auth.service import Caller, IssuedSession, Refused
from saas.core.ids import IdRefused, node_pks, pk_of, resolved_by
from saas.rbac.enforcer import is_allowed
from saas.rbac.permissions import requires, requires_login
from saas.schema.context import Info
from saas.schema.errors import (
    ConflictError,
    DomainError,
    Error,
    NotFoundError,
    PublicError,
    ValidationError,
)
from saas.tenants.graphql import Firm
from saas.tenants.registry import TenantRef


def _lang(info: Info) -> str:
    return language_of(info.context.request.headers.get("accept-language"))


def _caller(info: Info) -> Caller:
    binding = info.context.binding
    return Caller(binding.ip, binding.user_agent)


def _session_id(info: Info) -> int | None:
    principal = info.context.principal
    return principal.session_id if principal.kind == "person" else None


def _set_cookies(info: Info, issued: IssuedSession) -> None:
    response = info.context.response
    if response is None:
        raise PublicError("Log in over HTTP: a WebSocket cannot set the session cookie.")
    set_session_cookies(response, issued, secure=_secure(info))


def _secure(info: Info) -> bool:
    return cookies_secure(info.context.request, info.context.services.settings)


async def _audit(
    session: Any,
    info: Info,
    tenant: TenantRef,
    action: str,
    object_type: str,
    object_id: object,
    data: dict[str, Any],
) -> None:
    """The firm's audit log, in the same transaction as the change on the shared schema."""
    await service.audit_in_firm(
        session,
        tenant,
        info.context.principal.subject,
        action,
        object_type,
        object_id,
        data,
        info.context.binding.ip,
    )


# --- viewer and cabinets -----------------------------------------------------------------


@strawberry.enum(description="What a person is in a cabinet.")
class CabinetKind(Enum):
    STAFF = "staff"
    CLIENT = "client"
    PERFORMER = "performer"


@strawberry.type(
    description="One cabinet a person can open: a firm workspace, a client organization's "
    "cabinet, or a performer's."
)
class Cabinet:
    key: str = strawberry.field(
        description="Stable key to pass to openCabinet, e.g. 'firm-a:staff' or 'firm-a:client:12'."
    )
    kind: CabinetKind
    firm: Firm
    organization_id: int | None = strawberry.field(
        description="The client organization (client cabinets)."
    )
    organization_name: str | None
    roles: list[str]
    url: str = strawberry.field(description="The firm's address (absolute URL).")

    @classmethod
    def of(cls, entry: service.CabinetEntry) -> Cabinet:
        return cls(
            key=entry.key,
            kind=CabinetKind(entry.kind),
            firm=Firm.of(entry.tenant),
            organization_id=entry.client_org_id,
            organization_name=entry.organization_name,
            roles=list(entry.roles),
            url=entry.url,
        )


@strawberry.type(description="Open this URL in the browser (valid for one minute, once).")
class CabinetOpened:
    url: str
    cabinet: Cabinet


OpenCabinetResult = Annotated[CabinetOpened | NotFoundError, strawberry.union("OpenCabinetResult")]


@strawberry.type(description="The person who is logged in.")
class Viewer(relay.Node):
    id: relay.NodeID[int]
    email: str
    display_name: str
    locale: str
    totp_enabled: bool
    mfa_pending: bool = strawberry.field(
        default=False,
        description="The firm requires TOTP and this session has not set it up yet: only "
        "enrollment is allowed until then.",
    )

    @classmethod
    def of(cls, person: Person, *, mfa_pending: bool = False) -> Viewer:
        return cls(
            id=person.id,
            email=person.email,
            display_name=person.display_name,
            locale=person.locale,
            totp_enabled=person.totp_enabled,
            mfa_pending=mfa_pending,
        )

    @strawberry.field(description="Every cabinet of this person at every firm.")
    async def cabinets(self, info: Info) -> list[Cabinet]:
        entries = await service.cabinets_of(
            info.context.services, info.context.shared, int(self.id)
        )
        return [Cabinet.of(e) for e in entries]

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Viewer | None]:
        out: list[Viewer | None] = []
        for node_id in node_ids:
            out.append(
                await _viewer(info) if str(info.context.principal.person_id) == node_id else None
            )
        return out


async def _viewer(info: Info) -> Viewer | None:
    principal = info.context.principal
    if principal.kind != "person" or principal.person_id is None:
        return None
    person = await info.context.shared.get(Person, principal.person_id)
    return Viewer.of(person, mfa_pending=principal.mfa_pending) if person else None


# --- login -------------------------------------------------------------------------------


@strawberry.type(description="Logged in: the session cookie is set.")
class LoginSuccess:
    viewer: Viewer
    csrf_token: str = strawberry.field(
        description="Also in the kabinet_csrf cookie; send it as X-CSRF-Token."
    )


@strawberry.type(
    description="Wrong e-mail or password, or a wrong one-time code (code INVALID_OTP)."
)
class InvalidCredentials(Error):
    pass


@strawberry.type(description="Too many failed attempts for this account.")
class AccountLocked(Error):
    retry_after_seconds: int


@strawberry.type(description="Too many failed attempts from this address.")
class RateLimited(Error):
    retry_after_seconds: int


@strawberry.type(
    description="The password was accepted; send it again with `otp` from the authenticator app."
)
class OtpRequired(Error):
    pass


@strawberry.type(
    description="Logged in, but the firm requires TOTP for its staff: the session may only "
    "enroll TOTP (startTotpEnrollment, confirmTotp) until then."
)
class TotpSetupRequired(Error):
    viewer: Viewer
    csrf_token: str


@strawberry.type(
    description="The credentials are right but this person has no cabinet at this firm's address."
)
class NotAMember(Error):
    pass


@strawberry.type(description="The firm has switched its client cabinet off.")
class CabinetClosed(Error):
    pass


LoginResult = Annotated[
    LoginSuccess
    | TotpSetupRequired
    | InvalidCredentials
    | AccountLocked
    | RateLimited
    | OtpRequired
    | NotAMember
    | CabinetClosed,
    strawberry.union("LoginResult"),
]

_LOGIN_REFUSALS: dict[str, type] = {
    "INVALID_CREDENTIALS": InvalidCredentials,
    "INVALID_OTP": InvalidCredentials,
    "OTP_REQUIRED": OtpRequired,
    "NOT_A_MEMBER": NotAMember,
    "CABINET_CLOSED": CabinetClosed,
}


def _refusal(refused: Refused, lang: str) -> Any:
    """The typed result of a login-like refusal."""
    if refused.code in ("ACCOUNT_LOCKED", "RATE_LIMITED"):
        minutes = max(1, -(-refused.retry_after // 60))
        limited = AccountLocked if refused.code == "ACCOUNT_LOCKED" else RateLimited
        return limited(
            code=refused.code,
            message=message(refused.code, lang, minutes=minutes),
            retry_after_seconds=refused.retry_after,
        )
    typed = _LOGIN_REFUSALS.get(refused.code)
    if typed is not None:
        return typed(code=refused.code, message=message(refused.code, lang))
    return ValidationError(
        code=refused.code, message=message(refused.code, lang), field=refused.field
    )


# --- password reset, TOTP, security settings ---------------------------------------------


@strawberry.type(description="The password was changed; every session of the person was ended.")
class PasswordChanged:
    ok: bool = True


ResetPasswordResult = Annotated[
    PasswordChanged | ValidationError, strawberry.union("ResetPasswordResult")
]


@strawberry.type(description="Add this secret to an authenticator app, then confirm with a code.")
class TotpEnrollment:
    secret: str
    otpauth_uri: str = strawberry.field(description="otpauth:// URI, for a QR code.")


@strawberry.type(description="TOTP is now on (or off) for this person.")
class TotpChanged:
    viewer: Viewer


TotpEnrollmentResult = Annotated[
    TotpEnrollment | ConflictError, strawberry.union("TotpEnrollmentResult")
]
TotpResult = Annotated[
    TotpChanged | ValidationError | ConflictError, strawberry.union("TotpResult")
]


@strawberry.type(description="The firm's security rules.")
class SecuritySettings:
    require_staff_totp: bool
    session_idle_minutes: int = strawberry.field(
        description="A session unused for longer than this stops working (minutes; the "
        "14-day expiry after login applies too)."
    )

    @classmethod
    def of(cls, settings: dict[str, Any]) -> SecuritySettings:
        minutes = settings.get(idle.SETTING)
        return cls(
            require_staff_totp=bool(settings.get("require_staff_totp")),
            session_idle_minutes=minutes if isinstance(minutes, int) else idle.DEFAULT_IDLE_MINUTES,
        )


def _totp_error(refused: Refused, lang: str) -> ValidationError | ConflictError:
    if refused.code == "INVALID_OTP":
        return ValidationError(code=refused.code, message=message(refused.code, lang), field="code")
    return ConflictError(code=refused.code, message=message(refused.code, lang))


# --- invitations -------------------------------------------------------------------------


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
        result = await info.context.shared.execute(
            select(InvitationRow).where(
                InvitationRow.tenant_id == tenant.id,
                InvitationRow.id.in_([pk for pk in pks if pk is not None]),
            )
        )
        by_id = {r.id: r for r in result.scalars()}
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


# --- API tokens --------------------------------------------------------------------------


@strawberry.type(
    description="An integrator's API token of this firm (the secret is never shown again)."
)
class ApiToken(relay.Node):
    id: relay.NodeID[int]
    name: str
    role: str
    prefix: str = strawberry.field(
        description="The first characters of the secret, to recognize it."
    )
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def of(cls, row: ApiTokenRow) -> ApiToken:
        return cls(
            id=row.id,
            name=row.name,
            role=row.role,
            prefix=row.prefix,
            created_at=row.created_at,
            expires_at=row.expires_at,
            last_used_at=row.last_used_at,
            revoked_at=row.revoked_at,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[ApiToken | None]:
        ids = list(node_ids)
        tenant = info.context.tenant_or_none
        if tenant is None or not await is_allowed(info.context, "tokens", "manage"):
            return [None for _ in ids]
        pks = node_pks(ids)
        rows = await service.api_tokens_of(
            info.context.shared, tenant, [pk for pk in pks if pk is not None]
        )
        by_id = {r.id: r for r in rows}
        return [ApiToken.of(by_id[pk]) if pk in by_id else None for pk in pks]


@strawberry.type(description="The new token: copy `token` now, it is shown only once.")
class ApiTokenCreated:
    token: str
    api_token: ApiToken


@strawberry.type(description="The token is refused from now on.")
class ApiTokenRevoked:
    api_token: ApiToken


CreateApiTokenResult = Annotated[
    ApiTokenCreated | ValidationError, strawberry.union("CreateApiTokenResult")
]
RevokeApiTokenResult = Annotated[
    ApiTokenRevoked | NotFoundError, strawberry.union("RevokeApiTokenResult")
]


@resolved_by("Invitation")
async def invitations_of_firm(ctx: Any, pks: list[int]) -> set[int]:
    rows = await ctx.shared.execute(
        select(InvitationRow.id).where(
            InvitationRow.tenant_id == ctx.tenant.id, InvitationRow.id.in_(pks)
        )
    )
    return set(rows.scalars())


@resolved_by("ApiToken")
async def api_tokens_of_firm(ctx: Any, pks: list[int]) -> set[int]:
    rows = await ctx.shared.execute(
        select(ApiTokenRow.id).where(
            ApiTokenRow.tenant_id == ctx.tenant.id, ApiTokenRow.id.in_(pks)
        )
    )
    return set(rows.scalars())


def _not_found(lang: str) -> NotFoundError:
    return NotFoundError(code="NOT_FOUND", message=message("NOT_FOUND", lang))


def _domain_error(exc: DomainError, lang: str) -> ValidationError | ConflictError:
    text_ = message(exc.code, lang) if exc.code in _KNOWN_CODES else exc.message
    if exc.code == "ALREADY_MEMBER":
        return ConflictError(code=exc.code, message=text_)
    return ValidationError(code=exc.code, message=text_, field=exc.field)


_KNOWN_CODES = {
    "INVALID_EMAIL",
    "INVALID_ROLE",
    "INVALID_ROLES",
    "INVALID_KIND",
    "INVALID_ORGANIZATION",
    "ALREADY_MEMBER",
    "INVALID_NAME",
    "INVALID_EXPIRY",
}


# --- the root fields ---------------------------------------------------------------------


@strawberry.type
class Query:
    @strawberry.field(
        description="The person who is logged in; null when anonymous or called with an API token."
    )
    async def viewer(self, info: Info) -> Viewer | None:
        return await _viewer(info)

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

    @strawberry.field(
        description="The firm's API tokens, newest first.", extensions=requires("tokens", "manage")
    )
    async def api_tokens(self, info: Info) -> list[ApiToken]:
        rows = await service.api_tokens_of(info.context.shared, info.context.tenant)
        return [ApiToken.of(r) for r in rows]

    @strawberry.field(
        description="The firm's security rules.", extensions=requires("firm", "manage")
    )
    def security_settings(self, info: Info) -> SecuritySettings:
        return SecuritySettings.of(info.context.tenant.settings or {})


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Log in at this host (a firm's, or the platform's for the cabinet picker). "
        "Every call counts as an attempt, also as an alias or in a batch."
    )
    async def login(
        self, info: Info, email: str, password: str, otp: str | None = None
    ) -> LoginResult:
        lang = _lang(info)
        if info.context.response is None:
            raise PublicError("Log in over HTTP: a WebSocket cannot set the session cookie.")
        outcome = await service.login(
            info.context.services,
            info.context.tenant_or_none,
            email,
            password,
            otp,
            _caller(info),
            replaces_session_id=_session_id(info),
        )
        if isinstance(outcome, Refused):
            return _refusal(outcome, lang)
        _set_cookies(info, outcome.session)
        viewer = Viewer.of(outcome.person, mfa_pending=outcome.totp_setup_required)
        if outcome.totp_setup_required:
            return TotpSetupRequired(
                code="TOTP_SETUP_REQUIRED",
                message=message("TOTP_SETUP_REQUIRED", lang),
                viewer=viewer,
                csrf_token=outcome.session.csrf_token,
            )
        return LoginSuccess(viewer=viewer, csrf_token=outcome.session.csrf_token)

    @strawberry.mutation(description="End this session and clear its cookies.")
    async def logout(self, info: Info) -> bool:
        session_id = _session_id(info)
        if session_id is not None:
            await service.revoke_session(info.context.services, session_id)
        if info.context.response is not None:
            clear_session_cookies(info.context.response, secure=_secure(info))
        return session_id is not None

    @strawberry.mutation(
        description="A one-minute, single-use link that opens one of the viewer's cabinets at "
        "its firm's address.",
        extensions=requires_login(),
    )
    async def open_cabinet(self, info: Info, key: str) -> OpenCabinetResult:
        person_id = info.context.principal.person_id
        issued = None
        if person_id is not None and service.parse_cabinet_key(key):
            issued = await service.issue_handoff(info.context.services, person_id, key)
        if issued is None:
            return NotFoundError(
                code="CABINET_NOT_FOUND", message=message("CABINET_NOT_FOUND", _lang(info))
            )
        entry, url = issued
        return CabinetOpened(url=url, cabinet=Cabinet.of(entry))

    @strawberry.mutation(
        description="E-mail a password reset link if the address has an account (at a firm's "
        "address: a member of that firm). Always true, so it reveals no account."
    )
    async def request_password_reset(self, info: Info, email: str) -> bool:
        services = info.context.services
        tenant = info.context.tenant_or_none
        link = await service.request_password_reset(services, tenant, email)
        if link is not None:
            from saas import mail

            minutes = int(service.RESET_TTL.total_seconds() // 60)
            await mail.send(
                services.settings,
                mail.branded(
                    "password_reset",
                    to=link.person.email,
                    tenant=tenant,
                    lang=link.person.locale,
                    values={
                        "link": link.url,
                        "email": link.person.email,
                        "valid_minutes": str(minutes),
                    },
                ),
            )
        return True

    @strawberry.mutation(
        description="Set a new password with the e-mailed link's token (works once)."
    )
    async def reset_password(
        self, info: Info, token: str, new_password: str
    ) -> ResetPasswordResult:
        refused = await service.reset_password(
            info.context.services, info.context.tenant_or_none, token, new_password
        )
        if refused is None:
            return PasswordChanged()
        field = "newPassword" if refused.field == "password" else refused.field
        return ValidationError(
            code=refused.code, message=message(refused.code, _lang(info)), field=field
        )

    @strawberry.mutation(
        description="Begin TOTP set-up: a new secret for the authenticator app.",
        extensions=requires_login(),
    )
    async def start_totp_enrollment(self, info: Info) -> TotpEnrollmentResult:
        from saas.mail import sender_name

        person_id = info.context.principal.person_id
        if person_id is None:
            raise PublicError("Only a person can set up TOTP.", "FORBIDDEN")
        issuer = sender_name(info.context.tenant_or_none, _lang(info))
        async with info.context.unit_of_work(shared=True) as session:
            result = await service.start_totp_enrollment(session, person_id, issuer)
        if isinstance(result, Refused):
            return ConflictError(code=result.code, message=message(result.code, _lang(info)))
        return TotpEnrollment(secret=result.secret, otpauth_uri=result.uri)

    @strawberry.mutation(
        description="Finish TOTP set-up with a current code from the app.",
        extensions=requires_login(),
    )
    async def confirm_totp(self, info: Info, code: str) -> TotpResult:
        principal = info.context.principal
        if principal.person_id is None:
            raise PublicError("Only a person can set up TOTP.", "FORBIDDEN")
        async with info.context.unit_of_work(shared=True) as session:
            refused = await service.confirm_totp(
                session, principal.person_id, principal.session_id, code
            )
            person = await session.get(Person, principal.person_id)
        if refused is not None:
            return _totp_error(refused, _lang(info))
        assert person is not None
        return TotpChanged(viewer=Viewer.of(person))

    @strawberry.mutation(
        description="Turn TOTP off (needs a current code).", extensions=requires_login()
    )
    async def disable_totp(self, info: Info, code: str) -> TotpResult:
        principal = info.context.principal
        if principal.person_id is None:
            raise PublicError("Only a person can change TOTP.", "FORBIDDEN")
        async with info.context.unit_of_work(shared=True) as session:
            refused = await service.disable_totp(session, principal.person_id, code)
            person = await session.get(Person, principal.person_id)
        if refused is not None:
            return _totp_error(refused, _lang(info))
        assert person is not None
        return TotpChanged(viewer=Viewer.of(person))

    @strawberry.mutation(
        description="Require (or not) a TOTP second factor at login for the firm's staff.",
        extensions=requires("firm", "manage"),
    )
    async def update_security_settings(
        self, info: Info, require_staff_totp: bool
    ) -> SecuritySettings:
        tenant = info.context.tenant
        principal = info.context.principal
        async with info.context.unit_of_work(shared=True) as session:
            if require_staff_totp and principal.person_id is not None:
                # The admin who turns it on is staff too: without a factor of their own they
                # would lose every role the moment it applies.
                me = await session.get(Person, principal.person_id)
                if me is not None and not me.totp_enabled:
                    code = "TOTP_ENROLL_FIRST"
                    raise PublicError(message(code, _lang(info)), code)
            settings = await service.update_security_settings(session, tenant, require_staff_totp)
            await _audit(
                session,
                info,
                tenant,
                "security.update",
                "firm",
                tenant.id,
                {"require_staff_totp": require_staff_totp},
            )
        # This process sees it at once; the others on the NOTIFY delivered at commit.
        info.context.services.registry.invalidate()
        return SecuritySettings.of(settings)

    @strawberry.mutation(
        description="Invite a staff member by e-mail (a 72-hour, single-use link).",
        extensions=requires("members", "manage"),
    )
    async def invite_staff(
        self, info: Info, email: str, roles: list[str], locale: str | None = None
    ) -> InviteResult:
        tenant = info.context.tenant
        lang = _lang(info)
        principal = info.context.principal
        try:
            async with info.context.unit_of_work(shared=True) as session:
                issued = await service.create_invitation(
                    session, tenant, principal.person_id, email, "staff", roles
                )
                await _audit(
                    session,
                    info,
                    tenant,
                    "invitation.create",
                    "invitation",
                    issued.invitation.id,
                    {
                        "email": issued.invitation.email,
                        "kind": "staff",
                        "roles": issued.invitation.roles,
                    },
                )
                inviter = (
                    await session.get(Person, principal.person_id) if principal.person_id else None
                )
        except DomainError as exc:
            return _domain_error(exc, lang)
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
            return _not_found(_lang(info))
        async with info.context.unit_of_work(shared=True) as session:
            row = await service.revoke_invitation(session, tenant, pk)
            if row is not None:
                await _audit(session, info, tenant, "invitation.revoke", "invitation", pk, {})
        if row is None:
            return _not_found(_lang(info))
        return InvitationRevoked(invitation=Invitation.of(row))

    @strawberry.mutation(
        description="Accept an invitation of this firm: creates the person, or attaches an "
        "existing account (then `password` must be its current password), and logs in."
    )
    async def accept_invitation(
        self, info: Info, token: str, password: str, display_name: str | None = None
    ) -> AcceptInvitationResult:
        lang = _lang(info)
        tenant = info.context.tenant_or_none
        if tenant is None:
            reason = InvitationProblem.UNKNOWN
            return InvitationUnusable(
                code=reason.value, message=message(reason.value, lang), reason=reason
            )
        if info.context.response is None:
            raise PublicError(
                "Accept invitations over HTTP: a WebSocket cannot set the session cookie."
            )
        outcome = await service.accept_invitation(
            info.context.services, tenant, token, password, display_name, _caller(info), lang=lang
        )
        if isinstance(outcome, Refused):
            if outcome.code.startswith("INVITATION_"):
                reason = InvitationProblem(outcome.code)
                return InvitationUnusable(
                    code=outcome.code, message=message(outcome.code, lang), reason=reason
                )
            if outcome.code == "EXISTING_ACCOUNT_PASSWORD":
                return InvalidCredentials(code=outcome.code, message=message(outcome.code, lang))
            return _refusal(outcome, lang)
        viewer = None
        csrf = None
        if outcome.session is not None:
            _set_cookies(info, outcome.session)
            viewer = Viewer.of(outcome.person, mfa_pending=not outcome.session.mfa_passed)
            csrf = outcome.session.csrf_token
        return InvitationAccepted(
            firm=Firm.of(tenant),
            logged_in=outcome.session is not None,
            viewer=viewer,
            csrf_token=csrf,
        )

    @strawberry.mutation(
        description="Create an API token for an integrator; the secret is in the result only.",
        extensions=requires("tokens", "manage"),
    )
    async def create_api_token(
        self, info: Info, name: str, role: str = "integrator", expires_in_days: int = 365
    ) -> CreateApiTokenResult:
        tenant = info.context.tenant
        try:
            async with info.context.unit_of_work(shared=True) as session:
                row, secret = await service.create_api_token(
                    session, tenant, info.context.principal.person_id, name, role, expires_in_days
                )
                await _audit(
                    session,
                    info,
                    tenant,
                    "api_token.create",
                    "api_token",
                    row.id,
                    {"name": row.name, "role": row.role, "prefix": row.prefix},
                )
        except DomainError as exc:
            return _domain_error(exc, _lang(info))  # type: ignore[return-value]
        return ApiTokenCreated(token=secret, api_token=ApiToken.of(row))

    @strawberry.mutation(
        description="Revoke an API token of this firm at once.",
        extensions=requires("tokens", "manage"),
    )
    async def revoke_api_token(self, info: Info, id: relay.GlobalID) -> RevokeApiTokenResult:
        tenant = info.context.tenant
        try:
            pk = await pk_of(info.context, "ApiToken", id, field="id")
        except IdRefused:
            return _not_found(_lang(info))
        async with info.context.unit_of_work(shared=True) as session:
            row = await service.revoke_api_token(session, tenant, pk)
            if row is not None:
                await _audit(session, info, tenant, "api_token.revoke", "api_token", pk, {})
        if row is None:
            return _not_found(_lang(info))
        return ApiTokenRevoked(api_token=ApiToken.of(row))


TYPES = (Viewer, ApiToken, Invitation)
