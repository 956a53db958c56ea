"""Typed results of the identity rules' refusals that are not login-like."""

from __future__ import annotations

from saas.auth.messages import message
from saas.schema.errors import ConflictError, DomainError, NotFoundError, ValidationError


def not_found(lang: str) -> NotFoundError:
    return NotFoundError(code="NOT_FOUND", message=message("NOT_FOUND", lang))


def domain_error(exc: DomainError, lang: str) -> ValidationError | ConflictError:
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
