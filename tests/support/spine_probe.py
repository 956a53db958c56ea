"""Probe fields the GraphQL spine tests add to the schema of a second app (never to the real
one): an unexpected exception, a public refusal, a field needing a firm, guarded fields, and
Relay connections over the tenant's audit log, paged by `saas.schema.relay`."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncGenerator, Iterable
from datetime import UTC, datetime
from enum import Enum
from typing import Any

import sqlalchemy as sa
import strawberry
from strawberry import relay

from saas.db.core_models import AuditEntry
from saas.rbac.permissions import requires, requires_login
from saas.schema.context import Info
from saas.schema.errors import PublicError
from saas.schema.execution import UNREAD, pre_read
from saas.schema.relay import Connection, Keyset, paginate


@strawberry.type(description="Probe: an audit log entry.")
class ProbeEntry(relay.Node):
    id: relay.NodeID[int]
    action: str
    at: datetime

    @classmethod
    def of(cls, row: AuditEntry) -> ProbeEntry:
        return cls(id=row.id, action=row.action, at=row.at)

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[ProbeEntry | None]:
        ids = [int(i) for i in node_ids]
        result = await info.context.db.execute(sa.select(AuditEntry).where(AuditEntry.id.in_(ids)))
        found = {row.id: cls.of(row) for row in result.scalars()}
        return [found.get(i) for i in ids]


@strawberry.enum(name="ProbeKind", description="Probe: an enum.")
class ProbeKind(Enum):
    FIRST = "first"
    SECOND = "second"


@strawberry.type(description="Probe: plain leaf fields (the executor's short path) and odd values.")
class ProbeLeaves:
    count: int
    label: str | None
    kind: ProbeKind
    at: datetime
    flag: bool
    # A guarded field without a resolver: its extension must run (never the short path).
    secret: str = strawberry.field(extensions=requires("probe", "read"))


def leaves(odd: bool) -> list[ProbeLeaves | None]:
    good = ProbeLeaves(
        count=7,
        label=None,
        kind=ProbeKind.SECOND,
        at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        flag=True,
        secret="s",
    )
    if not odd:
        return [good]
    # Each odd item is nulled by its own error; the others stay.
    return [
        good,
        dataclasses.replace(good, count=None),  # non-null field holding None
        dataclasses.replace(good, count="x"),  # a value Int refuses
        dataclasses.replace(good, kind="nope"),  # not a member of the enum
        dataclasses.replace(good, label=12),  # String serializes an int
    ]


@strawberry.type(description="Probe: a query type of only the leaves (to compare executors).")
class LeavesOnly:
    @strawberry.field
    def probe_leaves(self, odd: bool = False) -> list[ProbeLeaves | None]:
        return leaves(odd)


@strawberry.type(description="Probe: a Relay node keeping strawberry's own id resolution.")
class ProbeFruit(relay.Node):
    code: relay.NodeID[int]
    name: str


class ProbePear(ProbeFruit):
    """A subclass instance: not the type's own class, so never the executor's short path."""


@strawberry.type(description="Probe: a Relay node resolving its id itself.")
class ProbeCoded(relay.Node):
    code: relay.NodeID[str]

    @classmethod
    def resolve_id(cls, root: ProbeCoded, *, info: Info) -> str:  # type: ignore[override]
        return f"coded-{root.code}"


@strawberry.type(description="Probe: a list holding objects, read with it or by its resolver.")
class ProbeShelf:
    name: str
    read_fruits: strawberry.Private[Any] = UNREAD

    @strawberry.field(graphql_type=list[ProbeFruit], metadata=pre_read("read_fruits"))
    def fruits(self) -> Any:
        if self.read_fruits is not UNREAD:
            return self.read_fruits
        return [ProbeFruit(code=9, name="loaded")]


@strawberry.type(description="Probe: a query type of Relay nodes (to compare executors).")
class NodesOnly:
    @strawberry.field
    def probe_fruits(self) -> list[ProbeFruit | None]:
        return [
            ProbeFruit(code=1, name="apple"),
            ProbePear(code=2, name="pear"),
            ProbeFruit(code=None, name="none"),  # type: ignore[arg-type]  # an error, as before
            ProbeFruit(code="a:b", name="odd"),  # type: ignore[arg-type]  # str() of any value
            ProbeFruit(code=3, name="quince"),
        ]

    @strawberry.field
    def probe_coded(self) -> list[ProbeCoded]:
        return [ProbeCoded(code="7")]

    @strawberry.field
    def probe_shelves(self, read: bool) -> list[ProbeShelf]:
        fruits = [ProbeFruit(code=1, name="apple"), ProbeFruit(code=3, name="quince")]
        return [
            ProbeShelf(name="top", read_fruits=fruits if read else UNREAD),
            ProbeShelf(name="empty", read_fruits=[] if read else UNREAD),
        ]


@strawberry.type
class Query:
    @strawberry.field(description="Probe: leaves; `odd` puts a None and refused values in.")
    def probe_leaves(self, odd: bool = False) -> list[ProbeLeaves | None]:
        return leaves(odd)

    @strawberry.field
    def probe_boom(self) -> str:
        raise RuntimeError("secret detail: password=hunter2")

    @strawberry.field
    def probe_public(self) -> str:
        raise PublicError("You asked for something we refuse, politely.", "PROBE_REFUSED")

    @strawberry.field
    def probe_needs_firm(self, info: Info) -> str:
        return info.context.tenant.slug

    @strawberry.field(extensions=requires("probe", "read"))
    def probe_guarded(self) -> str:
        return "guarded"

    @strawberry.field(extensions=requires_login())
    def probe_login(self) -> str:
        return "logged in"

    @relay.connection(Connection[ProbeEntry])
    def probe_entries(self, info: Info) -> Iterable[ProbeEntry]:
        return Keyset(
            sa.select(AuditEntry).where(AuditEntry.object_type == "probe"),
            key=(AuditEntry.action, AuditEntry.id),
            node=ProbeEntry.of,
        )

    @strawberry.field
    async def probe_newest(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[ProbeEntry]:
        keyset = Keyset(
            sa.select(AuditEntry).where(AuditEntry.object_type == "probe"),
            key=(AuditEntry.at, AuditEntry.id),
            node=ProbeEntry.of,
            descending=True,
        )
        return await paginate(
            info.context.db, keyset, first=first, after=after, last=last, before=before
        )


@strawberry.type
class Subscription:
    @strawberry.subscription
    async def probe_boom_stream(self) -> AsyncGenerator[int, None]:
        yield 1
        raise RuntimeError("secret detail in a stream")
