"""Relay cursor connections over SQLAlchemy queries, by keyset (never OFFSET).

A list is a `Keyset`: a SELECT (already scoped to what the viewer may see), its sort key
ending with a unique column, and how a row becomes a GraphQL node. Pages are cut with a row
comparison, `(sort key, id) > (cursor values)`, which an index on the same columns serves
at any depth of the list, and which stays stable while rows are added.

Either let strawberry add the `first/after/last/before` arguments:

    @relay.connection(Connection[Client], extensions=requires("clients", "read"))
    def clients(self, info: Info) -> Iterable[Client]:
        return Keyset(select(ClientRow), key=(ClientRow.name, ClientRow.id), node=Client.of)

or call `paginate(session, keyset, first=..., after=..., last=..., before=...)` yourself.

Rules: `first`/`last` at most MAX_PAGE_SIZE (a clear error above it), DEFAULT_PAGE_SIZE when
neither is given, not both at once. `totalCount` runs one COUNT query, only when selected.
`hasPreviousPage` when paging forward (and `hasNextPage` backward) only say whether a cursor
was given: the Relay spec allows it and it saves a query per page. Sort key columns must be
NOT NULL (use `func.coalesce(...)` for nullable ones), all in the same direction.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import inspect
import uuid
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Generic

import orjson
import sqlalchemy as sa
import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay
from strawberry.extensions import FieldExtension
from strawberry.relay.fields import ConnectionExtension, NodeExtension

# relay.Connection is generic in this TypeVar: a subclass must reuse it, not a new one.
from strawberry.relay.types import NodeType

from saas.schema.errors import PublicError

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
CURSOR_VERSION = "k1"


PAGE_TOO_LARGE = "PAGE_TOO_LARGE"
BAD_PAGINATION = "BAD_PAGINATION"
INVALID_CURSOR = "INVALID_CURSOR"


def _apply_once(apply: Callable[[Any, Any], None]) -> Callable[[Any, Any], None]:
    def apply_once(extension: Any, field: Any) -> None:
        applied: set[int] = field.__dict__.setdefault("_relay_extensions_applied", set())
        if id(extension) not in applied:
            apply(extension, field)
            applied.add(id(extension))

    return apply_once


# strawberry applies field extensions each time a schema is built, and the relay ones are
# not idempotent: a second build (a second app in one process, the schema contract test)
# fails on `relay.node()` and would duplicate the arguments of `relay.connection()`
# (strawberry issue #3823). Applying each extension once per field makes both reusable.
if not getattr(NodeExtension.apply, "_applies_once", False):
    NodeExtension.apply = _apply_once(NodeExtension.apply)  # type: ignore[method-assign,assignment]
    ConnectionExtension.apply = _apply_once(ConnectionExtension.apply)  # type: ignore[method-assign,assignment]
    NodeExtension.apply._applies_once = True  # type: ignore[attr-defined]


@strawberry.type(
    description="A page of a list: edges with cursors, page info, and the total on request."
)
class Connection(relay.Connection[NodeType]):
    _count: strawberry.Private[Callable[[], Awaitable[int]] | None] = None

    @strawberry.field(
        description="How many items the whole list holds, regardless of paging "
        "(costs one extra query, run only when this field is selected)."
    )
    async def total_count(self) -> int:
        return await self._count() if self._count else len(self.edges)

    @classmethod
    def resolve_connection(  # type: ignore[override]
        cls,
        nodes: Keyset[Any],
        *,
        info: Any,
        before: str | None = None,
        after: str | None = None,
        first: int | None = None,
        last: int | None = None,
        max_results: int | None = None,
        **kwargs: Any,
    ) -> Awaitable[Connection[Any]]:
        """Called by `@relay.connection(Connection[T])` with what the resolver returned."""
        if not isinstance(nodes, Keyset):
            raise TypeError("a Connection field's resolver must return a Keyset")
        session = nodes.session or info.context.db
        return paginate(
            session,
            nodes,
            first=first,
            after=after,
            last=last,
            before=before,
            max_page_size=min(max_results or MAX_PAGE_SIZE, MAX_PAGE_SIZE),
            connection=cls,
        )


@dataclass(frozen=True)
class Keyset(Generic[NodeType]):
    """A list to page through: the statement, its sort key (unique last column), the node."""

    statement: sa.Select[Any]
    key: Sequence[Any]
    node: Callable[[Any], NodeType]
    descending: bool = False
    # The session to run on; None: the request's tenant session (`info.context.db`).
    session: AsyncSession | None = None
    # Rows are one ORM entity each (`select(Model)`: items are instances) or not (items are
    # `Row`s); None: read from the statement's column descriptions (~80 us a page).
    entities: bool | None = None

    def __iter__(self) -> Iterator[NodeType]:
        # Iterable only so `@relay.connection` accepts `-> Iterable[T]` resolvers.
        raise TypeError("a Keyset is paged by Connection.resolve_connection, not iterated")

    def values_of(self, item: Any) -> tuple[Any, ...]:
        return tuple(getattr(item, column.key) for column in self.key)


def _encode_value(value: Any) -> Any:
    if type(value) is int or type(value) is str:  # the usual last column, an id
        return value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    return value


def _decode_value(raw: Any, column: Any) -> Any:
    try:
        python_type = column.type.python_type
    except (AttributeError, NotImplementedError):
        return raw
    if raw is None or isinstance(raw, python_type):
        return raw
    if python_type in (dt.datetime, dt.date, dt.time) and isinstance(raw, str):
        return python_type.fromisoformat(raw)
    if python_type in (Decimal, uuid.UUID, int, float, str):
        return python_type(raw)
    return raw


def encode_cursor(values: Sequence[Any]) -> str:
    payload = orjson.dumps([CURSOR_VERSION, *(_encode_value(v) for v in values)])
    return base64.urlsafe_b64encode(payload).decode().rstrip("=")


def decode_cursor(cursor: str, key: Sequence[Any]) -> tuple[Any, ...]:
    try:
        payload = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(payload, list) or payload[:1] != [CURSOR_VERSION]:
            raise ValueError("not a cursor of this list")
        values = payload[1:]
        if len(values) != len(key):
            raise ValueError("wrong number of values")
        return tuple(_decode_value(raw, column) for raw, column in zip(values, key, strict=True))
    except (ValueError, TypeError, binascii.Error) as exc:
        raise PublicError(
            "The cursor is not valid for this list: use a cursor this list returned.",
            INVALID_CURSOR,
        ) from exc


def beyond(key: Sequence[Any], cursor: str, descending: bool, *, forward: bool) -> Any:
    """The rows further along the list than `cursor` (forward: after it; else before it):
    a row comparison on the sort key, > for an ascending key and < for a descending one."""
    values = decode_cursor(cursor, key)
    bound = sa.tuple_(*(sa.literal(v, c.type) for v, c in zip(values, key, strict=True)))
    row = sa.tuple_(*key)
    return row > bound if forward != descending else row < bound


def check_page_arguments(first: int | None, last: int | None, max_page_size: int) -> None:
    if first is not None and last is not None:
        raise PublicError(
            "Pass either `first` (with `after`) or `last` (with `before`), not both.",
            BAD_PAGINATION,
        )
    for name, value in (("first", first), ("last", last)):
        if value is None:
            continue
        if value < 0:
            raise PublicError(f"`{name}` cannot be negative.", BAD_PAGINATION)
        if value > max_page_size:
            raise PublicError(
                f"`{name}` is {value}, above the maximum page size of {max_page_size}: "
                f"ask for at most {max_page_size} items and page on with the cursors.",
                PAGE_TOO_LARGE,
                limit=max_page_size,
            )


async def paginate(
    session: AsyncSession,
    keyset: Keyset[NodeType],
    *,
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
    max_page_size: int = MAX_PAGE_SIZE,
    connection: type[Connection[Any]] = Connection,
) -> Connection[NodeType]:
    """One page of the keyset as a Relay connection."""
    check_page_arguments(first, last, max_page_size)
    key = list(keyset.key)
    statement = keyset.statement
    if after is not None:
        statement = statement.where(beyond(key, after, keyset.descending, forward=True))
    if before is not None:
        statement = statement.where(beyond(key, before, keyset.descending, forward=False))

    backward = last is not None
    size = last if backward else (first if first is not None else DEFAULT_PAGE_SIZE)
    assert size is not None
    ascending = keyset.descending == backward
    order = [c.asc() if ascending else c.desc() for c in key]
    statement = statement.order_by(None).order_by(*order).limit(size + 1)

    result = await session.execute(statement)
    entity = keyset.entities
    if entity is None:
        described = statement.column_descriptions
        entity = len(described) == 1 and described[0].get("entity") is described[0].get("expr")
    items = list(result.scalars() if entity else result)
    has_more = len(items) > size
    items = items[:size]
    if backward:
        items.reverse()

    edges = [
        relay.Edge(cursor=encode_cursor(keyset.values_of(item)), node=keyset.node(item))
        for item in items
    ]
    page_info = relay.PageInfo(
        has_next_page=has_more if not backward else before is not None,
        has_previous_page=has_more if backward else after is not None,
        start_cursor=edges[0].cursor if edges else None,
        end_cursor=edges[-1].cursor if edges else None,
    )

    async def count() -> int:
        counted = sa.select(sa.func.count()).select_from(keyset.statement.order_by(None).subquery())
        return int(await session.scalar(counted) or 0)

    return connection(page_info=page_info, edges=edges, _count=count)  # type: ignore[call-arg]


class MaxIds(FieldExtension):
    """Refuses `nodes(ids:)` with more ids than a page may hold."""

    def __init__(self, limit: int = MAX_PAGE_SIZE):
        self.limit = limit

    def _check(self, kwargs: dict[str, Any]) -> None:
        ids = kwargs.get("ids") or ()
        if len(ids) > self.limit:
            raise PublicError(
                f"`ids` holds {len(ids)} ids; at most {self.limit} may be fetched at once.",
                PAGE_TOO_LARGE,
                limit=self.limit,
            )

    def resolve(self, next_: Callable[..., Any], source: Any, info: Any, **kwargs: Any) -> Any:
        self._check(kwargs)
        return next_(source, info, **kwargs)

    async def resolve_async(
        self, next_: Callable[..., Any], source: Any, info: Any, **kwargs: Any
    ) -> Any:
        self._check(kwargs)
        result = next_(source, info, **kwargs)
        return await result if inspect.isawaitable(result) else result
