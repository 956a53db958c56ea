"""Expected refusals of the identity rules, with stable codes (worded by saas.auth.messages)."""

from __future__ import annotations

from dataclasses import dataclass

from saas.auth.passwords import MIN_LENGTH, password_problem


@dataclass(frozen=True)
class Refused:
    """An expected refusal with a stable code (see saas.auth.messages)."""

    code: str
    retry_after: int = 0
    field: str | None = None


def password_refusal(password: str) -> Refused | None:
    if password_problem(password) is None:
        return None
    code = "PASSWORD_TOO_SHORT" if len(password) < MIN_LENGTH else "PASSWORD_TOO_EASY"
    return Refused(code, field="password")
