"""Hot read paths compiled to SQL: one statement builds the response's JSON in PostgreSQL.

A module registers a compiler for one root query field (`@compiled_root("reports")`, see
`saas.modules.reports.compiled`). `CompiledReads`, the last schema extension, runs when the
operation is about to execute, so parsing, validation, the request limits (depth, cost,
tokens), the input guard, the actor's scope (`ActorPolicy`), authentication and rate limits
(middleware) have all run. When the document is a single query whose only root field is a
registered one, without directives, the compiler gets the field; it returns the JSON text of
the field's value (built by PostgreSQL, never decoded here) or raises `Unsupported`, and the
normal executor runs the operation as if nothing happened. The text is spliced into the
response with `orjson.Fragment`. A failure of the statement becomes the operation's error,
logged and masked by the error policy like any resolver's.

What compilers share lives here: flattening a selection set (fragments on the object's own
type, repeated leaf fields), and SQL for the values the executor would produce (Relay global
ids, ISO dates and times as Python's `isoformat`, enum names, keyset cursors as
`saas.schema.relay.encode_cursor`). `tests/modules/test_reports_compiled.py` runs a corpus
of queries through both paths and compares the results.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
import sqlalchemy as sa
from graphql import ExecutionResult as GraphQLExecutionResult
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLEnumType,
    GraphQLError,
    GraphQLField,
    GraphQLIncludeDirective,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLSkipDirective,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    is_abstract_type,
    is_composite_type,
)
from graphql.execution.values import (
    get_argument_values,
    get_directive_values,
    get_variable_values,
)
from strawberry.extensions import SchemaExtension

from saas.db.base import TENANT_SCHEMA

log = logging.getLogger(__name__)


class Unsupported(Exception):
    """The compiler does not handle this selection: the normal executor answers."""


@dataclass(frozen=True)
class RootField:
    """The root field a compiler is given: its definition, node, coerced arguments."""

    schema: GraphQLSchema
    definition: GraphQLField
    node: FieldNode
    arguments: dict[str, Any]
    fragments: dict[str, FragmentDefinitionNode]
    # The operation's coerced variables (what `@include`/`@skip` read), as graphql-core has them.
    variables: Any = None

    def flags(self) -> tuple[tuple[str, bool], ...]:
        """The boolean variables (what `@skip`/`@include` read): with the node, what decides
        the selection a compiler sees (a key of what it keeps)."""
        coerced = getattr(self.variables, "coerced", None) or {}
        return tuple(sorted((k, v) for k, v in coerced.items() if isinstance(v, bool)))


Compiler = Callable[[Any, RootField], Awaitable[str]]
_COMPILERS: dict[str, Compiler] = {}

# How many operations each path answered (tests check the compiled path really ran).
SERVED = {"compiled": 0, "fallback": 0}


class Switch:
    """Whether `CompiledReads` answers at all (the process's; `Settings.compiled_reads`
    decides whether it is installed). Tests turn it off to get the executor's answer to the
    same query from the same server."""

    on = True


SWITCH = Switch()


def compiled_root(name: str) -> Callable[[Compiler], Compiler]:
    """Registers `compiler(context, root) -> JSON text` for the root query field `name`."""

    def register(compiler: Compiler) -> Compiler:
        _COMPILERS[name] = compiler
        return compiler

    return register


def _root_of(execution_context: Any) -> tuple[str, Compiler, RootField] | None:
    """The single registered root field of a plain query, or None."""
    document = execution_context.graphql_document
    if document is None or execution_context.result is not None:
        return None
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) != 1:
        return None  # strawberry picks by operationName: leave that to it
    operation = operations[0]
    if operation.operation is not OperationType.QUERY or operation.directives:
        return None
    selections = operation.selection_set.selections
    if len(selections) != 1 or not isinstance(selections[0], FieldNode):
        return None
    node = selections[0]
    compiler = _COMPILERS.get(node.name.value)
    if compiler is None or node.directives:
        return None
    schema: GraphQLSchema = execution_context.schema._schema
    query_type = schema.query_type
    assert query_type is not None
    definition = query_type.fields.get(node.name.value)
    if definition is None:
        return None
    variables = get_variable_values(
        schema, operation.variable_definitions or (), execution_context.variables or {}
    )
    if isinstance(variables, list):
        return None  # the executor reports the variables' errors
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    try:
        arguments = get_argument_values(definition, node, variables)
    except GraphQLError:
        return None
    key = node.alias.value if node.alias else node.name.value
    return key, compiler, RootField(schema, definition, node, arguments, fragments, variables)


class CompiledReads(SchemaExtension):
    """Answers a registered root field with its compiled statement (see the module's doc)."""

    async def on_execute(self) -> AsyncIterator[None]:
        context = self.execution_context
        found = _root_of(context) if SWITCH.on else None
        if found is not None:
            key, compiler, root = found
            try:
                text = await compiler(context.context, root)
            except Unsupported as exc:
                SERVED["fallback"] += 1
                log.debug("compiled %s: the executor answers (%s)", key, exc)
            except Exception as exc:  # the statement failed: the operation's error
                error = GraphQLError(str(exc), path=[key], original_error=exc)
                context.result = GraphQLExecutionResult(data=None, errors=[error])
            else:
                SERVED["compiled"] += 1
                data = {key: orjson.Fragment(text)}
                context.result = GraphQLExecutionResult(data=data, errors=None)
        yield


# ------------------------------------------------------------------ selection sets


def included(
    selection: FieldNode | FragmentSpreadNode | InlineFragmentNode, variables: Any
) -> bool:
    """Whether `@skip`/`@include` keep this selection (graphql-core's rule: skip wins). Any
    other directive, or directives without the operation's variables: Unsupported."""
    if not selection.directives:
        return True
    if variables is None:
        raise Unsupported("directive")
    for directive in selection.directives:
        if directive.name.value not in ("include", "skip"):
            raise Unsupported(f"directive @{directive.name.value}")
    try:
        skip = get_directive_values(GraphQLSkipDirective, selection, variables)
        include = get_directive_values(GraphQLIncludeDirective, selection, variables)
    except GraphQLError as exc:
        raise Unsupported("directive arguments") from exc
    if skip is not None and skip["if"]:
        return False
    return include is None or bool(include["if"])


@dataclass(frozen=True)
class Lookup:
    """A selection on a union (`union`, e.g. `ReportLookup`) for a value known to be of one
    of its members: `others` are the types a fragment may name that the value is not of (the
    union's other members, interfaces it does not implement)."""

    union: str
    others: frozenset[str]


def lookup_of(schema: GraphQLSchema, union: str, type_name: str) -> Lookup:
    """The `Lookup` of a value of `type_name` selected through `union`. A fragment on an
    abstract type the value belongs to (`Node`) is neither: the compiler refuses it."""
    value = object_type(schema, type_name)
    others = frozenset(
        name
        for name, named in schema.type_map.items()
        if is_composite_type(named)
        and name not in (type_name, union)
        and not (is_abstract_type(named) and schema.is_sub_type(named, value))  # type: ignore[arg-type]
    )
    return Lookup(union, others)


def fields_of(
    selection_set: SelectionSetNode | None,
    type_name: str,
    fragments: dict[str, FragmentDefinitionNode],
    variables: Any = None,
    *,
    lookup: Lookup | None = None,
) -> list[tuple[str, FieldNode]]:
    """(response key, field) of a selection set on the object type `type_name`, fragments on
    that type flattened in, selections `@skip`ped or not `@include`d left out (given the
    operation's `variables`). A selection on a union for a value of its member `type_name`
    (a `lookup` that found its object) also flattens fragments on the union and leaves out
    those on types the value is not of. Unsupported: another directive, a fragment on another
    type (an interface), arguments, or one key selected twice with sub-selections (merging
    them is the executor's business)."""
    if selection_set is None:
        raise Unsupported("no selection")
    out: dict[str, FieldNode] = {}

    def walk(selections: SelectionSetNode) -> None:
        for selection in selections.selections:
            if not included(selection, variables):  # type: ignore[arg-type]
                continue
            if isinstance(selection, FieldNode):
                if selection.arguments:
                    raise Unsupported("arguments")
                key = selection.alias.value if selection.alias else selection.name.value
                seen = out.get(key)
                if seen is None:
                    out[key] = selection
                elif seen.selection_set or selection.selection_set:
                    raise Unsupported("a key selected twice with sub-selections")
                continue
            on, inner = _fragment(selection, fragments, type_name)  # type: ignore[arg-type]
            if lookup is not None and on in lookup.others:
                continue  # a type the value is not of (an error of the lookup's union)
            if on != type_name and (lookup is None or on != lookup.union):
                raise Unsupported("fragment on another type")
            walk(inner)

    walk(selection_set)
    return list(out.items())


def _fragment(
    selection: FragmentSpreadNode | InlineFragmentNode,
    fragments: dict[str, FragmentDefinitionNode],
    type_name: str,
) -> tuple[str, SelectionSetNode]:
    """A fragment's type condition (`type_name` when it names none) and selection set."""
    if isinstance(selection, InlineFragmentNode):
        condition, inner = selection.type_condition, selection.selection_set
    else:
        fragment = fragments.get(selection.name.value)
        if fragment is None or fragment.directives:
            raise Unsupported("fragment")
        condition, inner = fragment.type_condition, fragment.selection_set
    return (type_name if condition is None else condition.name.value), inner


def json_object(pairs: Sequence[tuple[str, Any]]) -> Any:
    """json_build_object of (key, SQL expression) pairs, in selection order. Keys are GraphQL
    names or aliases (/[_A-Za-z][_0-9A-Za-z]*/), safe to write as SQL literals."""
    args: list[Any] = []
    for key, value in pairs:
        if not key.replace("_", "a").isalnum():
            raise Unsupported("key")
        args += [sa.literal_column(f"'{key}'"), value]
    return sa.func.json_build_object(*args)


# ------------------------------------------------------------------- SQL of values


def global_id(type_name: str, pk: Any) -> Any:
    """`relay.to_base64(type_name, pk)` in SQL: base64 of "Type:pk" (short enough for
    PostgreSQL's base64 to stay on one line: under 57 bytes)."""
    return sa.func.encode(
        sa.func.convert_to(sa.func.concat(sa.literal_column(f"'{type_name}:'"), pk), "UTF8"),
        sa.literal_column("'base64'"),
    )


def iso_datetime(column: Any) -> Any:
    """A timestamptz as Python's `datetime.isoformat()` of psycopg's value (same session time
    zone): seconds, then microseconds only when not zero, then the offset (+HH:MM). Text is
    joined with concat(): `+` on untyped SQL would not mean `||`; concat() skips NULLs, so a
    NULL is kept NULL (JSON null) explicitly."""
    text = sa.func.concat(
        sa.func.to_char(column, sa.literal_column("'YYYY-MM-DD\"T\"HH24:MI:SS'")),
        sa.case(
            (
                sa.func.date_trunc("second", column) != column,
                sa.func.to_char(column, sa.literal_column("'.US'")),
            ),
            else_=sa.literal_column("''"),
        ),
        sa.func.to_char(column, sa.literal_column("'TZH:TZM'")),
    )
    return sa.case((column.is_(None), sa.null()), else_=text)


def iso_date(column: Any) -> Any:
    """A date as `date.isoformat()` (years 1000-9999)."""
    return sa.func.to_char(column, sa.literal_column("'YYYY-MM-DD'"))


def enum_name(column: Any, enum_type: Any) -> Any:
    """The GraphQL name of a stored enum value (CASE over the schema's enum)."""
    if not isinstance(enum_type, GraphQLEnumType):
        raise Unsupported("not an enum")
    whens: list[Any] = []
    for name, value in enum_type.values.items():
        stored = getattr(value.value, "value", value.value)
        whens.append((column == sa.literal(str(stored)), sa.literal_column(f"'{name}'")))
    return sa.case(*whens, else_=sa.null())


QUOTE: Any = sa.literal_column("'\"'")


def cursor(values: Sequence[tuple[Any, str]]) -> Any:
    """`relay.encode_cursor` in SQL: url-safe base64, unpadded, of orjson's
    ["k1", value, ...]. Each value is (expression, kind): "int", "datetime" or "date"."""
    parts: list[Any] = [sa.literal_column("'[\"k1\"'")]
    for expression, kind in values:
        parts.append(sa.literal_column("','"))
        if kind == "int":
            parts.append(sa.cast(expression, sa.Text))
        elif kind in ("datetime", "date"):
            iso = iso_datetime(expression) if kind == "datetime" else iso_date(expression)
            parts += [QUOTE, iso, QUOTE]
        else:
            raise Unsupported(f"cursor value {kind}")
    parts.append(sa.literal_column("']'"))
    payload = sa.func.concat(*parts)
    encoded = sa.func.encode(sa.func.convert_to(payload, "UTF8"), sa.literal_column("'base64'"))
    # base64 -> url-safe: '+' -> '-', '/' -> '_', line breaks dropped, padding trimmed.
    return sa.func.rtrim(
        sa.func.translate(encoded, sa.literal_column("E'+/\\n'"), sa.literal_column("'-_'")),
        sa.literal_column("'='"),
    )


def guarded(definition: GraphQLField) -> bool:
    """The field carries a field extension (a permission, a grant, a guard of any kind): a
    compiler would skip its check, so such a field is never compiled (Unsupported)."""
    field = (definition.extensions or {}).get("strawberry-definition")
    return bool(getattr(field, "extensions", None))


def object_type(schema: GraphQLSchema, name: str) -> GraphQLObjectType:
    found = schema.type_map[name]
    assert isinstance(found, GraphQLObjectType)
    return found


# ------------------------------------------------------------ statements as SQL text


@dataclass(frozen=True)
class StatementText:
    """A statement compiled once to the driver's SQL text (`statement_text`): the tenant's
    tables unqualified, its values as built, and the converters of the values bound per
    request (`params`)."""

    node: Any  # the cached document's node it was built for (its id() is in the key)
    text: str
    values: dict[str, Any]
    processors: dict[str, Callable[[Any], Any]] = field(default_factory=dict)

    def params(self, **per_request: Any) -> dict[str, Any]:
        """The statement's values with the named ones replaced (as the bound type converts);
        a name the statement does not hold (a page selecting no edges has no page size) is
        left out."""
        out = dict(self.values)
        for name, value in per_request.items():
            if name not in out:
                continue
            process = self.processors.get(name)
            out[name] = process(value) if process is not None and value is not None else value
        return out


_TENANT_PLACEHOLDER = f"__[SCHEMA_{TENANT_SCHEMA}]."


def statement_text(statement: Any, dialect: Any, node: Any) -> StatementText:
    """`statement` as the SQL text and values SQLAlchemy would send (pyformat, IN lists
    expanded). The tenant schema's tables are written unqualified: the request's transaction
    resolves them by its search_path and guards them by its role (saas.db.session), so a text
    names no firm and serves any firm whose viewer builds the same statement."""
    compiled = statement.compile(
        dialect=dialect,
        schema_translate_map={TENANT_SCHEMA: TENANT_SCHEMA},
        compile_kwargs={"render_postcompile": True},
    )
    text = str(compiled).replace(_TENANT_PLACEHOLDER, "")
    if "__[SCHEMA_" in text:
        raise Unsupported("a schema placeholder left in the text")
    # With IN lists expanded into the text (render_postcompile), their state holds the values
    # and converters by the expanded names; without any, the compiled statement's own.
    state = compiled._post_compile_expanded_state
    if state is not None:
        raw, converters = state.parameters, state.processors
    else:
        raw, converters = compiled.construct_params(escape_names=False), compiled._bind_processors
    escaped = compiled.escaped_bind_names
    processors = {escaped.get(k, k): p for k, p in converters.items() if callable(p)}
    values: dict[str, Any] = {}
    for name, value in raw.items():
        key = escaped.get(name, name)
        process = processors.get(key)
        values[key] = process(value) if process is not None and value is not None else value
    return StatementText(node=node, text=text, values=values, processors=processors)


class TextCache:
    """Statement texts by a key holding everything the statement is built from (never the
    firm: texts are tenant-free), least recently used first out. An entry built for another
    document node that reused a freed node's id() is rebuilt."""

    def __init__(self, size: int):
        self.size = size
        self._entries: OrderedDict[Hashable, StatementText] = OrderedDict()

    def get(self, key: Hashable, node: Any) -> StatementText | None:
        entry = self._entries.get(key)
        if entry is None or entry.node is not node:
            return None
        self._entries.move_to_end(key)
        return entry

    def put(self, key: Hashable, entry: StatementText) -> None:
        self._entries[key] = entry
        self._entries.move_to_end(key)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        self._entries.clear()
