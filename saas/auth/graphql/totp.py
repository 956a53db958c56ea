"""The viewer's TOTP second factor, and the firm's rule requiring it of staff
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
from saas.mail import sender_name
from saas.rbac.permissions import requires, requires_login
from saas.schema.context import Info
from saas.schema.errors import ConflictError, PublicError, ValidationError, error_result


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
            refused = await service.confirm_totp(
                session, principal.person_id, principal.session_id, code
            )
            person = await session.get(Person, principal.person_id)
        if refused is not None:
            return error_result(info, refused)  # type: ignore[no-any-return]
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
            return error_result(info, refused)  # type: ignore[no-any-return]
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
                    raise PublicError(message(code, request_language(info)), code)
            settings = await service.update_security_settings(
                session, tenant, require_staff_totp, by=request_actor(info, tenant)
            )
        # This process sees it at once; the others on the NOTIFY delivered at commit.
        info.context.services.registry.invalidate()
        return SecuritySettings.of(settings)
