"""The viewer's own profile: the display name, which is theirs in every firm
(`updateDisplayName`); a firm's own words for the person are its contact card (the clients
module's `setContactCard`)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from saas.auth.graphql.cabinets import Viewer
from saas.auth.models import Person
from saas.rbac.permissions import requires_login
from saas.schema.context import Info
from saas.schema.errors import LocalizedError, ValidationError, error_result

NAME_MAX = 200

UpdateDisplayNameResult = Annotated[
    Viewer | ValidationError, strawberry.union("UpdateDisplayNameResult")
]


def checked_name(name: str) -> str:
    name = " ".join(name.split())
    if not name or len(name) > NAME_MAX:
        raise LocalizedError(
            "validation",
            "INVALID_DISPLAY_NAME",
            f"Имя: от 1 до {NAME_MAX} символов.",
            f"Name: 1 to {NAME_MAX} characters.",
            "displayName",
        )
    return name


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Change the viewer's own display name (shown in every firm and client "
        "cabinet the person belongs to). ValidationError INVALID_DISPLAY_NAME when empty or "
        "longer than 200 characters.",
        extensions=requires_login(),
    )
    async def update_display_name(self, info: Info, display_name: str) -> UpdateDisplayNameResult:
        ctx = info.context
        try:
            if ctx.principal.person_id is None:  # an API token has no name of its own
                raise LocalizedError(
                    "validation",
                    "NOT_A_PERSON",
                    "Имя меняет только сам человек.",
                    "Only a person changes their own name.",
                )
            name = checked_name(display_name)
        except LocalizedError as exc:
            return error_result(info, exc)  # type: ignore[no-any-return]
        async with ctx.unit_of_work(shared=True) as s:
            person = await s.get(Person, ctx.principal.person_id)
            assert person is not None
            person.display_name = name
        return Viewer.of(person, mfa_pending=ctx.principal.mfa_pending)
