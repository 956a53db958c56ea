"""Shared subscription events. A subscription that hands the same event object to many
subscribers marks it with `shared_event(obj)`. When a subscriber's operation selects only
plain leaf fields of it (no fragments, directives or arguments below the subscription field,
whose per-event resolver returns the event itself), the result cannot depend on who asked:
it is computed once per event and operation document and reused by every other subscriber
of that document (the documents are cached per query text, so equal queries share one).
Access is decided before: the subscription's own code filters which subscribers get the
event at all.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from graphql import (
    FieldNode,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
)

T = TypeVar("T")
PlainLeaf = Callable[[Any], Any]
# The attribute of a shared event holding its results: id(operation) -> (operation, result).
SHARED_RESULTS = "_spine_shared_results"
# id(OperationDefinitionNode) -> (the node, whether its results may be shared)
_SHAREABLE: dict[int, tuple[OperationDefinitionNode, bool]] = {}


def shared_event(event: T) -> T:
    """Mark an object yielded by a subscription to many subscribers (see the module doc)."""
    setattr(event, SHARED_RESULTS, {})
    return event


def shareable(
    schema: GraphQLSchema, operation: OperationDefinitionNode, plain_leaf: PlainLeaf
) -> bool:
    """True when each root field is a subscription field selecting only plain leaves (or
    __typename) of an object type: no fragment, directive or argument below it."""
    root = schema.subscription_type
    if operation.operation != OperationType.SUBSCRIPTION or root is None:
        return False
    for selection in operation.selection_set.selections:
        if not isinstance(selection, FieldNode) or selection.directives:
            return False
        field = root.fields.get(selection.name.value)
        definition = (field.extensions or {}).get("strawberry-definition") if field else None
        if field is None or definition is None or not definition.is_subscription:
            return False
        type_: Any = field.type
        type_ = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
        if not isinstance(type_, GraphQLObjectType) or selection.selection_set is None:
            return False
        for sub in selection.selection_set.selections:
            if not isinstance(sub, FieldNode) or sub.directives or sub.arguments:
                return False
            if sub.name.value == "__typename":
                continue
            leaf = type_.fields.get(sub.name.value)
            if leaf is None or plain_leaf(leaf) is None:
                return False
    return True


def shareable_once(
    schema: GraphQLSchema, operation: OperationDefinitionNode, plain_leaf: PlainLeaf
) -> bool:
    """`shareable`, decided once per operation document (documents are cached per text);
    `plain_leaf(field)` is the executor's test of a plain leaf field (None: not one)."""
    known = _SHAREABLE.get(id(operation))
    if known is not None and known[0] is operation:
        return known[1]
    verdict = shareable(schema, operation, plain_leaf)
    if len(_SHAREABLE) > 10_000:  # documents come and go with the query cache
        _SHAREABLE.clear()
    _SHAREABLE[id(operation)] = (operation, verdict)  # keeps it alive: its id is not reused
    return verdict
