"""Id kinds of people: `Person` ids are global (shared.people), so a person id is only
resolved through the caller's firm's memberships, never by the number alone.

- `Staff`: an active staff member of the caller's firm (a responsible manager, a moderator,
  an assignee); clients, invitees who have not accepted yet and other firms' people are not.
- `Person`: anyone with a membership of the caller's firm, whatever its kind or status (the
  access log's filter names former members too).

And how every module shows a person: `PersonCard` (name and e-mail, nothing else), read by
`PeopleByIdLoader` from shared.people through the shared session (the tenant role cannot read
the shared schema, and a cross-schema join would need it), and its GraphQL type
`PersonCardType` (`people_cards(info, ids)` for a list). The card also carries the firm's
own contact card for the person (label, phone, note: on the membership, s0005), read for the
firm of the request only, so another firm's words never show; the note only to staff.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import strawberry
from sqlalchemy import select
from strawberry import relay

from saas.auth.models import Membership, Person
from saas.core.actor import is_firm_staff
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
    label: str = ""
    phone: str = ""
    note: str = ""


class PeopleByIdLoader(ContextLoader):
    """person id -> PersonCard, read from shared.people through the shared session, with the
    request's firm's contact card (the person's membership of that firm: staff first, then the
    first one that has a card), in one statement."""

    async def batch_load(self, keys: list[int]) -> list[PersonCard | None]:
        tenant = getattr(self.ctx, "tenant_or_none", None)
        membership = Membership.tenant_id == (tenant.id if tenant else None)
        rows = await self.ctx.shared.execute(
            select(
                Person.id,
                Person.email,
                Person.display_name,
                Membership.contact_label,
                Membership.contact_phone,
                Membership.contact_note,
            )
            .outerjoin(Membership, (Membership.person_id == Person.id) & membership)
            .where(Person.id.in_(sorted(set(keys))))
            .order_by(Person.id, Membership.kind != "staff", Membership.id)
        )
        found: dict[int, PersonCard] = {}
        for r in rows:
            card = PersonCard(
                r.id,
                r.email,
                r.display_name or "",
                r.contact_label or "",
                r.contact_phone or "",
                r.contact_note or "",
            )
            had = found.get(r.id)
            if had is None or not (had.label or had.phone or had.note):
                found[r.id] = card
        return [found.get(k) for k in keys]


@strawberry.type(
    name="PersonCard", description="A person as shown in a client card: name and e-mail."
)
class PersonCardType:
    pk: strawberry.Private[int]
    email: str
    display_name: str = strawberry.field(
        description="The person's own name (set by them); may be empty until they set it."
    )
    label: str = strawberry.field(
        description="The firm's label for the person (position, role with the client): the "
        "firm's contact card, shown only inside this firm; empty when none."
    )
    phone: str = strawberry.field(
        description="The phone number on the firm's contact card; empty when none."
    )
    note_text: strawberry.Private[str]

    @strawberry.field(description="Global id of the person (type `Person`).")
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(relay.GlobalID("Person", str(self.pk))))

    @strawberry.field(
        description="The firm's internal note on the contact card: staff only (null for a "
        "client user or another caller)."
    )
    def note(self, info: Info) -> str | None:
        ctx = info.context
        if getattr(ctx, "tenant_or_none", None) is None or ctx.principal is None:
            return None
        return self.note_text if is_firm_staff(ctx.principal) else None

    @classmethod
    def of(cls, card: PersonCard) -> PersonCardType:
        return cls(
            pk=card.id,
            email=card.email,
            display_name=card.display_name,
            label=card.label,
            phone=card.phone,
            note_text=card.note,
        )


async def people_cards(info: Info, ids: Iterable[int]) -> list[PersonCardType]:
    cards = await info.context.loader(PeopleByIdLoader).load_many(list(ids))
    return [PersonCardType.of(c) for c in cards if c is not None]
