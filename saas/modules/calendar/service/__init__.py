"""Domain rules of the calendars. No GraphQL here.

- errors: `CalendarError` (a `ClientsError`: resolvers catch both);
- scope: the organizations whose calendar an actor sees (staff: the core's organization
  filter; a client user: its organizations granting it 'reports');
- exchange: the data-exchange dates the firm sets (staff with `clients:write`);
- agenda: the tax calendar of an organization and the 15-day interactions calendar, its
  events from every source registered in `saas.core.agenda` (this module registers the tax
  due dates and the exchange dates in its `policy.py`);
- feeds: each person's secret iCalendar URL (rotate, resolve) and the .ics text.
"""
