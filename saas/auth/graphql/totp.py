"""The viewer's TOTP second factor and its recovery codes, the firm admin's reset of a staff
member's (`resetStaffTotp`), and the firm's rule requiring it of staff
(`updateSecuritySettings`; the settings themselves are read in `sessions`)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from saas.auth.graphql.audit import request_actor
from saas.auth.graphql.cabinets import Viewer
from saas.auth.graphql.request import request_language
from saas.auth.graphql.sessions import SecuritySettings
from saas.auth.messages import message
from saas.auth.models import Person
from saas.auth.service import totp as service
from saas.auth.service.errors import Refused
from saas.core.actor import actor_of
from saas.core.ids import IdRefused, pk_of
from saas.mail import sender_name
from saas.rbac.graphql import MemberType
from saas.rbac.permissions import requires, requires_login
from saas.rbac.service import get_members
from saas.schema.context import Info
from saas.schema.errors import (
    ConflictError,
    NotFoundError,
    PublicError,
    ValidationError,
    error_result,
)


@strawberry.type(description="Add this secret to an authenticator app, then confirm with a code.")
class TotpEnrollment:
    secret: str
    otpauth_uri: str = strawberry.field(description="otpauth:// URI, for a QR code.")


@strawberry.type(description="TOTP is now on (or off) for this person.")
class TotpChanged:
    viewer: Viewer
    recovery_codes: list[str] = strawberry.field(
        default_factory=list,
        description="When TOTP was just turned on: ten recovery codes, each usable once at "
        "login instead of a TOTP code. Shown this once (only their hashes are kept).",
    )


@strawberry.type(description="A new set of recovery codes; the previous ones no longer work.")
class RecoveryCodes:
    viewer: Viewer
    codes: list[str] = strawberry.field(description="Shown this once.")


TotpEnrollmentResult = Annotated[
    TotpEnrollment | ConflictError, strawberry.union("TotpEnrollmentResult")
]
TotpResult = Annotated[
    TotpChanged | ValidationError | ConflictError, strawberry.union("TotpResult")
]
RecoveryCodesResult = Annotated[
    RecoveryCodes | ValidationError | ConflictError, strawberry.union("RecoveryCodesResult")
]
ResetStaffTotpResult = Annotated[
    MemberType | NotFoundError | ConflictError, strawberry.union("ResetStaffTotpResult")
]


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Begin TOTP set-up: a new secret for the authenticator app.",
        extensions=requires_login(),
    )
    async def start_totp_enrollment(self, info: Info) -> TotpEnrollmentResult:
        person_id = info.context.principal.person_id
        if person_id is None:
            raise PublicError("Only a person can set up TOTP.", "FORBIDDEN")
        issuer = sender_name(info.context.tenant_or_none, request_language(info))
        async with info.context.unit_of_work(shared=True) as session:
            result = await service.start_totp_enrollment(session, person_id, issuer)
        if isinstance(result, Refused):
            return error_result(info, result)  # type: ignore[no-any-return]
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
            outcome = await service.confirm_totp(
                session, principal.person_id, principal.session_id, code
            )
            person = await session.get(Person, principal.person_id)
        if isinstance(outcome, Refused):
            return error_result(info, outcome)  # type: ignore[no-any-return]
        assert person is not None
        return TotpChanged(viewer=Viewer.of(person), recovery_codes=outcome)

    @strawberry.mutation(
        description="A new set of ten recovery codes, confirmed with a current TOTP code (or "
        "an unused recovery code); the previous set stops working.",
        extensions=requires_login(),
    )
    async def regenerate_recovery_codes(self, info: Info, code: str) -> RecoveryCodesResult:
        principal = info.context.principal
        if principal.person_id is None:
            raise PublicError("Only a person can change TOTP.", "FORBIDDEN")
        async with info.context.unit_of_work(shared=True) as session:
            outcome = await service.regenerate_recovery_codes(session, principal.person_id, code)
            person = await session.get(Person, principal.person_id)
        if isinstance(outcome, Refused):
            return error_result(info, outcome)  # type: ignore[no-any-return]
        assert person is not None
        return RecoveryCodes(viewer=Viewer.of(person), codes=outcome)

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
            return error_result(info, refused)  # type: ignore[no-any-return]
        assert person is not None
        return TotpChanged(viewer=Viewer.of(person))

    @strawberry.mutation(
        description="Turn off another staff member's TOTP second factor (a lost phone): their "
        "recovery codes are voided and every session of theirs ends; they set TOTP up again "
        "at their next login if the firm requires it. Only a firm admin resets a firm "
        "admin's; one's own is changed with `disableTotp`. Audited (`member.totp_reset`).",
        extensions=requires("firm", "manage"),
    )
    async def reset_staff_totp(
        self, info: Info, membership_id: strawberry.ID
    ) -> ResetStaffTotpResult:
        ctx = info.context
        try:
            pk = await pk_of(ctx, "Member", membership_id, field="membershipId")
            async with ctx.unit_of_work(shared=True) as session:
                membership = await service.reset_staff_totp(session, ctx.tenant, actor_of(ctx), pk)
                views = await get_members(session, ctx.tenant.id, [pk])
                person = await session.get(Person, membership.person_id)
                assert person is not None
                email, locale = person.email, person.locale
        except (Refused, IdRefused) as exc:
            return error_result(info, exc)  # type: ignore[no-any-return]
        await service.send_totp_reset_mail(ctx.services, ctx.tenant, email, locale)
        return MemberType.of(views[pk])

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
                    raise PublicError(message(code, request_language(info)), code)
            settings = await service.update_security_settings(
                session, tenant, require_staff_totp, by=request_actor(info, tenant)
            )
        # This process sees it at once; the others on the NOTIFY delivered at commit.
        info.context.services.registry.invalidate()
        return SecuritySettings.of(settings)
