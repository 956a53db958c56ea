"""The list arguments the performers' lists share: an optional filter id (`organizationId`,
`forPerformerId`) and the `after` cursor (the previous page's last id). Both narrow rows the
service already scopes, so they are decoded (saas.core.ids.decode: INVALID_ID for a
malformed one), not resolved: a foreign id matches nothing by itself."""

from __future__ import annotations

from typing import Annotated

import strawberry

from saas.core.ids import decode

# The `after` argument of a list paged by id, newest first.
AfterCursor = Annotated[
    str | None,
    strawberry.argument(description="The previous page's cursor: its last item's id."),
]


def optional_id(value: str | None, type_name: str) -> int | None:
    """The number of an optional filter id of `type_name`; None when it is omitted."""
    return None if value is None else decode(value, type_name)


def after_id(after: str | None, type_name: str) -> int | None:
    """The number of an `after` cursor (the last `type_name` id of the previous page); None
    for the first page (omitted or empty)."""
    return decode(after, type_name) if after else None
