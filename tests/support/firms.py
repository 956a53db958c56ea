"""The suite's firms: the session's two (`firms` fixture in tests/conftest.py, `a` and `b`)
are of this shape."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from zoneinfo import ZoneInfo


@dataclasses.dataclass(frozen=True)
class Firm:
    id: int
    slug: str
    name: str
    host: str


def firm_today() -> date:
    """Today at a firm whose calendar keeps its default zone (Europe/Moscow): from 21:00 UTC it
    is already the next day there, so tests that send dates 'from today' take this one."""
    return datetime.now(ZoneInfo("Europe/Moscow")).date()
