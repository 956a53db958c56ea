"""One business-day calendar for every module: never add calendar days for a deadline.

- `national`: Russia's production calendar (public holidays, moved days off and working
  days, pre-holiday days) from the `holidays` package;
- `business`: `BusinessCalendar`, the firm's business-day and business-hour arithmetic in
  its time zone (`add_business_days`, `business_days_between`, `add_business_hours`,
  `local_date`, `today`);
- `firm`: the firm's own settings (time zone, days off) and `calendar_of(tenant)` /
  `calendar_of_session(session)`, how a module gets the firm's calendar.

The change of the settings is `saas.tenants.calendar`, the GraphQL (`businessCalendar(from,
to)`, `firmCalendar`, `updateFirmCalendar`) `saas.tenants.calendar_graphql`: the core
imports no `saas.tenants`.
"""
