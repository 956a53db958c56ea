"""The reports feed (`reports`) compiled to one SQL statement that builds the page's JSON.

What the resolver (`graphql.queries.Query.reports`) and the executor would answer, built by
PostgreSQL: the same scoped, filtered statement (`service.feed.filtered_reports`: staff's
organizations, a client user's granted ones), the same keyset order and `after` bound
(`service.feed.feed_statement`'s key, `saas.schema.relay.beyond`), each organization by the
same left join carrying `OrganizationsByIdLoader`'s scope (`service.feed.join_organizations`),
the documents with `downloadable` as `types.may_download` decides (staff always, a client user
once the flow is complete), Relay ids and cursors encoded as the app encodes them
(`saas.schema.compiled`). The viewer's role and search path are the request's tenant
transaction (`ctx.db`), as for the executor.

Supported: `first`/`after` and every filter and order of the feed; on the connection
`edges { cursor node }`, `pageInfo { hasNextPage hasPreviousPage startCursor endCursor }`,
`totalCount`; on a report its columns, `flowComplete`, `overdue`, `form`, `organization`
(plain fields) and `documents`; `__typename` everywhere; aliases; fragments on the object's
own type. Anything else (`last`/`before`, the timeline, follow-ups, people, a directive, a
fragment on an interface, a refused page size or cursor, a viewer without the permission)
raises `Unsupported` and the executor answers. tests/modules/test_reports_compiled.py
compares both paths over HTTP on a corpus of queries and viewers.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

import orjson
import sqlalchemy as sa
from graphql import FieldNode, GraphQLEnumType, GraphQLObjectType, get_named_type
from sqlalchemy.dialects.postgresql import ARRAY, JSON, aggregate_order_by
from sqlalchemy.sql.elements import Label

from saas.core.actor import actor_of
from saas.modules.clients.models import ClientOrganization as OrganizationRow
from saas.modules.reports.catalog import report_forms
from saas.modules.reports.graphql.feed import feed_filter
from saas.modules.reports.models import Report as ReportRow
from saas.modules.reports.models import ReportDocument as DocumentRow
from saas.modules.reports.policy import ReportsReadable
from saas.modules.reports.service.feed import (
    FeedOrder,
    feed_statement,
    filtered_reports,
    join_organizations,
)
from saas.modules.reports.service.flow import COMPLETE_STATUSES, today_of
from saas.schema.compiled import (
    RootField,
    TextCache,
    Unsupported,
    compiled_root,
    cursor,
    enum_name,
    fields_of,
    global_id,
    guarded,
    iso_date,
    iso_datetime,
    json_object,
    object_type,
    statement_text,
)
from saas.schema.errors import PublicError
from saas.schema.relay import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    check_page_arguments,
    decode_cursor,
)

# GraphQL field -> column, per type; the value is shaped by the field's GraphQL type
# (`_leaf`). Fields outside these tables (and the computed ones below) are Unsupported.
REPORT_COLUMNS: dict[str, Any] = {
    "formCode": ReportRow.form_code,
    "periodYear": ReportRow.period_year,
    "periodCode": ReportRow.period_code,
    "periodStart": ReportRow.period_start,
    "authorityCode": ReportRow.authority_code,
    "correction": ReportRow.correction,
    "status": ReportRow.status,
    "statusAt": ReportRow.status_at,
    "beingFixed": ReportRow.being_fixed,
    "followUpDue": ReportRow.follow_up_due,
    "documentCount": sa.func.coalesce(ReportRow.document_count, 0),
    "updatedAt": ReportRow.updated_at,
}
ORGANIZATION_COLUMNS: dict[str, Any] = {
    "name": OrganizationRow.name,
    "legalForm": OrganizationRow.legal_form,
    "inn": OrganizationRow.inn,
    "kpp": OrganizationRow.kpp,
    "ogrn": OrganizationRow.ogrn,
    "taxRegime": OrganizationRow.tax_regime,
    "status": OrganizationRow.status,
    "hasEmployees": OrganizationRow.has_employees,
    "createdAt": OrganizationRow.created_at,
    "updatedAt": OrganizationRow.updated_at,
    "archivedAt": OrganizationRow.archived_at,
}
DOCUMENT_COLUMNS: dict[str, Any] = {
    "kind": DocumentRow.kind,
    "name": DocumentRow.name,
    "size": DocumentRow.size,
    "contentType": DocumentRow.content_type,
    "createdAt": DocumentRow.created_at,
}


def _leaf(column: Any, field_type: Any) -> Any:
    """A column as the executor serializes the field's type."""
    named = get_named_type(field_type)
    if isinstance(named, GraphQLEnumType):
        return enum_name(column, named)
    if named.name == "DateTime":
        return iso_datetime(column)
    if named.name == "Date":
        return iso_date(column)
    if named.name in ("String", "Int", "Boolean", "ID"):
        return column
    raise Unsupported(named.name)


class _Compiler:
    """Builds the JSON expressions of one selection; remembers what the page must join."""

    def __init__(self, root: RootField, staff: bool, today: Any):
        self.schema = root.schema
        self.fragments = root.fragments
        self.variables = root.variables
        self.staff = staff
        self.today = today
        self.joins_organization = False

    def _object(
        self,
        type_name: str,
        node: FieldNode,
        value_of: Callable[[str, FieldNode, Any], Any],
    ) -> Any:
        """json_build_object of a selection on `type_name`; `value_of(name, field, definition)`
        gives each field's SQL (or raises Unsupported)."""
        gql_type: GraphQLObjectType = object_type(self.schema, type_name)
        pairs: list[tuple[str, Any]] = []
        for key, field in fields_of(node.selection_set, type_name, self.fragments, self.variables):
            name = field.name.value
            if name == "__typename":
                pairs.append((key, sa.literal_column(f"'{type_name}'")))
                continue
            definition = gql_type.fields.get(name)
            if definition is None or guarded(definition):
                raise Unsupported(name)
            pairs.append((key, value_of(name, field, definition)))
        return json_object(pairs)

    def report(self, node: FieldNode) -> Any:
        def value(name: str, field: FieldNode, definition: Any) -> Any:
            if name == "id":
                return global_id("Report", ReportRow.id)
            if name == "organizationId":  # a global id (`organization_gid`), not the number
                return global_id("ClientOrganization", ReportRow.organization_id)
            if name in REPORT_COLUMNS:
                return _leaf(REPORT_COLUMNS[name], definition.type)
            if name == "flowComplete":
                return ReportRow.status.in_(sorted(COMPLETE_STATUSES))
            if name == "overdue":
                # types.ReportType.overdue: an open follow-up due before the firm's today.
                return sa.func.coalesce(ReportRow.follow_up_due < self.today, sa.false())
            if name == "organization":
                return self.organization(field)
            if name == "documents":
                return self.documents(field)
            if name == "form":
                return self.form(field)
            raise Unsupported(name)

        return self._object("Report", node, value)

    def organization(self, node: FieldNode) -> Any:
        self.joins_organization = True

        def value(name: str, field: FieldNode, definition: Any) -> Any:
            if name == "id":
                return global_id("ClientOrganization", OrganizationRow.id)
            if name in ORGANIZATION_COLUMNS:
                return _leaf(ORGANIZATION_COLUMNS[name], definition.type)
            raise Unsupported(name)

        built = self._object("ClientOrganization", node, value)
        # Not visible to the viewer (the join's scope): null, as the loader's None.
        return sa.case((OrganizationRow.id.is_(None), sa.null()), else_=built)

    def documents(self, node: FieldNode) -> Any:
        downloadable = sa.true() if self.staff else ReportRow.status.in_(sorted(COMPLETE_STATUSES))

        def value(name: str, field: FieldNode, definition: Any) -> Any:
            if name == "id":
                return global_id("ReportDocument", DocumentRow.id)
            if name in DOCUMENT_COLUMNS:
                return _leaf(DOCUMENT_COLUMNS[name], definition.type)
            if name == "downloadable":
                return downloadable
            raise Unsupported(name)

        item = self._object("ReportDocument", node, value)
        listed = (
            sa.select(sa.func.json_agg(aggregate_order_by(item, DocumentRow.id)))
            .where(DocumentRow.report_id == ReportRow.id)
            .scalar_subquery()
        )
        # As the feed's statement: documents only of rows that count some.
        return sa.func.coalesce(
            sa.case((ReportRow.document_count > 0, listed), else_=sa.null()),
            sa.literal_column("'[]'::json"),
        )

    def form(self, node: FieldNode) -> Any:
        """The catalog entry (`form_of`) from a JSON object of the selected fields per form
        code, computed here and sent as one parameter."""
        gql_type = object_type(self.schema, "ReportForm")
        attributes = {
            "code": "code",
            "nameRu": "ru",
            "nameEn": "en",
            "authority": "authority",
            "periodicity": "periodicity",
        }
        selected = fields_of(node.selection_set, "ReportForm", self.fragments, self.variables)
        catalog: dict[str, dict[str, Any]] = {}
        for code, form in report_forms().items():
            entry: dict[str, Any] = {}
            for key, field in selected:
                name = field.name.value
                if name == "__typename":
                    entry[key] = "ReportForm"
                    continue
                if name not in attributes or guarded(gql_type.fields[name]):
                    raise Unsupported(name)
                raw = getattr(form, attributes[name])
                named = get_named_type(gql_type.fields[name].type)
                if isinstance(named, GraphQLEnumType):
                    raw = next(n for n, v in named.values.items() if v.value == raw)
                entry[key] = raw
            catalog[code] = entry
        forms = sa.cast(sa.literal(orjson.dumps(catalog).decode(), sa.Text), JSON)
        return sa.func.json_extract_path(forms, ReportRow.form_code)


def _cursor_kind(column: Any) -> str:
    """How relay.encode_cursor writes this key column's value: "int", "datetime", "date"."""
    return str(column.type.python_type.__name__)


@dataclass(frozen=True)
class _Shape:
    """What a selection compiles to, whoever asks within its key (see `_shape_of`)."""

    node: FieldNode  # the cached document's node (held: its id() is part of the key)
    key: list[Any]
    edge: Any
    connection: list[tuple[str, str]]
    page_info: list[tuple[str, str]]
    joins_organization: bool


# Building the JSON expressions of a page (~300 SQLAlchemy elements) cost more CPU than the
# executor's whole page; a selection compiles to the same expressions for every viewer with
# the same staff/client side, order, firm's day and boolean variables (what `@skip`/`@include`
# read). Query texts are cached as parsed documents (saas.schema.cache), so the same text
# gives the same node. Bounded like the document cache.
_SHAPES: OrderedDict[tuple[Any, ...], _Shape] = OrderedDict()
MAX_SHAPES = 256


def _shape_of(root: RootField, actor: Any, where: Any, order: FeedOrder, today: Any) -> _Shape:
    coerced = getattr(root.variables, "coerced", None) or {}
    flags = tuple(sorted((k, v) for k, v in coerced.items() if isinstance(v, bool)))
    cache_key = (id(root.node), actor.staff, order, today, flags)
    known = _SHAPES.get(cache_key)
    if known is not None and known.node is root.node:
        _SHAPES.move_to_end(cache_key)
        return known
    shape = _compile_shape(root, actor, where, order, today)
    _SHAPES[cache_key] = shape
    while len(_SHAPES) > MAX_SHAPES:
        _SHAPES.popitem(last=False)
    return shape


def _compile_shape(  # noqa: C901
    root: RootField, actor: Any, where: Any, order: FeedOrder, today: Any
) -> _Shape:
    _, labelled = feed_statement(actor, where, order, with_organization=False, with_documents=False)
    # The rank is a labelled column there; here an expression of the page's row.
    key = [c.element if isinstance(c, Label) else c for c in labelled]
    compiler = _Compiler(root, actor.staff, today)

    # What the connection selects; the page's row carries the edge's JSON.
    edge_pairs: list[tuple[str, Any]] = []
    page_info: list[tuple[str, str]] = []
    connection: list[tuple[str, str]] = []
    row_cursor = cursor([(c, _cursor_kind(c)) for c in key])
    for out_key, field in fields_of(
        root.node.selection_set, "ReportConnection", root.fragments, root.variables
    ):
        name = field.name.value
        if name == "edges":
            for edge_key, edge_field in fields_of(
                field.selection_set, "ReportEdge", root.fragments, root.variables
            ):
                edge_name = edge_field.name.value
                if edge_name == "cursor":
                    edge_pairs.append((edge_key, row_cursor))
                elif edge_name == "node":
                    edge_pairs.append((edge_key, compiler.report(edge_field)))
                elif edge_name == "__typename":
                    edge_pairs.append((edge_key, sa.literal_column("'ReportEdge'")))
                else:
                    raise Unsupported(edge_name)
            connection.append((out_key, "edges"))
        elif name == "pageInfo":
            for info_key, info_field in fields_of(
                field.selection_set, "PageInfo", root.fragments, root.variables
            ):
                page_info.append((info_key, info_field.name.value))
            connection.append((out_key, "pageInfo"))
        elif name in ("totalCount", "__typename"):
            connection.append((out_key, name))
        else:
            raise Unsupported(name)
    return _Shape(
        node=root.node,
        key=key,
        edge=json_object(edge_pairs),
        connection=connection,
        page_info=page_info,
        joins_organization=compiler.joins_organization,
    )


# The page's whole statement as SQL text (`saas.schema.compiled.statement_text`), by all it
# is built from: the selection (the cached document's node, the boolean variables), the
# viewer (the actor: its scope is inside the statement), the order, the filters with the
# firm's day, and whether a cursor bounds the page; the page size and the cursor's values
# are bound per request. Tenant-free: the transaction's role and search_path pick the firm.
_TEXTS = TextCache(512)


def _flags(root: RootField) -> tuple[tuple[str, bool], ...]:
    """The boolean variables (what `@skip`/`@include` read)."""
    coerced = getattr(root.variables, "coerced", None) or {}
    return tuple(sorted((k, v) for k, v in coerced.items() if isinstance(v, bool)))


def _filter_key(where: Any) -> tuple[Any, ...]:
    return tuple(
        tuple(v) if isinstance(v, list) else v
        for v in (getattr(where, f.name) for f in fields(where))
    )


@compiled_root("reports")
async def compiled_feed(ctx: Any, root: RootField) -> str:
    """The page of `reports` as JSON text (see the module's doc)."""
    args = root.arguments
    if args.get("last") is not None or args.get("before") is not None:
        raise Unsupported("backward paging")
    first, after, order = args.get("first"), args.get("after"), args.get("orderBy")
    if order is None:
        raise Unsupported("no order")
    try:
        check_page_arguments(first, None, MAX_PAGE_SIZE)
    except PublicError as exc:
        raise Unsupported("refused page") from exc
    info = _Info(ctx)
    if not await ReportsReadable().has_permission(None, info):
        raise Unsupported("refused: the executor says why")

    actor = actor_of(ctx)
    today = today_of(ctx.tenant)
    where = feed_filter(
        today,
        organization_id=args.get("organizationId"),
        form_code=args.get("formCode"),
        period_from=args.get("periodFrom"),
        period_to=args.get("periodTo"),
        statuses=args.get("statuses"),
        updated_since=args.get("updatedSince"),
        overdue=args.get("overdue"),
    )
    feed_order = FeedOrder(order.value)
    shape = _shape_of(root, actor, where, feed_order, today)
    size = first if first is not None else DEFAULT_PAGE_SIZE
    bound: dict[str, Any] = {"kabinet_size": size, "kabinet_limit": size + 1}
    if after is not None:
        try:
            values = decode_cursor(after, shape.key)
        except PublicError as exc:
            raise Unsupported("refused cursor") from exc
        bound.update({f"kabinet_after_{i}": v for i, v in enumerate(values)})
    key = (id(root.node), actor, feed_order, _filter_key(where), _flags(root), after is not None)
    text = _TEXTS.get(key, root.node)
    if text is None:
        statement = _page_statement(actor, where, shape, bound, after is not None)
        text = statement_text(statement, ctx.services.engine.dialect, root.node)
        _TEXTS.put(key, text)
    return str(await ctx.scalar_text(text.text, text.params(**bound)))


def _page_statement(
    actor: Any, where: Any, shape: _Shape, bound: dict[str, Any], after: bool
) -> Any:
    """The page's statement, the page size and the cursor's values as bind parameters named
    as in `bound` (their values there are this request's)."""
    key, connection, page_info = shape.key, shape.connection, shape.page_info
    size = sa.bindparam("kabinet_size", bound["kabinet_size"], type_=sa.Integer)
    limit = sa.bindparam("kabinet_limit", bound["kabinet_limit"], type_=sa.Integer)

    # The page: size + 1 rows in the keyset's order (one more tells whether there is a next).
    base = filtered_reports(actor, where)
    order_by = [c.desc() for c in key]
    page = base.with_only_columns(
        shape.edge.label("edge"),
        *(c.label(f"k{i}") for i, c in enumerate(key)),
        sa.func.row_number().over(order_by=order_by).label("n"),
    ).select_from(ReportRow)
    if shape.joins_organization:
        page = join_organizations(page, actor)
    if after:
        # relay.beyond's bound (forward on a descending key: the rows below the cursor's).
        values = [
            sa.bindparam(f"kabinet_after_{i}", bound[f"kabinet_after_{i}"], type_=c.type)
            for i, c in enumerate(key)
        ]
        page = page.where(sa.tuple_(*key) < sa.tuple_(*values))
    p = page.order_by(*order_by).limit(limit).subquery("p")

    within = p.c.n <= size
    values_of: dict[str, Any] = {
        "edges": sa.func.coalesce(
            sa.func.json_agg(aggregate_order_by(p.c.edge, p.c.n)).filter(within),
            sa.literal_column("'[]'::json"),
        ),
        "__typename": sa.literal_column("'ReportConnection'"),
    }
    if any(name == "totalCount" for _, name in connection):
        counted = base.with_only_columns(sa.func.count()).select_from(ReportRow).order_by(None)
        values_of["totalCount"] = counted.scalar_subquery()
    if page_info:
        ends = {"startCursor": p.c.n, "endCursor": p.c.n.desc()}
        info_values = {
            "hasNextPage": sa.func.count() > size,
            "hasPreviousPage": sa.literal(after),
            "__typename": sa.literal_column("'PageInfo'"),
        }
        pairs = []
        for info_key, name in page_info:
            if name in ends:
                pairs.append((info_key, _end_cursor(p, key, ends[name], within)))
            elif name in info_values:
                pairs.append((info_key, info_values[name]))
            else:
                raise Unsupported(name)
        values_of["pageInfo"] = json_object(pairs)
    built = json_object([(out_key, values_of[name]) for out_key, name in connection])
    # HAVING makes it one grouped row even when the connection selects no aggregate of the
    # page (only `totalCount` or `__typename`) and the page is empty.
    return sa.select(sa.cast(built, sa.Text)).select_from(p).having(sa.true())


def _end_cursor(p: Any, key: list[Any], order: Any, within: Any) -> Any:
    """The cursor of the page's first or last row (`order`: by its number, ascending or
    descending), from that row's key values: built once, not for every row (two cursors per
    row were a third of the page's time in PostgreSQL). NULL for an empty page (the key's
    last column, the id, is never NULL in a row)."""
    values = [
        sa.type_coerce(
            sa.func.array_agg(aggregate_order_by(p.c[f"k{i}"], order)).filter(within),
            ARRAY(c.type),
        )[1]
        for i, c in enumerate(key)
    ]
    built = cursor([(v, _cursor_kind(c)) for v, c in zip(values, key, strict=True)])
    return sa.case((values[-1].is_(None), sa.null()), else_=built)


class _Info:
    """What a permission class reads of `info` (its context)."""

    def __init__(self, context: Any):
        self.context = context
