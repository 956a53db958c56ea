"""Who may do what with the calendars, and the events this module adds to the agenda.

- Reading (tax calendar, interactions calendar): staff with `clients:read` see the
  organizations the core's `organization_filter` gives them (assigned, or the whole firm with
  `clients:read_all`); a client user (`client_cabinet:read`) its organizations granting it
  'reports'. No permission of its own: the calendar shows what those already show.
- Data-exchange dates: staff with `clients:write` who see the organization.
- The iCalendar feed: any person for themselves (its events are what they read above).

The agenda's sources (`saas.core.agenda`) registered here: the tax due dates, the
data-exchange dates and the reports' follow-up deadlines. The service requests add theirs
from their own `policy.py` with `register_source("requests", ..., grant="requests")`: a
client sees in the interactions calendar and the feed the organizations granting it
'reports' or 'requests', each source's events only where its own grant is held.
"""

from __future__ import annotations

from typing import Any

from saas.core.agenda import register_source
from saas.modules.calendar.service.agenda import (
    exchange_events,
    report_follow_up_events,
    tax_due_events,
)
from saas.rbac.permissions import requires, requires_any

CALENDAR_PERMISSIONS = (("clients", "read"), ("clients", "write"), ("client_cabinet", "read"))

register_source("tax_due", tax_due_events, grant="reports")
register_source("exchange", exchange_events, grant="reports")
register_source("report_follow_up", report_follow_up_events, grant="reports")


def reads_calendar() -> list[Any]:
    return requires_any(("clients", "read"), ("client_cabinet", "read"))


def writes_exchange_dates() -> list[Any]:
    return requires("clients", "write")
