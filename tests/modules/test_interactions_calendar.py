"""The calendars over GraphQL and the iCalendar feed (issue 14): an organization's tax
calendar (a client sees only its own), the firm's data-exchange dates in the 15-day
interactions calendar, a person's secret .ics URL (parsed back with `icalendar`), its
rotation, and the feed bound to its firm's host."""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import sqlalchemy as sa
from icalendar import Calendar

from tests.support.announcements import announced
from tests.support.documents import World, drive_world, make_contact, make_org, schema_of
from tests.support.firms import firm_today
from tests.support.ids import gid

ERR = "... on Error { code message } ... on ValidationError { field }"
QERR = "... on Error { code message }"
TAX = f"""query($org: ID!, $year: Int) {{ taxCalendar(organizationId: $org, year: $year) {{
  __typename ... on TaxCalendar {{ organizationId year entries {{ formCode formName periodYear
  periodCode periodLabel nominalDate dueDate shifted state reportId }} }} {ERR} }} }}"""
AGENDA = f"""query($org: ID, $from: Date, $days: Int! = 15) {{
  interactionsCalendar(organizationId: $org, from: $from, days: $days) {{ __typename
  ... on InteractionsCalendar {{ from to events {{ organizationId organizationName date kind
  title note uid }} }} {ERR} }} }}"""
CREATE = f"""mutation($org: ID!, $input: CalendarExchangeDateInput!) {{
  createCalendarExchangeDate(organizationId: $org, input: $input) {{ __typename
  ... on CalendarExchangeDate {{ id organizationId date title note }} {ERR} }} }}"""
UPDATE = f"""mutation($id: ID!, $input: CalendarExchangeDateInput!) {{
  updateCalendarExchangeDate(id: $id, input: $input) {{ __typename
  ... on CalendarExchangeDate {{ id date title note }} {ERR} }} }}"""
DELETE = f"""mutation($id: ID!) {{ deleteCalendarExchangeDate(id: $id) {{ __typename
  ... on CalendarExchangeDateDeleted {{ deletedId }} {QERR} }} }}"""
ROTATE = f"""mutation {{ rotateCalendarFeed {{ __typename
  ... on CalendarFeedRotated {{ url rotatedAt }} {QERR} }} }}"""
FEED = "{ calendarFeed { active rotatedAt } }"
UPDATE_ORG = f"""mutation($input: UpdateClientOrganizationInput!) {{
  updateClientOrganization(input: $input) {{ __typename
  ... on ClientOrganization {{ id taxRegime hasEmployees isEmployer }} {ERR} }} }}"""


@pytest.fixture(scope="module")
def world(db_engine, firms) -> Iterator[World]:  # type: ignore[no-untyped-def]
    yield from drive_world(db_engine, firms)


@pytest.fixture(scope="module")
def reporter_x(db_engine, firms, world: World) -> int:  # type: ignore[no-untyped-def]
    """A contact of organization X holding the 'reports' grant."""
    return make_contact(db_engine, firms["a"], world.org_x, ["reports"], "Бухгалтер клиента")


def org(pk: int) -> str:
    return gid("ClientOrganization", pk)


def today() -> date:
    return firm_today()


def ics(c: Any, url: str, host: str | None = None) -> httpx.Response:
    parts = urlsplit(url)
    path = f"{parts.path}?{parts.query}" if parts.query else parts.path
    return c.http.get(path, headers={"host": host or c.host})


def test_a_client_sees_its_organizations_tax_calendar_and_no_other(
    login: Any, firms: Any, world: World, reporter_x: int
) -> None:
    a = firms["a"]
    client = login(a, reporter_x)
    found = client.execute(TAX, {"org": org(world.org_x), "year": 2026})["taxCalendar"]
    assert found["__typename"] == "TaxCalendar", found
    entries = {(e["formCode"], e["periodYear"], e["periodCode"]): e for e in found["entries"]}
    vat = entries[("vat", 2025, "Q4")]  # the organization is an LLC on ОСНО
    assert (vat["nominalDate"], vat["dueDate"], vat["shifted"]) == (
        "2026-01-25",
        "2026-01-26",
        True,
    )
    assert vat["state"] == "PLANNED" and vat["reportId"] is None
    assert vat["formName"] == "Декларация по НДС"
    assert ("usn", 2025, "Y") not in entries
    # Another organization of the firm, a contact without the 'reports' grant, another firm.
    for who, target in (
        (reporter_x, world.org_y),
        (world.reader_x, world.org_x),
    ):
        refused = login(a, who).execute(TAX, {"org": org(target), "year": 2026})
        assert refused["taxCalendar"]["__typename"] == "NotFoundError", refused
    foreign = login(firms["b"], world.admin_b).execute(TAX, {"org": org(world.org_x)})
    assert foreign["taxCalendar"]["__typename"] == "NotFoundError"
    unknown = client.execute(TAX, {"org": org(world.org_x), "year": 2031})["taxCalendar"]
    assert (unknown["__typename"], unknown["code"], unknown["field"]) == (
        "ValidationError",
        "UNKNOWN_YEAR",
        "year",
    )


def test_the_regime_and_employer_status_decide_the_filings(
    login: Any, firms: Any, world: World
) -> None:
    """The firm states the employer status through the clients module's
    `updateClientOrganization(input: {hasEmployees})`; the tax calendar follows."""
    manager = login(firms["a"], world.manager_a)

    def update(**changes: Any) -> dict[str, Any]:
        found = manager.execute(UPDATE_ORG, {"input": {"id": org(world.org_y), **changes}})[
            "updateClientOrganization"
        ]
        assert found["__typename"] == "ClientOrganization", found
        return found

    def forms() -> set[str]:
        found = manager.execute(TAX, {"org": org(world.org_y), "year": 2026})["taxCalendar"]
        return {e["formCode"] for e in found["entries"]}

    assert update(taxRegime="USN_INCOME", hasEmployees=False)["isEmployer"] is False
    assert forms() == {"usn", "bfo", "ens_notice"}
    found = manager.execute(TAX, {"org": org(world.org_y), "year": 2026})["taxCalendar"]
    usn = next(e for e in found["entries"] if e["formCode"] == "usn")
    assert (usn["dueDate"], usn["shifted"]) == ("2026-03-25", False)
    stated = update(hasEmployees=True)
    assert (stated["hasEmployees"], stated["isEmployer"]) == (True, True)
    assert {"6ndfl", "rsv", "pers_sved", "usn"} <= forms()
    cleared = update(hasEmployees=None, taxRegime="OSNO")  # an LLC: an employer again
    assert (cleared["hasEmployees"], cleared["isEmployer"]) == (None, True)
    assert "vat" in forms() and "usn" not in forms()


def test_exchange_dates_show_in_the_15_day_calendar_and_only_staff_with_write_set_them(
    login: Any, firms: Any, world: World, reporter_x: int
) -> None:
    a = firms["a"]
    manager, client = login(a, world.manager_a), login(a, reporter_x)
    day = today() + timedelta(days=3)
    made = manager.execute(
        CREATE,
        {
            "org": org(world.org_x),
            "input": {"date": day.isoformat(), "title": "Выписки банка", "note": "за ноябрь"},
        },
    )["createCalendarExchangeDate"]
    assert made["__typename"] == "CalendarExchangeDate", made
    events = client.execute(AGENDA, {"org": org(world.org_x)})["interactionsCalendar"]
    assert events["from"] == today().isoformat()
    assert events["to"] == (today() + timedelta(days=14)).isoformat()
    mine = [e for e in events["events"] if e["kind"] == "EXCHANGE"]
    assert [(e["date"], e["title"], e["note"]) for e in mine] == [
        (day.isoformat(), "Обмен данными: Выписки банка", "за ноябрь")
    ]
    # The client's calendar without an organization: only its own organization's events.
    everything = client.execute(AGENDA)["interactionsCalendar"]["events"]
    assert {e["organizationId"] for e in everything} == {org(world.org_x)}
    # Outside the 15 days it is not shown; filing due dates are (a January window).
    january = client.execute(AGENDA, {"org": org(world.org_x), "from": "2026-01-20"})
    kinds = {(e["kind"], e["date"]) for e in january["interactionsCalendar"]["events"]}
    assert ("TAX_DUE", "2026-01-26") in kinds
    assert not any(k == "EXCHANGE" for k, _ in kinds)

    # A client cannot set one; a staff member of another firm cannot touch it.
    refused = client.raw(
        CREATE, {"org": org(world.org_x), "input": {"date": day.isoformat(), "title": "x"}}
    )
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    foreign = login(firms["b"], world.admin_b).execute(DELETE, {"id": made["id"]})[
        "deleteCalendarExchangeDate"
    ]
    assert foreign["__typename"] == "NotFoundError"
    empty = manager.execute(
        UPDATE, {"id": made["id"], "input": {"date": day.isoformat(), "title": "  "}}
    )["updateCalendarExchangeDate"]
    assert (empty["__typename"], empty["field"]) == ("ValidationError", "title")
    moved = manager.execute(
        UPDATE,
        {
            "id": made["id"],
            "input": {"date": (day + timedelta(days=1)).isoformat(), "title": "Акты"},
        },
    )["updateCalendarExchangeDate"]
    assert (moved["date"], moved["title"], moved["note"]) == (
        (day + timedelta(days=1)).isoformat(),
        "Акты",
        None,
    )
    gone = manager.execute(DELETE, {"id": made["id"]})["deleteCalendarExchangeDate"]
    assert gone["deletedId"] == made["id"]
    after = client.execute(AGENDA, {"org": org(world.org_x)})["interactionsCalendar"]["events"]
    assert not [e for e in after if e["kind"] == "EXCHANGE"]


def test_the_ical_feed_parses_back_and_rotation_kills_the_old_url(
    login: Any, firms: Any, world: World, reporter_x: int, caplog: pytest.LogCaptureFixture
) -> None:
    a, b = firms["a"], firms["b"]
    manager, client = login(a, world.manager_a), login(a, reporter_x)
    day = today() + timedelta(days=5)
    manager.execute(
        CREATE, {"org": org(world.org_y), "input": {"date": day.isoformat(), "title": "Кадры"}}
    )
    manager.execute(
        CREATE, {"org": org(world.org_x), "input": {"date": day.isoformat(), "title": "Касса"}}
    )
    assert client.execute(FEED)["calendarFeed"] == {"active": False, "rotatedAt": None}
    first = client.execute(ROTATE)["rotateCalendarFeed"]
    assert first["__typename"] == "CalendarFeedRotated", first
    assert urlsplit(first["url"]).path.startswith("/calendar/")
    assert client.execute(FEED)["calendarFeed"]["active"] is True

    secret = urlsplit(first["url"]).path.split("/")[-1].removesuffix(".ics")
    with caplog.at_level(logging.INFO):
        response = ics(client, first["url"])
    assert response.status_code == 200, response.text
    # The access log names the route, never the secret in the path (uvicorn's own access
    # log is off in production: saas.logs).
    lines = [r.getMessage() for r in caplog.records if r.name == "saas.access"]
    assert lines and not any(secret in line for line in lines), lines
    assert response.headers["content-type"].startswith("text/calendar")
    cal = Calendar.from_ical(response.content)
    events = {str(e["uid"]): e for e in cal.walk("VEVENT")}
    summaries = [str(e["summary"]) for e in events.values()]
    # The client's organization only: X's exchange date, not Y's.
    assert any("Касса" in s and "Икс" in s for s in summaries), summaries
    assert not any("Кадры" in s for s in summaries)
    exchange = next(e for e in events.values() if "Касса" in str(e["summary"]))
    assert exchange.decoded("dtstart") == day
    assert any(str(uid).startswith("tax-") for uid in events)  # a month back, 3 ahead

    # The manager sees both organizations in their own feed.
    staff_url = manager.execute(ROTATE)["rotateCalendarFeed"]["url"]
    staff_cal = Calendar.from_ical(ics(manager, staff_url).content)
    staff_summaries = [str(e["summary"]) for e in staff_cal.walk("VEVENT")]
    assert any("Кадры" in s for s in staff_summaries) and any("Касса" in s for s in staff_summaries)
    english = Calendar.from_ical(ics(manager, staff_url + "?lang=en").content)
    assert any(str(e["summary"]).startswith("Data exchange: ") for e in english.walk("VEVENT"))

    # Firm B's host does not serve firm A's feed.
    assert ics(client, first["url"], host=b.host).status_code == 404

    second = client.execute(ROTATE)["rotateCalendarFeed"]
    assert second["url"] != first["url"]
    assert ics(client, first["url"]).status_code == 404
    assert ics(client, second["url"]).status_code == 200
    assert ics(client, "/calendar/not-a-token.ics").status_code == 404


def test_the_calendar_of_every_organization_costs_the_same_statements_however_many(
    login: Any, firms: Any, world: World, db_engine: sa.Engine, live_server: Any
) -> None:
    """No N+1: the firm admin's interactions calendar over every organization of the firm
    reads each source once, whatever the number of organizations and events."""
    a = firms["a"]
    admin = login(a, world.admin_a)
    engine = live_server.app.state.services.engine.sync_engine
    window = {"from": "2026-01-20", "days": 15}

    def measured() -> tuple[int, int]:
        with statements(engine) as seen:
            found = admin.execute(AGENDA, window)["interactionsCalendar"]
        assert found["__typename"] == "InteractionsCalendar", found
        return len(seen), len(found["events"])

    admin.execute(AGENDA, window)  # warm the caches (policy, registry)
    before, events_before = measured()
    for i in range(6):
        made = make_org(db_engine, a.slug, f"ООО «Календарь N+1 {uuid.uuid4().hex[:6]} {i}»")
        with db_engine.begin() as conn:
            conn.execute(
                sa.text(
                    f"INSERT INTO {schema_of(a.slug)}.calendar_exchange_dates "
                    "(organization_id, date, title) VALUES (:o, '2026-01-22', 'Выписки')"
                ),
                {"o": made},
            )
    after, events_after = measured()
    # Each new LLC on ОСНО: its January filings and the exchange date.
    assert events_after >= events_before + 6 * 2
    assert after == before, (before, after)
    assert after <= MAX_STATEMENTS, after


# The request: session and roles (auth, 2), the tenant transaction's SET LOCAL ROLE and
# search_path (2), the organizations the viewer sees (1), then one statement per source: the
# organizations for the tax dates, the exchange dates, the reports' follow-ups, the service
# requests' deadlines (4).
MAX_STATEMENTS = 10


@contextmanager
def statements(engine: sa.Engine) -> Iterator[list[str]]:
    seen: list[str] = []
    lock = threading.Lock()

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        with lock:
            seen.append(statement)

    announced()  # earlier writes' announcements run after their answers
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


def test_a_range_past_the_last_possible_date_is_refused_not_crashed(
    login: Any, firms: Any, world: World
) -> None:
    """Found by the fuzz run: `from: "9999-12-31"` overflowed the date arithmetic (INTERNAL)."""
    manager = login(firms["a"], world.manager_a)
    refused = manager.execute(AGENDA, {"from": "9999-12-31"})["interactionsCalendar"]
    assert (refused["__typename"], refused["code"], refused["field"]) == (
        "ValidationError",
        "DATE_OUT_OF_RANGE",
        "from",
    )
    last = manager.execute(AGENDA, {"from": "9999-12-31", "days": 1})["interactionsCalendar"]
    assert (last["from"], last["to"]) == ("9999-12-31", "9999-12-31")
    exchange = manager.raw(
        'query($org: ID!) { calendarExchangeDates(organizationId: $org, from: "9999-12-01")'
        " { date } }",
        {"org": org(world.org_x)},
    )
    codes = [e["extensions"]["code"] for e in exchange.get("errors", [])]
    assert codes == ["DATE_OUT_OF_RANGE"], exchange
