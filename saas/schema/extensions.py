"""Schema extensions and the schema class: limits, introspection switch, error policy.

Extensions are given to strawberry as factories (a class or a lambda): strawberry builds a
fresh instance per operation, so no state leaks between concurrent requests.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import strawberry
from graphql import GraphQLError, GraphQLSyntaxError
from graphql.validation import NoSchemaIntrospectionCustomRule
from starlette.requests import Request
from strawberry.extensions import AddValidationRules, MaxTokensLimiter, SchemaExtension
from strawberry.types import ExecutionContext
from strawberry.types.graphql import OperationType

from saas.core.actor import prepare_actor
from saas.logs import request_id_var
from saas.ops.outage import database_unavailable, unavailable_error
from saas.schema.cache import CachedDocuments, DocumentCache
from saas.schema.compiled import CompiledReads
from saas.schema.errors import (
    PARSE_FAILED,
    VALIDATION_FAILED,
    error_code,
    is_unexpected,
    masked,
    public_code,
    with_code,
)
from saas.schema.execution import SpineExecutor
from saas.schema.inputs import InputGuard
from saas.schema.limits import (
    INTROSPECTION_DISABLED,
    QUERY_TOO_DEEP,
    TOO_MANY_TOKENS,
    RequestLimits,
)
from saas.settings import Settings

log = logging.getLogger("saas.graphql")


def request_id_of(execution_context: ExecutionContext | None) -> str | None:
    binding = getattr(getattr(execution_context, "context", None), "binding", None)
    return getattr(binding, "request_id", None) or request_id_var.get()


class NoIntrospection(NoSchemaIntrospectionCustomRule):
    """graphql-core's rule refusing `__schema` / `__type`, with a code the client can test."""

    def report_error(self, error: GraphQLError) -> None:
        super().report_error(
            GraphQLError(
                "Introspection is disabled on this server: use the published schema.graphql.",
                error.nodes,
                extensions={"code": INTROSPECTION_DISABLED},
            )
        )


class SubscriptionsOverWebSocket(SchemaExtension):
    """Subscriptions run over WebSocket only: over HTTP strawberry would try to execute the
    subscription as a query and fail inside, so the operation type is refused up front."""

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        if isinstance(getattr(context.context, "request", None), Request):
            context.allowed_operations = set(context.allowed_operations) - {
                OperationType.SUBSCRIPTION
            }
        yield


class ActorPolicy(SchemaExtension):
    """Reads the firm's policy before the operation executes (`saas.core.actor.prepare_actor`):
    the actor's organization scope (firm-wide or assigned only) is then known to every
    resolver, synchronous ones included."""

    async def on_execute(self) -> AsyncIterator[None]:
        context = self.execution_context.context
        if context is not None and hasattr(context, "core_cache"):
            await prepare_actor(context)
        yield


class ErrorPolicy(SchemaExtension):
    """Gives every error a code and masks the unexpected ones (see saas.schema.errors)."""

    def on_parse(self) -> Iterator[None]:
        yield
        for error in self.execution_context.pre_execution_errors or ():
            if error_code(error):
                continue
            message = error.message
            if isinstance(error, GraphQLSyntaxError) and "tokens" in message:
                with_code(error, TOO_MANY_TOKENS)
            elif isinstance(error, GraphQLSyntaxError) and "nested too deeply" in message:
                with_code(error, QUERY_TOO_DEEP)
            elif isinstance(error, GraphQLSyntaxError):
                with_code(error, PARSE_FAILED)

    def on_validate(self) -> Iterator[None]:
        yield
        for error in self.execution_context.pre_execution_errors or ():
            if not error_code(error):
                with_code(error, VALIDATION_FAILED)

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is not None and hasattr(result, "errors"):
            self._apply(result)

    def on_stream_result(self, result: Any) -> Iterator[None]:
        self._apply(result)
        yield

    def _apply(self, result: Any) -> None:
        if result.errors:
            context = getattr(self.execution_context, "context", None)
            language = getattr(context, "language", "ru") if context is not None else "ru"
            principal = getattr(context, "principal", None)
            result.errors = apply_error_policy(
                result.errors,
                request_id_of(self.execution_context),
                language,
                anonymous=principal is not None and not principal.authenticated,
            )


UNAUTHENTICATED_MESSAGE = {
    "ru": "Войдите в кабинет: без входа это недоступно.",
    "en": "Log in first: this is not available without logging in.",
}


def unauthenticated(error: GraphQLError, language: str) -> GraphQLError:
    """A refusal of an anonymous caller: UNAUTHENTICATED, naming no permission or grant (which
    would tell a stranger how the firm's access is set up, and suggest a role instead of a
    login)."""
    return GraphQLError(
        UNAUTHENTICATED_MESSAGE.get(language, UNAUTHENTICATED_MESSAGE["en"]),
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions={"code": "UNAUTHENTICATED"},
    )


def apply_error_policy(
    errors: list[GraphQLError],
    request_id: str | None,
    language: str = "ru",
    *,
    anonymous: bool = False,
) -> list[GraphQLError]:
    """`anonymous`: the caller sent no credentials, so every FORBIDDEN (a permission, a grant,
    a guard of any module) is UNAUTHENTICATED: in one place, not per guard."""

    out = []
    for error in errors:
        if is_unexpected(error) and database_unavailable(error.original_error):
            out.append(unavailable_error(error, request_id, language))  # not a bug: an outage
        elif is_unexpected(error):
            out.append(masked(error, request_id))
        elif anonymous and error_code(error) == "FORBIDDEN":
            out.append(unauthenticated(error, language))
        else:
            out.append(error if error_code(error) else with_code(error, public_code(error)))
    return out


class KabinetSchema(strawberry.Schema):
    """strawberry.Schema that logs only what needs a look: the unexpected errors, in full,
    and executes with `SpineExecutor` (a short path for plain leaf fields)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("execution_context_class", SpineExecutor)
        super().__init__(*args, **kwargs)

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        for error in errors:
            if is_unexpected(error) and database_unavailable(error.original_error):
                # An outage, not a bug: one line, without the statement and its parameters.
                log.warning(
                    "database unavailable [request %s] at %s: %s",
                    request_id_of(execution_context),
                    ".".join(map(str, error.path or ())) or "operation",
                    type(error.original_error).__name__,
                )
            elif is_unexpected(error):
                original = error.original_error
                assert original is not None
                log.error(
                    "unexpected error [request %s] in %s at %s: %s",
                    request_id_of(execution_context),
                    getattr(execution_context, "operation_name", None) or "anonymous operation",
                    ".".join(map(str, error.path or ())) or "operation",
                    original,
                    exc_info=(type(original), original, original.__traceback__),
                )
            else:
                log.debug("refused: %s", error.message)


def schema_extensions(settings: Settings) -> list[Callable[[], SchemaExtension]]:
    limits = settings.limits
    # One cache per schema: its documents were parsed under this schema's token limit and
    # validated against this schema's rules (see saas.schema.cache for what is not cached).
    documents = DocumentCache()
    extensions: list[Callable[[], SchemaExtension]] = [
        lambda: MaxTokensLimiter(max_token_count=limits.max_tokens),
        lambda: RequestLimits(limits),
        # After both: keyed on the token limit's parse options; limit refusals come first.
        lambda: CachedDocuments(documents),
        SubscriptionsOverWebSocket,
        ErrorPolicy,
        InputGuard,  # every incoming string checked at the edge (saas.schema.inputs)
        ActorPolicy,  # the actor's organization scope, before any resolver (saas.core.actor)
    ]
    if not settings.introspection:
        extensions.append(lambda: AddValidationRules([NoIntrospection]))
    if settings.compiled_reads:
        # Last: every other extension's `on_execute` (the actor's scope) has run before it
        # answers a compiled root field in place of the executor (saas.schema.compiled).
        extensions.append(CompiledReads)
    return extensions
