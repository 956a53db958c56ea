"""`login` and `logout`, and the typed results of login-like refusals."""

from __future__ import annotations

from typing import Annotated

import strawberry

from saas.auth.cookies import clear_session_cookies
from saas.auth.graphql.cabinets import Viewer
from saas.auth.graphql.request import (
    request_caller,
    request_language,
    secure_cookies,
    session_id_of,
    set_cookies,
)
from saas.auth.messages import message
from saas.auth.service import login as service
from saas.auth.service import sessions
from saas.auth.service.errors import Refused
from saas.schema.context import Info
from saas.schema.errors import KIND_RESULTS, Error, PublicError, ValidationError, error_result


@strawberry.type(description="Logged in: the session cookie is set.")
class LoginSuccess:
    viewer: Viewer
    csrf_token: str = strawberry.field(
        description="Also in the kabinet_csrf cookie; send it as X-CSRF-Token."
    )


@strawberry.type(
    description="Wrong e-mail or password, or a wrong one-time code (code INVALID_OTP), or a "
    "code used before (OTP_ALREADY_USED: that TOTP code was accepted already; "
    "RECOVERY_CODE_USED: that recovery code was spent)."
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
    "OTP_ALREADY_USED": InvalidCredentials,
    "RECOVERY_CODE_USED": InvalidCredentials,
    "EXISTING_ACCOUNT_PASSWORD": InvalidCredentials,
    "OTP_REQUIRED": OtpRequired,
    "NOT_A_MEMBER": NotAMember,
    "CABINET_CLOSED": CabinetClosed,
}


def login_result(refused: Refused, lang: str) -> Error:
    """The typed result of a login-like refusal (kind "login" of saas.schema.errors)."""
    text = refused.message_in(lang)
    if refused.code in ("ACCOUNT_LOCKED", "RATE_LIMITED"):
        limited = AccountLocked if refused.code == "ACCOUNT_LOCKED" else RateLimited
        return limited(code=refused.code, message=text, retry_after_seconds=refused.retry_after)
    typed = _LOGIN_REFUSALS.get(refused.code)
    if typed is not None:
        return typed(code=refused.code, message=text)  # type: ignore[no-any-return]
    return ValidationError(code=refused.code, message=text, field=refused.field)


KIND_RESULTS["login"] = login_result


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Log in at this host (a firm's, or the platform's for the cabinet picker). "
        "Every call counts as an attempt, also as an alias or in a batch."
    )
    async def login(
        self,
        info: Info,
        email: str,
        password: str,
        otp: Annotated[
            str | None,
            strawberry.argument(
                description="The authenticator app's current code, or one of the recovery "
                "codes (each works once)."
            ),
        ] = None,
    ) -> LoginResult:
        lang = request_language(info)
        if info.context.response is None:
            raise PublicError("Log in over HTTP: a WebSocket cannot set the session cookie.")
        outcome = await service.login(
            info.context.services,
            info.context.tenant_or_none,
            email,
            password,
            otp,
            request_caller(info),
            replaces_session_id=session_id_of(info),
        )
        if isinstance(outcome, Refused):
            return error_result(info, outcome)  # type: ignore[no-any-return]
        set_cookies(info, outcome.session)
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
        session_id = session_id_of(info)
        if session_id is not None:
            await sessions.revoke_session(info.context.services, session_id)
        if info.context.response is not None:
            clear_session_cookies(info.context.response, secure=secure_cookies(info))
        return session_id is not None
