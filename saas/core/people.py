"""Id kinds of people: `Person` ids are global (shared.people), so a person id is only
resolved through the caller's firm's memberships, never by the number alone.

- `Staff`: an active staff member of the caller's firm (a responsible manager, a moderator,
  an assignee); clients, invitees who have not accepted yet and other firms' people are not.
- `Person`: anyone with a membership of the caller's firm, whatever its kind or status (the
  access log's filter names former members too).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from saas.auth.models import Membership
from saas.core.ids import IdRefused, resolved_by


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
