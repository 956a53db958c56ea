"""Request limits: depth, aliases and cost, measured before the standard validation.

One pass over the document measures all three. Fragments are measured once and memoized:
strawberry's `QueryDepthLimiter` and `MaxAliasesLimiter` re-walk a fragment at every spread,
so a chain of 20 fragments each spreading the next twice took them seconds (2^20 walks) while
the document is a few hundred tokens. Token count is bounded earlier, while parsing
(strawberry's `MaxTokensLimiter`), and graphql-core refuses documents nested too deeply to parse.

Cost: every field costs 1; a field with a selection adds what it selects times its
multiplier: `first`/`last` (capped at the maximum page size) for a connection or a paginated
list, the number of `ids` for `nodes(ids:)`, the default page size for any other list or
connection, 1 otherwise. `edges`/`nodes` inside a connection are paid by the connection.
Introspection fields (`__schema`, `__type`, `__typename`) are free, so GraphiQL keeps working.

A refusal stops the request before the standard validation rules run (some of them are
quadratic in the number of fields), so it comes back fast.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValueNode,
    VariableNode,
    get_named_type,
)
from strawberry.extensions import SchemaExtension

from saas.schema.relay import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from saas.settings import Limits

QUERY_TOO_DEEP = "QUERY_TOO_DEEP"
TOO_MANY_ALIASES = "TOO_MANY_ALIASES"
QUERY_TOO_COSTLY = "QUERY_TOO_COSTLY"
TOO_MANY_TOKENS = "TOO_MANY_TOKENS"
TOO_MANY_OPERATIONS = "TOO_MANY_OPERATIONS"
BODY_TOO_LARGE = "BODY_TOO_LARGE"
TOO_MANY_SUBSCRIPTIONS = "TOO_MANY_SUBSCRIPTIONS"
INTROSPECTION_DISABLED = "INTROSPECTION_DISABLED"

# Keeps the numbers of a fragment bomb printable; anything this large is refused anyway.
_COST_CAP = 10**12


@dataclass(frozen=True)
class Measure:
    depth: int = 0
    aliases: int = 0
    cost: int = 0


def _is_connection(type_: GraphQLNamedType | None) -> bool:
    return isinstance(type_, GraphQLObjectType) and {"edges", "pageInfo"} <= type_.fields.keys()


def _is_list(type_: GraphQLOutputType) -> bool:
    if isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    return isinstance(type_, GraphQLList)


class DocumentMeasure:
    """Depth, aliases and cost of each operation of a document (fragments measured once)."""

    def __init__(
        self, schema: GraphQLSchema, document: DocumentNode, variables: Mapping[str, Any] | None
    ):
        self.schema = schema
        self.variables = variables if isinstance(variables, Mapping) else {}
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.operations = [
            d for d in document.definitions if isinstance(d, OperationDefinitionNode)
        ]
        self._memo: dict[str, Measure] = {}
        self._active: set[str] = set()

    def __iter__(self) -> Iterator[tuple[OperationDefinitionNode, Measure]]:
        for operation in self.operations:
            root = self.schema.get_root_type(operation.operation)
            yield operation, self._selection_set(operation.selection_set, root)

    def _selection_set(self, node: SelectionSetNode, parent: GraphQLNamedType | None) -> Measure:
        depth = aliases = cost = 0
        for selection in node.selections:
            if isinstance(selection, FieldNode):
                measure = self._field(selection, parent)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                typed = self.schema.get_type(condition.name.value) if condition else parent
                measure = self._selection_set(selection.selection_set, typed)
            elif isinstance(selection, FragmentSpreadNode):
                measure = self._fragment(selection.name.value)
            else:  # pragma: no cover - graphql-core has no other selection kinds
                continue
            depth = max(depth, measure.depth)
            aliases += measure.aliases
            cost = min(cost + measure.cost, _COST_CAP)
        return Measure(depth, aliases, cost)

    def _fragment(self, name: str) -> Measure:
        if name in self._memo:
            return self._memo[name]
        fragment = self.fragments.get(name)
        if fragment is None or name in self._active:
            return Measure()  # unknown fragments and cycles are the standard validation's to report
        self._active.add(name)
        typed = self.schema.get_type(fragment.type_condition.name.value)
        measure = self._memo[name] = self._selection_set(fragment.selection_set, typed)
        self._active.discard(name)
        return measure

    def _field(self, node: FieldNode, parent: GraphQLNamedType | None) -> Measure:
        aliases = 1 if node.alias else 0
        name = node.name.value
        if name.startswith("__"):
            return Measure(0, aliases, 0)
        definition = None
        if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
            definition = parent.fields.get(name)
        if node.selection_set is None:
            return Measure(1, aliases, 1)
        child = get_named_type(definition.type) if definition else None
        inner = self._selection_set(node.selection_set, child)
        multiplier = self._multiplier(node, definition.type if definition else None, parent, child)
        cost = min(1 + multiplier * inner.cost, _COST_CAP)
        return Measure(1 + inner.depth, aliases + inner.aliases, cost)

    def _multiplier(
        self,
        node: FieldNode,
        type_: GraphQLOutputType | None,
        parent: GraphQLNamedType | None,
        child: GraphQLNamedType | None,
    ) -> int:
        if type_ is None or _is_connection(parent):
            return 1
        arguments = {a.name.value: self._value(a.value) for a in node.arguments or ()}
        pages = [v for k in ("first", "last") if isinstance(v := arguments.get(k), int)]
        if pages:
            return max(0, min(max(pages), MAX_PAGE_SIZE))
        ids = arguments.get("ids")
        if isinstance(ids, list):
            return len(ids)
        if _is_connection(child) or _is_list(type_):
            return DEFAULT_PAGE_SIZE
        return 1

    def _value(self, node: ValueNode) -> Any:
        if isinstance(node, VariableNode):
            return self.variables.get(node.name.value)
        if isinstance(node, IntValueNode):
            return int(node.value)
        if isinstance(node, ListValueNode):
            return [self._value(v) for v in node.values]
        return None


def _operation_name(operation: OperationDefinitionNode) -> str:
    return f"'{operation.name.value}'" if operation.name else "The operation"


def check_limits(
    schema: GraphQLSchema,
    document: DocumentNode,
    variables: Mapping[str, Any] | None,
    limits: Limits,
) -> list[GraphQLError]:
    """The limit refusals of a document (empty when it is within every limit)."""
    errors: list[GraphQLError] = []
    aliases = 0
    for operation, measure in DocumentMeasure(schema, document, variables):
        aliases += measure.aliases
        name = _operation_name(operation)
        if measure.depth > limits.max_depth:
            errors.append(
                GraphQLError(
                    f"{name} is {measure.depth} levels deep; the limit is {limits.max_depth}.",
                    operation,
                    extensions={
                        "code": QUERY_TOO_DEEP,
                        "depth": measure.depth,
                        "limit": limits.max_depth,
                    },
                )
            )
        elif measure.cost > limits.max_cost:
            errors.append(
                GraphQLError(
                    f"{name} costs {measure.cost}; the limit is {limits.max_cost}. Each field costs"
                    f" 1 and a list or connection multiplies what it selects by `first`/`last`"
                    f" (default {DEFAULT_PAGE_SIZE}): ask for smaller pages or fewer nested lists.",
                    operation,
                    extensions={
                        "code": QUERY_TOO_COSTLY,
                        "cost": measure.cost,
                        "limit": limits.max_cost,
                    },
                )
            )
    if aliases > limits.max_aliases:
        errors.insert(
            0,
            GraphQLError(
                f"The document uses {aliases} aliases; the limit is {limits.max_aliases}.",
                extensions={
                    "code": TOO_MANY_ALIASES,
                    "aliases": aliases,
                    "limit": limits.max_aliases,
                },
            ),
        )
    return errors


class RequestLimits(SchemaExtension):
    """Refuses a document over the depth, alias or cost limit before it is validated."""

    def __init__(self, limits: Limits):
        self.limits = limits

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None and context.pre_execution_errors is None:
            try:
                variables = orjson.dumps(context.variables, option=orjson.OPT_SORT_KEYS)
            except TypeError:  # what orjson cannot write (an integer over 64 bits)
                variables = b""  # measured every time: never remembered under this key
            key = (id(document), variables, self.limits)
            if not variables or _WITHIN.get(key) is not document:
                errors = check_limits(
                    context.schema._schema, document, context.variables, self.limits
                )
                if errors:
                    # Set before strawberry validates: it then skips the standard rules.
                    context.pre_execution_errors = errors
                elif variables:
                    _remember_within(key, document)
        yield


# Documents found within the limits, by their node's id(), the variables and the limits
# (strawberry keeps a parsed document per query text, so a client's repeated query is measured
# once; the node is kept and compared, so a freed node's reused id() is measured again): the
# measure was ~3% of a feed request's CPU (issue 15).
_WITHIN: OrderedDict[tuple[int, bytes, Limits], DocumentNode] = OrderedDict()
WITHIN_KEPT = 512


def _remember_within(key: tuple[int, bytes, Limits], document: DocumentNode) -> None:
    _WITHIN[key] = document
    if len(_WITHIN) > WITHIN_KEPT:
        _WITHIN.popitem(last=False)
