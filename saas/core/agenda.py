"""The agreed events of client organizations over a span of days: one registry of sources.

The 15-day interactions calendar and the iCalendar feed (`saas.modules.calendar`) show what
every registered source returns for the organizations a person sees. A module adds its
events without the calendar importing it: `register_source(name, source)` in its `policy.py`
(loaded by `saas.core.modules` for every process), where `source(session, org_ids, first,
last)` returns `AgendaEvent`s of those organizations dated from `first` to `last`, both
included, in one statement whatever the number of organizations. The caller has already
scoped `org_ids` to what the viewer sees; a source must not widen them.

A source belongs to a client grant (`grant=`: "reports" for the tax dates, "requests" for
the requests' deadlines): a client user's calendar covers the organizations granting it any
source's grant, and each source is given only those granting its own (`agenda(...,
granted=)`); staff (`granted=None`) get every source for every organization they see.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
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
_GRANTS: dict[str, str | None] = {}


def register_source(name: str, source: Source, *, grant: str | None = None) -> Source:
    _SOURCES[name] = source
    _GRANTS[name] = grant
    return source


def agenda_grants() -> frozenset[str]:
    """The client grants whose holders see some source's events."""
    registered_grants()
    return frozenset(g for g in _GRANTS.values() if g is not None)


def agenda_sources() -> dict[str, Source]:
    """Every registered source (each module's `policy.py` loaded first)."""
    registered_grants()
    return dict(_SOURCES)


async def agenda(
    session: Any,
    org_ids: Sequence[int],
    first: date,
    last: date,
    granted: Mapping[int, Collection[str]] | None = None,
) -> list[AgendaEvent]:
    """Every source's events for `org_ids` from `first` to `last`, by date, then kind.
    `granted` (a client user's grants per organization): a source with a grant gets only
    the organizations granting it."""
    events: list[AgendaEvent] = []
    if not org_ids:
        return events
    for name, source in agenda_sources().items():
        grant = _GRANTS.get(name)
        ids = (
            list(org_ids)
            if granted is None or grant is None
            else [o for o in org_ids if grant in granted.get(o, ())]
        )
        if ids:
            events.extend(await source(session, ids, first, last))
    return sorted(events, key=lambda e: (e.date, e.organization_id, e.kind, e.uid))
