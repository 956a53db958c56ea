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
`totalCount`; on a report what `compiled_fields.ReportJson` builds (its columns,
`flowComplete`, `overdue`, `form`, `organization`, `documents`, `timeline`); `__typename`
everywhere; aliases; fragments on the object's own type. Anything else (`last`/`before`,
follow-ups, people, a directive, a
fragment on an interface, a refused page size or cursor, a viewer without the permission)
raises `Unsupported` and the executor answers. tests/modules/test_reports_compiled.py
compares both paths over HTTP on a corpus of queries and viewers.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, fields
from typing import Any

import sqlalchemy as sa
from graphql import FieldNode
from sqlalchemy.dialects.postgresql import ARRAY, aggregate_order_by
from sqlalchemy.sql.elements import Label

from saas.core.actor import actor_of
from saas.modules.reports.graphql.compiled_fields import EMPTY_LIST, ReportJson, may_read_reports
from saas.modules.reports.graphql.feed import feed_filter
from saas.modules.reports.models import Report as ReportRow
from saas.modules.reports.service.feed import (
    FeedOrder,
    feed_statement,
    filtered_reports,
    join_organizations,
)
from saas.modules.reports.service.flow import today_of
from saas.schema.compiled import (
    RootField,
    TextCache,
    Unsupported,
    compiled_root,
    cursor,
    fields_of,
    json_object,
    statement_text,
)
from saas.schema.errors import PublicError
from saas.schema.relay import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    check_page_arguments,
    decode_cursor,
)


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
    cache_key = (id(root.node), actor.staff, order, today, root.flags())
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
    compiler = ReportJson(root, actor.staff, today)

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
# firm's day, the page size and whether a cursor bounds the page; the cursor's values are
# bound per request. Tenant-free: the transaction's role and search_path pick the firm.
#
# The page size is written into the text (a literal, never a parameter): with LIMIT a
# parameter PostgreSQL costs the prepared statement's generic plan for an unknown limit
# (10% of the rows), above its custom plans, and so planned the page afresh on every request
# (~0.3 ms, a fifth of the page's time in PostgreSQL); with the limit known, the generic plan
# costs what a custom one does and is kept. Where a filter is selective the planner still
# keeps custom plans: that choice stays its own.
_TEXTS = TextCache(512)


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
    if not await may_read_reports(ctx, root):
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
    size = int(first if first is not None else DEFAULT_PAGE_SIZE)
    bound: dict[str, Any] = {}
    if after is not None:
        try:
            values = decode_cursor(after, shape.key)
        except PublicError as exc:
            raise Unsupported("refused cursor") from exc
        bound.update({f"kabinet_after_{i}": v for i, v in enumerate(values)})
    filters = _filter_key(where)
    key = (id(root.node), actor, feed_order, filters, root.flags(), size, after is not None)
    text = _TEXTS.get(key, root.node)
    if text is None:
        statement = _page_statement(actor, where, shape, size, bound)
        text = statement_text(statement, ctx.services.engine.dialect, root.node)
        _TEXTS.put(key, text)
    return str(await ctx.scalar_text(text.text, text.params(**bound)))


def _page_statement(actor: Any, where: Any, shape: _Shape, size: int, bound: dict[str, Any]) -> Any:
    """The page's statement of `size` rows (written as a literal), the cursor's values as
    bind parameters named as in `bound` (their values there are this request's; none: the
    first page)."""
    key, connection, page_info = shape.key, shape.connection, shape.page_info
    after = bool(bound)
    rows = sa.literal_column(str(int(size)), sa.Integer)
    limit = sa.literal_column(str(int(size) + 1), sa.Integer)

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

    within = p.c.n <= rows
    values_of: dict[str, Any] = {
        "edges": sa.func.coalesce(
            sa.func.json_agg(aggregate_order_by(p.c.edge, p.c.n)).filter(within),
            EMPTY_LIST,
        ),
        "__typename": sa.literal_column("'ReportConnection'"),
    }
    if any(name == "totalCount" for _, name in connection):
        counted = base.with_only_columns(sa.func.count()).select_from(ReportRow).order_by(None)
        values_of["totalCount"] = counted.scalar_subquery()
    if page_info:
        ends = {"startCursor": p.c.n, "endCursor": p.c.n.desc()}
        info_values = {
            "hasNextPage": sa.func.count() > rows,
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
