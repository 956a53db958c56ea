"""Expected failures are typed results the client can branch on; `PublicError` is the one
exception whose message reaches the client as a GraphQL error (everything else is masked)."""

from __future__ import annotations

import strawberry


class PublicError(Exception):
    """A refusal the caller should read: limits, missing permission, wrong host."""

    def __init__(self, message: str, code: str = "BAD_REQUEST"):
        super().__init__(message)
        self.code = code


class DomainError(Exception):
    """Raised by service.py for an expected failure; graphql.py turns it into a typed result."""

    def __init__(self, code: str, message: str, field: str | None = None):
        super().__init__(message)
        self.code, self.message, self.field = code, message, field


@strawberry.interface(description="An expected failure of a mutation, meant for the caller.")
class Error:
    code: str = strawberry.field(description="Stable machine-readable code, e.g. INVALID_INN.")
    message: str = strawberry.field(description="Human-readable explanation in the viewer's language.")


@strawberry.type(description="Input was refused; `field` names the offending argument.")
class ValidationError(Error):
    field: str | None = None


@strawberry.type(description="The object does not exist or is not visible to the viewer.")
class NotFoundError(Error):
    pass


@strawberry.type(description="The operation is not allowed in the object's current state.")
class ConflictError(Error):
    pass


def validation_error(exc: DomainError) -> ValidationError:
    return ValidationError(code=exc.code, message=exc.message, field=exc.field)
