"""Errors: what the client may read, and what it may not.

Expected failures of a mutation are typed results the client can branch on (`Error` and its
implementations). Everything that still ends up in `errors` carries `extensions.code`:

- `PublicError` (and its subclasses, e.g. `NoTenant`), permission refusals (FORBIDDEN /
  UNAUTHENTICATED), parse and validation errors and limit refusals reach the client as raised;
- any other exception is unexpected: logged with its traceback and the request id, and the
  client sees only {"message": "Internal server error", "extensions": {"code": "INTERNAL",
  "requestId": ...}}.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

import strawberry
from graphql import GraphQLError
from strawberry.relay import GlobalIDValueError

INTERNAL_MESSAGE = "Internal server error"
INTERNAL = "INTERNAL"
VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
INVALID_ID = "INVALID_ID"


class PublicError(Exception):
    """A refusal the caller should read: limits, missing permission, wrong host, bad cursor."""

    def __init__(self, message: str, code: str = "BAD_REQUEST", **details: Any):
        super().__init__(message)
        self.message = message
        self.code = code
        self.details = details

    @property
    def extensions(self) -> dict[str, Any]:
        # graphql-core copies `extensions` of the original exception onto the GraphQLError.
        return {"code": self.code, **self.details}


class DomainError(Exception):
    """Raised by service.py for an expected failure; graphql.py turns it into a typed result."""

    def __init__(self, code: str, message: str, field: str | None = None):
        super().__init__(message)
        self.code, self.message, self.field = code, message, field


@strawberry.interface(description="An expected failure of a mutation, meant for the caller.")
class Error:
    code: str = strawberry.field(description="Stable machine-readable code, e.g. INVALID_INN.")
    message: str = strawberry.field(
        description="Human-readable explanation in the viewer's language."
    )


@strawberry.type(description="Input was refused; `field` names the offending argument.")
class ValidationError(Error):
    field: str | None = None


@strawberry.type(description="The object does not exist or is not visible to the viewer.")
class NotFoundError(Error):
    pass


@strawberry.type(description="The operation is not allowed in the object's current state.")
class ConflictError(Error):
    pass


@strawberry.type(description="The viewer may not do this here (e.g. the direction rule).")
class ForbiddenError(Error):
    pass


@strawberry.type(description="The file storage is unreachable; nothing was saved. Retry later.")
class StorageUnavailableError(Error):
    pass


class LocalizedError(DomainError):
    """A DomainError with its message in Russian and English. `kind` picks the typed result
    (`typed_error`): validation | not_found | conflict | forbidden | unavailable. Each module
    subclasses it (ClientsError, ReportsError...) so that its callers catch only its own."""

    def __init__(self, kind: str, code: str, ru: str, en: str, field: str | None = None):
        super().__init__(code, en, field)
        self.kind = kind
        self.ru, self.en = ru, en

    def message_in(self, language: str) -> str:
        return self.en if language == "en" else self.ru


class Refusal(Protocol):
    """What typed_error needs of an expected failure (LocalizedError, rbac's RolesError)."""

    kind: str
    code: str
    field: str | None

    def message_in(self, language: str) -> str: ...


# Kinds whose refusals have typed results of their own (auth's "login": AccountLocked,
# RateLimited, NotAMember...): kind -> build(refusal, language). The module owning those
# types registers them, so `error_result` stays the one mapping.
KIND_RESULTS: dict[str, Callable[[Any, str], Error]] = {}

TYPED_ERRORS: dict[str, type[Error]] = {
    "not_found": NotFoundError,
    "conflict": ConflictError,
    "forbidden": ForbiddenError,
    "unavailable": StorageUnavailableError,
}


def error_result(info: Any, exc: Refusal) -> Any:
    """A service's expected failure as the mutation's typed result, in the viewer's language
    (`info` is the resolver's strawberry Info)."""
    return typed_error(exc, info.context.language)


def typed_error(exc: Refusal, language: str) -> Error:
    """The typed result a mutation returns for an expected failure, worded in `language`."""
    special = KIND_RESULTS.get(exc.kind)
    if special is not None:
        return special(exc, language)
    message = exc.message_in(language)
    kind = TYPED_ERRORS.get(exc.kind)
    if kind is None:
        return ValidationError(code=exc.code, message=message, field=exc.field)
    return kind(code=exc.code, message=message)


def validation_error(exc: DomainError) -> ValidationError:
    return ValidationError(code=exc.code, message=exc.message, field=exc.field)


def error_code(error: GraphQLError) -> str | None:
    code = (error.extensions or {}).get("code")
    return code if isinstance(code, str) else None


def is_unexpected(error: GraphQLError) -> bool:
    """True for an error born of an exception nobody meant the client to read."""
    if error_code(error) is not None:
        return False
    original = error.original_error
    if original is None or isinstance(original, GraphQLError | PublicError):
        return False
    # A malformed or foreign global id is the caller's mistake, not ours.
    return not isinstance(original, GlobalIDValueError)


def public_code(error: GraphQLError) -> str:
    """The code of a public error that was raised without one."""
    if isinstance(error.original_error, GlobalIDValueError):
        return INVALID_ID
    return "BAD_REQUEST"


def with_code(error: GraphQLError, code: str, **details: Any) -> GraphQLError:
    error.extensions = {**(error.extensions or {}), "code": code, **details}
    return error


def masked(error: GraphQLError, request_id: str | None) -> GraphQLError:
    return GraphQLError(
        INTERNAL_MESSAGE,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions={"code": INTERNAL, "requestId": request_id},
    )
