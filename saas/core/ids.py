"""Global ids: the one way an incoming id becomes a primary key of the caller's firm.

An id argument is read with `await pk_of(ctx, "Report", value, field="reportId")` (or
`pks_of` for a list, `node_pks` in a `resolve_nodes`), never parsed by hand:

1. it is decoded strictly: base64 of `Type:number`, the type the argument names, the number
   in 1..2^63-1 (a bigint key). `pk_of` answers anything else like an id that does not
   exist (below: nothing has it); a filter of a list (`filter_pk`, in a sync resolver)
   matches nothing for it; `decode` alone raises `InvalidId`, a GraphQL error with code
   `INVALID_ID` and the argument in `extensions.field`;
2. it is resolved inside the caller's firm by the kind's registered home:
   - rows of the tenant schema (`tenant_rows(...)`): only the firm's own schema is reachable
     through `ctx.db`, so the number names the firm's row or nothing; the module's service
     then applies the client scope (`access_*`), answering NOT_FOUND;
   - anything else (people and memberships in the shared schema, organizations a client
     user may see) has a `visible(ctx, pks)` function; a pk it does not return raises
     `IdRefused` (NOT_FOUND, exactly like an id that does not exist, or the kind's own
     refusal), which resolvers catch with their module's errors for the typed result.

A kind that no module registered is a programming error (KeyError), so a new id argument
cannot be read without saying where its rows live.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import strawberry
from strawberry import relay

from saas.schema.errors import LocalizedError, PublicError

MAX_PK = 2**63 - 1
INVALID_ID = "INVALID_ID"

Visible = Callable[[Any, list[int]], Awaitable[set[int]]]


class IdRefused(LocalizedError):
    """A well-formed id that names nothing the caller may use: NOT_FOUND (or the kind's own
    refusal, e.g. NOT_STAFF). Resolvers catch it with their module's errors and return the
    typed result; uncaught, it still reaches the client with its code."""

    @property
    def extensions(self) -> dict[str, Any]:
        return {"code": self.code, **({"field": self.field} if self.field else {})}


class InvalidId(PublicError):
    """A malformed id: not base64 of `Type:number`, another type than the argument names, or
    a number outside 1..2^63-1. Always a GraphQL error with code INVALID_ID (as strawberry's
    own GlobalID arguments answer), never a typed result: no object is meant at all."""

    def __init__(self, field: str | None = None):
        where = f"`{field}`" if field else "this argument"
        details = {"field": field} if field else {}
        super().__init__(f"Not a valid id for {where}.", INVALID_ID, **details)


def invalid_id(field: str | None = None) -> InvalidId:
    return InvalidId(field)


def not_found(field: str | None = None) -> IdRefused:
    return IdRefused(
        "not_found",
        "NOT_FOUND",
        "Объект не найден или недоступен.",
        "No such object, or it is not visible to you.",
        field,
    )


@dataclass(frozen=True)
class Kind:
    """Where the objects an id argument names live: `type_name` is the GraphQL type in the
    id; `visible` (None for rows of the tenant schema) returns the pks the caller may name."""

    name: str
    type_name: str
    visible: Visible | None = None
    refusal: Callable[[str | None], IdRefused] = not_found


_KINDS: dict[str, Kind] = {}


def tenant_rows(*type_names: str) -> None:
    """Declare types whose rows live in the tenant schema (reached only through ctx.db)."""
    for type_name in type_names:
        _KINDS[type_name] = Kind(type_name, type_name)


def resolved_by(
    name: str,
    type_name: str | None = None,
    refusal: Callable[[str | None], IdRefused] = not_found,
) -> Callable[[Visible], Visible]:
    """Register `visible(ctx, pks) -> set of pks the caller may name` for the kind `name`
    (an id of type `type_name`, default `name`); `refusal(field)` is raised for the others
    (NOT_FOUND unless the kind says better)."""

    def register(visible: Visible) -> Visible:
        _KINDS[name] = Kind(name, type_name or name, visible, refusal)
        return visible

    return register


def gid(type_name: str, pk: int) -> strawberry.ID:
    """The global id of a row of `type_name` (base64 of "Type:pk", what `decode` reads)."""
    return strawberry.ID(relay.to_base64(type_name, pk))


def decode_number(node_id: Any) -> int | None:
    """A node id's number (the part after `Type:`), or None unless it is 1..MAX_PK."""
    text = str(node_id)
    if not (text.isascii() and text.isdigit()) or len(text) > 19:
        return None
    number = int(text)
    return number if 1 <= number <= MAX_PK else None


def decode(value: Any, type_name: str, field: str | None = None) -> int:
    """The number of a global id of type `type_name`; INVALID_ID for anything else (a bare
    number is read as that type's number, as the first clients sent)."""
    if isinstance(value, relay.GlobalID):
        found, node_id = value.type_name, value.node_id
    else:
        text = str(value).strip()
        if text.isascii() and text.isdigit():
            found, node_id = type_name, text
        else:
            try:
                raw = base64.b64decode(text, validate=True).decode("utf-8")
            except (binascii.Error, ValueError):
                raise invalid_id(field) from None
            found, _, node_id = raw.partition(":")
    number = decode_number(node_id)
    if found != type_name or number is None:
        raise invalid_id(field)
    return number


NO_ROW = 0  # no table has a row numbered 0: a filter on it matches nothing


def filter_pk(value: Any, type_name: str) -> int:
    """The number of an id that filters a list of the firm's own rows (a sync connection
    resolver): a foreign id matches nothing by itself, and a malformed one matches nothing
    too (NO_ROW), rather than everything."""
    try:
        return decode(value, type_name)
    except InvalidId:
        return NO_ROW


async def pks_of(
    ctx: Any, name: str, values: Iterable[Any], *, field: str | None = None
) -> list[int]:
    """Every id of `values` as a pk of the caller's firm (order kept), or IdRefused."""
    what = _KINDS[name]
    try:
        pks = [decode(v, what.type_name, field) for v in values]
    except InvalidId:
        # An id naming an object answers like a missing one: nothing has it.
        raise what.refusal(field) from None
    if what.visible is not None and pks:
        seen = await what.visible(ctx, sorted(set(pks)))
        if any(pk not in seen for pk in pks):
            raise what.refusal(field)
    return pks


async def pk_of(ctx: Any, name: str, value: Any, *, field: str | None = None) -> int:
    """One id as a pk of the caller's firm, or IdRefused (NOT_FOUND or the kind's own)."""
    return (await pks_of(ctx, name, [value], field=field))[0]


async def optional_pk_of(
    ctx: Any, name: str, value: Any, *, field: str | None = None
) -> int | None:
    """pk_of, with None (an omitted optional argument) passed through."""
    return None if value is None else await pk_of(ctx, name, value, field=field)


def node_pks(node_ids: Sequence[Any]) -> list[int | None]:
    """The numbers of `node`/`nodes` ids strawberry already split by type: None for one out
    of range (the type's resolve_nodes answers null for it, like an unknown id)."""
    return [decode_number(node_id) for node_id in node_ids]


# People live in the shared schema: their kinds resolve through the firm's memberships.
from saas.core import people as _people  # noqa: E402,F401
