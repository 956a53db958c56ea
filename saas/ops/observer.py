"""A schema extension that watches every GraphQL operation: counts it by type and outcome and
reports unexpected exceptions to Sentry with their original traceback.

It must run inside the error-masking extension (it is appended last, so its `on_operation`
exits first and still sees the original errors); what the client gets is masked elsewhere.
The spine also logs each unexpected error (saas.schema.extensions), which Sentry's logging
integration reports too: Sentry's dedupe keeps one event per exception.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import sentry_sdk
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from saas.ops.metrics import GRAPHQL_LATENCY, GRAPHQL_OPERATIONS
from saas.ops.outage import database_unavailable
from saas.schema.errors import is_unexpected


def unexpected_exception(error: GraphQLError) -> BaseException | None:
    """The exception behind a GraphQL error if it is a bug (not a refusal meant for the caller,
    nor a database outage); the spine's `is_unexpected` is the one definition of that."""
    if not is_unexpected(error) or database_unavailable(error.original_error):
        return None
    return error.original_error


def is_outage(error: GraphQLError) -> bool:
    return is_unexpected(error) and database_unavailable(error.original_error)


class OperationObserver(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        yield
        context = self.execution_context
        try:
            kind = context.operation_type.value
        except Exception:  # the document did not parse: there is no operation type
            kind = "unknown"
        errors = list(getattr(context.result, "errors", None) or context.pre_execution_errors or [])
        bugs = [exc for exc in map(unexpected_exception, errors) if exc is not None]
        if bugs:
            outcome = "error"
        elif any(map(is_outage, errors)):
            outcome = "unavailable"  # the database did not answer (saas.ops.outage)
        else:
            outcome = "refused" if errors else "ok"
        GRAPHQL_OPERATIONS.labels(kind, outcome).inc()
        GRAPHQL_LATENCY.labels(kind).observe(time.perf_counter() - started)
        if bugs and sentry_sdk.get_client().is_active():
            for exc in bugs:
                sentry_sdk.capture_exception(exc)
