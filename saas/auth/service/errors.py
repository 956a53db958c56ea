"""Expected refusals of the identity rules: `Refused`, a `LocalizedError` with a stable code
worded from saas.auth.messages, returned (or raised) by the services and turned into the
mutation's typed result by the one mapping (`saas.schema.errors.error_result`)."""

from __future__ import annotations

from typing import Any

from saas.auth.messages import MESSAGES
from saas.auth.passwords import MIN_LENGTH, password_problem
from saas.schema.errors import DomainError, LocalizedError

# Refusals of a login-like step (login, accepting an invitation with a password): their
# typed results (InvalidCredentials, AccountLocked, ...) are registered by auth's GraphQL.
LOGIN_CODES = frozenset(
    {
        "INVALID_CREDENTIALS",
        "OTP_REQUIRED",
        "ACCOUNT_LOCKED",
        "RATE_LIMITED",
        "NOT_A_MEMBER",
        "CABINET_CLOSED",
        "EXISTING_ACCOUNT_PASSWORD",
    }
)
# An invitation link that cannot be used (InvitationUnusable with its reason).
INVITATION_CODES = frozenset(
    {"INVITATION_UNKNOWN", "INVITATION_EXPIRED", "INVITATION_USED", "INVITATION_REVOKED"}
)
# A second factor's refusals: a login refusal at login, a validation error (field `code`)
# when confirming a change with a code.
OTP_CODES = frozenset({"INVALID_OTP", "OTP_ALREADY_USED", "RECOVERY_CODE_USED"})
CONFLICT_CODES = frozenset(
    {
        "ALREADY_MEMBER",
        "TOTP_RESET_NOT_STAFF",
        "TOTP_RESET_SELF",
        "TOTP_RESET_FIRM_ADMIN",
        "TOTP_ALREADY_ENABLED",
        "TOTP_NOT_STARTED",
        "TOTP_NOT_ENABLED",
        "TOTP_REQUIRED_BY_FIRM",
        "TOTP_ENROLL_FIRST",
    }
)
NOT_FOUND_CODES = frozenset({"NOT_FOUND", "CABINET_NOT_FOUND"})
FORBIDDEN_CODES = frozenset({"NOT_A_SESSION"})


def kind_of(code: str, field: str | None) -> str:
    """The typed result a code maps to: login, invitation, conflict, not_found, forbidden or
    validation.
    A wrong one-time code is a login refusal at login, a validation error (field `code`)
    when setting TOTP up or off."""
    if code in LOGIN_CODES or (code in OTP_CODES and field is None):
        return "login"
    if code in INVITATION_CODES:
        return "invitation"
    if code in CONFLICT_CODES:
        return "conflict"
    if code in NOT_FOUND_CODES:
        return "not_found"
    if code in FORBIDDEN_CODES:
        return "forbidden"
    return "validation"


class Refused(LocalizedError):
    """An expected refusal with a stable code; `retry_after` (seconds) for the limits."""

    def __init__(
        self,
        code: str,
        retry_after: int = 0,
        field: str | None = None,
        *,
        kind: str | None = None,
        **params: Any,
    ):
        if code in ("ACCOUNT_LOCKED", "RATE_LIMITED"):
            params.setdefault("minutes", max(1, -(-retry_after // 60)))
        ru, en = MESSAGES.get(code, (code, code))
        super().__init__(
            kind or kind_of(code, field), code, ru.format(**params), en.format(**params), field
        )
        self.retry_after = retry_after

    @classmethod
    def of(cls, exc: DomainError) -> Refused:
        """A service's DomainError in the catalog's words (its own message if the code has
        none there)."""
        if exc.code in MESSAGES:
            return cls(exc.code, field=exc.field)
        refused = cls(exc.code, field=exc.field)
        refused.ru = refused.en = exc.message
        return refused

    def __repr__(self) -> str:
        return f"Refused({self.code!r}, retry_after={self.retry_after}, field={self.field!r})"


def password_refusal(password: str) -> Refused | None:
    if password_problem(password) is None:
        return None
    code = "PASSWORD_TOO_SHORT" if len(password) < MIN_LENGTH else "PASSWORD_TOO_EASY"
    return Refused(code, field="password")
