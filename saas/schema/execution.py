"""The executor: graphql-core's, with a short path for plain leaf fields.

Most fields of a page are plain attributes of the node (`formCode`, `status`, `statusAt`):
no resolver, no arguments, no field extension, a scalar or enum type. graphql-core still
builds a path and a resolve-info tuple for each, calls strawberry's wrapper, and walks
`complete_value` (non-null, list, leaf, abstract, object checks) before serializing: for a
feed page of 50 reports that is ~400 rounds of it. For exactly those fields this executor
reads the attribute (what strawberry's resolver for such a field does) and serializes it
with the field's scalar or enum. Anything else, and any unusual outcome (None for a non-null
field, an exception, an awaitable, a value the scalar refuses), goes through graphql-core's
own `execute_field`, so values, nulls and errors come out exactly as before
(tests/test_graphql_spine.py compares the two).

Fields that carry anything to enforce never qualify: a permission or any other field
extension, a resolver, arguments on the field in the schema or in the query, or a schema
extension acting as resolver middleware.

One resolver qualifies: the Relay `id` of a `relay.Node` type that keeps strawberry's own
`resolve_id` and `resolve_typename` (~150 of them on a feed page with documents). For a node
of exactly that class, its value is what strawberry's `Node._id` and the `ID` scalar make of
it, `base64("<GraphQL type name>:<NodeID attribute>")`; any other source (a subclass, an
object of another class, a None or awaitable id) takes graphql-core's path.

Lists of plain objects are completed in one pass. graphql-core completes each item of a list
on its own (completeValue's checks, is_type_of, collecting and executing its subfields,
recursively): ~250 objects on a feed page. When every field selected below a list's items is
a plain leaf, a Relay id, `__typename`, or an object or list reached through a plain
attribute or a *pre-read* resolver (`pre_read(attribute)`: a resolver returning
`getattr(source, attribute)` whenever that is not UNREAD, for what a list read with its
page), with no arguments, directives or deferred fragments anywhere below, this executor
builds the items' results directly, with the same is_type_of check and the same
serialization. The first surprise (a None where none may be, an UNREAD value, an exception,
an awaitable, a refused value) drops the whole list back to graphql-core's path, which gives
the values, nulls and errors as before: the one pass only reads attributes, so running the
list again is safe.

Shared subscription events: `saas.schema.shared_events`.
"""

from __future__ import annotations

import base64
import inspect
from collections.abc import Callable
from typing import Any

from graphql import (
    ExecutionResult,
    GraphQLField,
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    OperationDefinitionNode,
    is_leaf_type,
)
from graphql.execution.executor import Path, Undefined
from graphql.pyutils import gather_with_cancel
from strawberry import relay
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from saas.schema.shared_events import SHARED_RESULTS, shareable_once

# (getter, attribute name, leaf type, non-null)
Plan = tuple[Callable[[Any, str], Any], str, GraphQLLeafType, bool]

_SLOW = object()  # "take graphql-core's path"
_PLAIN_PYTHON = frozenset((str, int, bool, float))
# id(GraphQLField) -> (the field, its plan or None); the field is kept so an id reused after
# a schema is dropped is never mistaken for it.
_PLANS: dict[int, tuple[GraphQLField, Plan | None]] = {}
# The same for Relay ids, per (field, parent type).
_NODE_ID_PLANS: dict[tuple[int, int], tuple[GraphQLField, GraphQLObjectType, Plan | None]] = {}
# strawberry's own: the `id` field (the classmethod `Node._id`) and the defaults it calls.
_NODE_ID = relay.Node.__dict__["_id"].__func__
_RESOLVE_ID = relay.Node.__dict__["resolve_id"].__func__
_RESOLVE_TYPENAME = relay.Node.__dict__["resolve_typename"].__func__


class _NotPlain(Exception):
    """This source is not for the short path (graphql-core's path resolves it)."""


# "Not read with the page": a pre-read field's resolver does its own work then.
UNREAD: Any = object()
PRE_READ = "saas.pre_read"
# Completes one value of a list (an item, or a value below one); raises to give up.
Complete = Callable[[Any], Any]
_STRAWBERRY_IS_TYPE_OF = "_get_is_type_of.<locals>.is_type_of"


def pre_read(attribute: str) -> dict[str, str]:
    """Metadata of a resolver field (`strawberry.field(metadata=pre_read("read_x"))`): while
    `getattr(source, attribute)` is not UNREAD, the resolver returns exactly that value."""
    return {PRE_READ: attribute}


def _attribute_getter(field: GraphQLField) -> Callable[[Any], Any] | None:
    """How to read an object or list field as an attribute of its source: a plain attribute
    (no resolver), or a pre-read resolver's attribute; None for any other field."""
    definition = (field.extensions or {}).get("strawberry-definition")
    if definition is None or field.args or definition.extensions or definition.is_subscription:
        return None
    attribute = (definition.metadata or {}).get(PRE_READ)
    if attribute is not None and definition.base_resolver is not None:

        def read_pre_read(source: Any) -> Any:
            value = getattr(source, attribute, UNREAD)
            if value is UNREAD:
                raise _NotPlain
            return value

        return read_pre_read
    if (
        getattr(field.resolve, "__name__", "") != "_get_basic_result"
        or not definition.is_basic_field
        or definition.base_resolver is not None
    ):
        return None
    getter, name = definition.default_resolver, definition.python_name
    return lambda source: getter(source, name)


def plain_leaf(field: GraphQLField) -> Plan | None:
    """How to read a plain scalar/enum attribute field; None for every other field."""
    known = _PLANS.get(id(field))
    if known is not None and known[0] is field:
        return known[1]
    plan = _plan(field)
    _PLANS[id(field)] = (field, plan)
    return plan


def _plan(field: GraphQLField) -> Plan | None:
    definition = (field.extensions or {}).get("strawberry-definition")
    resolve = field.resolve
    if (
        definition is None
        or resolve is None
        # strawberry's resolver for a field without resolver and extensions (is_basic_field):
        # `definition.get_result(source, ...)`, i.e. `default_resolver(source, python_name)`
        or getattr(resolve, "__name__", "") != "_get_basic_result"
        or not definition.is_basic_field
        or definition.base_resolver is not None
        or definition.is_subscription
        or field.args
    ):
        return None
    type_: Any = field.type
    non_null = isinstance(type_, GraphQLNonNull)
    inner = type_.of_type if non_null else type_
    if not is_leaf_type(inner):
        return None
    return definition.default_resolver, definition.python_name, inner, non_null


def node_id(field: GraphQLField, parent_type: GraphQLObjectType) -> Plan | None:
    """How to read the Relay `id` of `parent_type`; None unless it is strawberry's default."""
    known = _NODE_ID_PLANS.get((id(field), id(parent_type)))
    if known is not None and known[0] is field and known[1] is parent_type:
        return known[2]
    plan = _node_id_plan(field, parent_type)
    _NODE_ID_PLANS[(id(field), id(parent_type))] = (field, parent_type, plan)
    return plan


def _node_id_plan(field: GraphQLField, parent_type: GraphQLObjectType) -> Plan | None:
    definition = (field.extensions or {}).get("strawberry-definition")
    type_definition = (parent_type.extensions or {}).get("strawberry-definition")
    origin = getattr(type_definition, "origin", None)
    resolver = getattr(definition, "base_resolver", None)
    wrapped = getattr(getattr(resolver, "wrapped_func", None), "__func__", None)
    type_: Any = field.type
    if (
        definition is None
        or not isinstance(origin, type)
        or not issubclass(origin, relay.Node)
        or wrapped is not _NODE_ID
        or definition.extensions
        or definition.is_subscription
        or field.args
        or getattr(origin.resolve_id, "__func__", None) is not _RESOLVE_ID
        or getattr(origin.resolve_typename, "__func__", None) is not _RESOLVE_TYPENAME
        or not isinstance(type_, GraphQLNonNull)
        or not is_leaf_type(type_.of_type)
    ):
        return None
    prefix = f"{parent_type.name}:"

    def read(source: Any, attribute: str) -> str:
        if type(source) is not origin:
            raise _NotPlain
        value = getattr(source, attribute)
        if value is None or inspect.isawaitable(value):
            raise _NotPlain
        return base64.b64encode(f"{prefix}{str(value)}".encode()).decode()

    return read, origin.resolve_id_attr(), type_.of_type, True


class SpineExecutor(StrawberryGraphQLCoreExecutionContext):
    _spine_plans: dict[int, tuple[Any, list[Plan | None] | None]]
    _spine_lists: dict[tuple[int, int], tuple[Any, Any, Complete | None]]

    def build_per_event_executor(self, payload: Any) -> Any:
        """graphql-core's per-event copy shares the subscription's memo of collected subfields,
        keyed by the identity of each event's new field lists and keeping them alive: every
        event of a live subscription stayed there for its life (the soak's API grew ~0.5 MiB
        a minute). Each event's executor memoizes on its own."""
        executor = super().build_per_event_executor(payload)
        executor._relevant_sub_fields = {}
        executor.__dict__.pop("_spine_plans", None)
        executor.__dict__.pop("_spine_lists", None)
        return executor

    def execute_operation(self, serially: bool | None = None) -> Any:
        shared: dict[int, tuple[OperationDefinitionNode, ExecutionResult]] | None = getattr(
            self.root_value, SHARED_RESULTS, None
        )
        if shared is None or not self._shares_results():
            return super().execute_operation(serially)
        operation = self.operation
        known = shared.get(id(operation))
        if known is not None and known[0] is operation:
            return known[1]
        result = super().execute_operation(serially)
        if isinstance(result, ExecutionResult) and not result.errors:
            shared[id(operation)] = (operation, result)
        return result

    def _shares_results(self) -> bool:
        middleware = self.middleware_manager
        if (
            self.hooks is not None
            or self.abort_signal is not None
            or (middleware is not None and middleware._middleware_resolvers)
        ):
            return False
        return shareable_once(self.schema, self.operation, plain_leaf)

    def _plans_of(
        self, parent_type: GraphQLObjectType, grouped_field_set: Any
    ) -> list[Plan | None] | None:
        """Plans of a selection, memoized by its identity like graphql-core's own memo of
        collected subfields (the 50 nodes of a page share one grouped field set)."""
        try:
            memo = self._spine_plans
        except AttributeError:
            memo = self._spine_plans = {}
        key = id(grouped_field_set)
        known = memo.get(key)
        if known is not None and known[0] is grouped_field_set:
            return known[1]
        plans: list[Plan | None] | None = None
        middleware = self.middleware_manager
        if middleware is None or not middleware._middleware_resolvers:
            plans = []
            for field_details_list in grouped_field_set.values():
                node = field_details_list[0].node
                field = self.schema.get_field(parent_type, node.name.value)
                plan = None
                if field is not None and not node.arguments and len(field_details_list) == 1:
                    plan = plain_leaf(field) or node_id(field, parent_type)
                plans.append(plan)
            if not any(plans):
                plans = None
        memo[key] = (grouped_field_set, plans)  # keeps it alive: its id is not reused
        return plans

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: Any,
        position_context: Any,
    ) -> Any:
        plans = self._plans_of(parent_type, grouped_field_set)
        if plans is None:
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        # graphql-core's execute_fields, with plain leaves read directly.
        results: dict[str, Any] = {}
        is_awaitable = self.is_awaitable
        awaitable_fields: list[str] = []
        try:
            for (response_name, field_details_list), plan in zip(
                grouped_field_set.items(), plans, strict=True
            ):
                if plan is not None:
                    value = self._read_plain(plan, source_value)
                    if value is not _SLOW:
                        results[response_name] = value
                        continue
                result = self.execute_field(
                    parent_type,
                    source_value,
                    field_details_list,
                    Path(path, response_name, parent_type.name),
                    position_context,
                )
                if result is not Undefined:
                    results[response_name] = result
                    if is_awaitable(result):
                        awaitable_fields.append(response_name)
        except Exception:
            if awaitable_fields:
                self.settle_in_background([results[field] for field in awaitable_fields])
            raise

        if not awaitable_fields:
            return results

        async def get_results() -> dict[str, Any]:
            if len(awaitable_fields) == 1:
                field = awaitable_fields[0]
                results[field] = await results[field]
            else:
                awaited = await gather_with_cancel(*(results[f] for f in awaitable_fields))
                results.update(zip(awaitable_fields, awaited, strict=True))
            return results

        return get_results()

    def complete_iterable_value(
        self,
        item_type: Any,
        field_details_list: Any,
        info: Any,
        path: Path,
        items: Any,
        position_context: Any,
    ) -> Any:
        if position_context is None and (type(items) is list or type(items) is tuple):
            complete = self._list_completion(item_type, field_details_list, info)
            if complete is not None:
                try:
                    return [complete(item) for item in items]
                except Exception:  # graphql-core's path gives the values, or the errors
                    pass
        return super().complete_iterable_value(
            item_type, field_details_list, info, path, items, position_context
        )

    def _list_completion(self, item_type: Any, field_details_list: Any, info: Any) -> Any:
        """How to complete an item of this list in one pass; None: graphql-core's path.
        Memoized like the plans (a page's 50 document lists share one field group)."""
        try:
            memo = self._spine_lists
        except AttributeError:
            memo = self._spine_lists = {}
        key = (id(item_type), id(field_details_list))
        known = memo.get(key)
        if known is not None and known[0] is item_type and known[1] is field_details_list:
            return known[2]
        complete: Complete | None = None
        middleware = self.middleware_manager
        if (middleware is None or not middleware._middleware_resolvers) and not any(
            details.node.directives for details in field_details_list
        ):
            complete = self._completion_of(item_type, field_details_list, info, 0)
        memo[key] = (item_type, field_details_list, complete)  # keeps them alive
        return complete

    def _completion_of(
        self, type_: Any, field_details_list: Any, info: Any, depth: int
    ) -> Complete | None:
        non_null = isinstance(type_, GraphQLNonNull)
        inner = type_.of_type if non_null else type_
        if depth > 12:
            return None
        if isinstance(inner, GraphQLList):
            item = self._completion_of(inner.of_type, field_details_list, info, depth + 1)
            if item is None:
                return None

            def complete_list(value: Any) -> Any:
                if value is None:
                    if non_null:
                        raise _NotPlain
                    return None
                if type(value) is not list and type(value) is not tuple:
                    raise _NotPlain
                return [item(v) for v in value]

            return complete_list
        if is_leaf_type(inner):
            leaf_plan: Plan = (_identity, "", inner, non_null)
            return self._leaf_completion(leaf_plan)
        if not isinstance(inner, GraphQLObjectType):
            return None
        return self._object_completion(inner, non_null, field_details_list, info, depth)

    def _object_completion(
        self,
        object_type: GraphQLObjectType,
        non_null: bool,
        field_details_list: Any,
        info: Any,
        depth: int,
    ) -> Complete | None:
        is_type_of = object_type.is_type_of
        if is_type_of is not None and not getattr(is_type_of, "__qualname__", "").endswith(
            _STRAWBERRY_IS_TYPE_OF  # strawberry's (isinstance checks): it ignores `info`
        ):
            return None
        grouped_field_set, defer_usages, _ = self.collect_subfields(object_type, field_details_list)
        if defer_usages:
            return None
        readers: list[tuple[str, Complete]] = []
        for response_name, details in grouped_field_set.items():
            reader = self._field_reader(object_type, details, info, depth)
            if reader is None:
                return None
            readers.append((response_name, reader))
        is_awaitable = self.is_awaitable

        def complete_object(value: Any) -> Any:
            if value is None:
                if non_null:
                    raise _NotPlain
                return None
            if isinstance(value, Exception) or is_awaitable(value):
                raise _NotPlain
            if is_type_of is not None and is_type_of(value, info) is not True:
                raise _NotPlain
            return {response_name: read(value) for response_name, read in readers}

        return complete_object

    def _field_reader(
        self, object_type: GraphQLObjectType, details: Any, info: Any, depth: int
    ) -> Complete | None:
        """How one selected field of a plain object is read; None when it is not plain."""
        node = details[0].node
        if len(details) != 1 or node.arguments or node.directives:
            return None
        name = node.name.value
        if name == "__typename":
            return _constant(object_type.name)
        field = object_type.fields.get(name)
        if field is None:
            return None
        plan = plain_leaf(field) or node_id(field, object_type)
        if plan is not None:
            return self._leaf_completion(plan)
        getter = _attribute_getter(field)
        below = self._completion_of(field.type, details, info, depth + 1) if getter else None
        if getter is None or below is None:
            return None
        return _through(getter, below)

    def _leaf_completion(self, plan: Plan) -> Complete:
        read_plain = self._read_plain

        def complete_leaf(source: Any) -> Any:
            value = read_plain(plan, source)
            if value is _SLOW:
                raise _NotPlain
            return value

        return complete_leaf

    def _read_plain(self, plan: Plan, source: Any) -> Any:
        getter, name, leaf, non_null = plan
        try:
            value = getter(source, name)
        except Exception:
            return _SLOW  # graphql-core's path raises it again and locates the error
        if value is None:
            return _SLOW if non_null else None
        # A str, int, bool or float is neither an exception nor awaitable: skip the checks.
        if type(value) not in _PLAIN_PYTHON and (
            isinstance(value, Exception) or self.is_awaitable(value)
        ):
            return _SLOW
        try:
            coerced = leaf.coerce_output_value(value)
        except Exception:
            return _SLOW
        if coerced is None or coerced is Undefined:
            return _SLOW
        return coerced


def _identity(value: Any, _: str) -> Any:
    return value


def _constant(value: Any) -> Complete:
    return lambda _: value


def _through(getter: Callable[[Any], Any], complete: Complete) -> Complete:
    return lambda source: complete(getter(source))
