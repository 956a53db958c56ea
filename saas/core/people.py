"""Id kinds of people: `Person` ids are global (shared.people), so a person id is only
resolved through the caller's firm's memberships, never by the number alone.

- `Staff`: an active staff member of the caller's firm (a responsible manager, a moderator,
  an assignee); clients, invitees who have not accepted yet and other firms' people are not.
- `Person`: anyone with a membership of the caller's firm, whatever its kind or status (the
  access log's filter names former members too).

And how every module shows a person: `PersonCard` (name and e-mail, nothing else), read by
`PeopleByIdLoader` from shared.people through the shared session (the tenant role cannot read
the shared schema, and a cross-schema join would need it), and its GraphQL type
`PersonCardType` (`people_cards(info, ids)` for a list).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import strawberry
from sqlalchemy import select
from strawberry import relay

from saas.auth.models import Membership, Person
from saas.core.ids import IdRefused, resolved_by
from saas.core.loaders import ContextLoader
from saas.schema.context import Info


def not_staff(field: str | None) -> IdRefused:
    # The same answer for another firm's person, a client, an invitee and no one at all.
    return IdRefused(
        "validation",
        "NOT_STAFF",
        "Ответственным или модератором может быть только сотрудник фирмы.",
        "Only active staff of the firm can be the responsible manager or a moderator.",
        field,
    )


@resolved_by("Staff", "Person", not_staff)
async def active_staff(ctx: Any, pks: list[int]) -> set[int]:
    rows = await ctx.shared.execute(
        select(Membership.person_id).where(
            Membership.tenant_id == ctx.tenant.id,
            Membership.kind == "staff",
            Membership.status == "active",
            Membership.person_id.in_(pks),
        )
    )
    return set(rows.scalars())


@resolved_by("Person")
async def people_of_firm(ctx: Any, pks: list[int]) -> set[int]:
    rows = await ctx.shared.execute(
        select(Membership.person_id).where(
            Membership.tenant_id == ctx.tenant.id, Membership.person_id.in_(pks)
        )
    )
    return set(rows.scalars())


@dataclass(frozen=True)
class PersonCard:
    """What the firm and its clients see of a person: no credentials, no other cabinets."""

    id: int
    email: str
    display_name: str


class PeopleByIdLoader(ContextLoader):
    """person id -> PersonCard, read from shared.people through the shared session."""

    async def batch_load(self, keys: list[int]) -> list[PersonCard | None]:
        rows = await self.ctx.shared.execute(
            select(Person.id, Person.email, Person.display_name).where(
                Person.id.in_(sorted(set(keys)))
            )
        )
        found = {r.id: PersonCard(r.id, r.email, r.display_name or "") for r in rows}
        return [found.get(k) for k in keys]


@strawberry.type(
    name="PersonCard", description="A person as shown in a client card: name and e-mail."
)
class PersonCardType:
    pk: strawberry.Private[int]
    email: str
    display_name: str = strawberry.field(description="May be empty until the person sets it.")

    @strawberry.field(description="Global id of the person (type `Person`).")
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(relay.GlobalID("Person", str(self.pk))))

    @classmethod
    def of(cls, card: PersonCard) -> PersonCardType:
        return cls(pk=card.id, email=card.email, display_name=card.display_name)


async def people_cards(info: Info, ids: Iterable[int]) -> list[PersonCardType]:
    cards = await info.context.loader(PeopleByIdLoader).load_many(list(ids))
    return [PersonCardType.of(c) for c in cards if c is not None]
