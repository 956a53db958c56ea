"""The agreed events of client organizations over a span of days: one registry of sources.

The 15-day interactions calendar and the iCalendar feed (`saas.modules.calendar`) show what
every registered source returns for the organizations a person sees. A module adds its
events without the calendar importing it: `register_source(name, source)` in its `policy.py`
(loaded by `saas.core.modules` for every process), where `source(session, org_ids, first,
last)` returns `AgendaEvent`s of those organizations dated from `first` to `last`, both
included, in one statement whatever the number of organizations. The caller has already
scoped `org_ids` to what the viewer sees; a source must not widen them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from saas.core.modules import registered_grants


@dataclass(frozen=True)
class AgendaEvent:
    organization_id: int
    date: date
    kind: str  # tax_due, exchange, report_follow_up, request_deadline...
    uid: str  # stable across reads: the iCalendar UID's local part
    ru: str
    en: str
    note: str = ""

    def title(self, language: str) -> str:
        return self.en if language == "en" else self.ru


Source = Callable[[Any, Sequence[int], date, date], Awaitable[list[AgendaEvent]]]

_SOURCES: dict[str, Source] = {}


def register_source(name: str, source: Source) -> Source:
    _SOURCES[name] = source
    return source


def agenda_sources() -> dict[str, Source]:
    """Every registered source (each module's `policy.py` loaded first)."""
    registered_grants()
    return dict(_SOURCES)


async def agenda(
    session: Any, org_ids: Sequence[int], first: date, last: date
) -> list[AgendaEvent]:
    """Every source's events for `org_ids` from `first` to `last`, by date, then kind."""
    events: list[AgendaEvent] = []
    if not org_ids:
        return events
    for source in agenda_sources().values():
        events.extend(await source(session, org_ids, first, last))
    return sorted(events, key=lambda e: (e.date, e.organization_id, e.kind, e.uid))
