"""The business calendar over GraphQL: the viewer's `businessCalendar`, the firm admin's
settings (time zone, own days off) and a report's follow-up due in 5 business days.

The firm is this module's own (its settings change). Expected dates come from the official
production calendars (see tests/test_calendar.py for the decrees): 2025 - 31 December a
moved day off (decree No. 1335 of 4 October 2024); 2026 - off 1-11 January, 1-3 and 9-11
May, 12-14 June (Russia Day on Friday 12 June), no working weekends.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa

from saas.tenants.provisioning import provision_tenant
from tests.support.auth import create_person, login
from tests.support.client import GraphQLClient

CALENDAR = """query($from: Date!, $to: Date!) { businessCalendar(from: $from, to: $to) {
  __typename
  ... on BusinessCalendar { timeZone today workingDays
        days { date isWorking reason shortened name opensAt closesAt } }
  ... on ValidationError { code message field } } }"""
SETTINGS = "{ firmCalendar { timeZone daysOff { date note } } }"
UPDATE = """mutation($input: FirmCalendarInput!) { updateFirmCalendar(input: $input) {
  __typename ... on FirmCalendar { timeZone daysOff { date note } }
  ... on ValidationError { code message field } } }"""
ORG = """mutation($input: CreateClientOrganizationInput!) {
  createClientOrganization(input: $input) {
    __typename ... on ClientOrganization { id } ... on Error { code message } } }"""
REPORT = """mutation($input: CreateReportInput!) { createReport(input: $input) {
  __typename ... on Report { id } ... on Error { code message } } }"""
RECORD = """mutation($input: RecordReportEventInput!) { recordReportEvent(input: $input) {
  __typename ... on ReportEventRecorded { report { followUpDue } }
  ... on Error { code message } } }"""
FOLLOW_UPS = """query($id: ID!) { report(id: $id) { ... on Report { followUps { dueDate } } } }"""


@dataclass
class CalendarFirm:
    admin: GraphQLClient
    manager: GraphQLClient
    organization: str
    periods: list[int]


@pytest.fixture(scope="module")
def firm(db_engine: sa.Engine, live_server: Any, settings: Any) -> Iterator[CalendarFirm]:
    slug = "firm-calendar"
    tenant_id = provision_tenant(db_engine, slug, "Календарная бухгалтерия")
    host = f"{slug}.{settings.base_domain}"
    admin = create_person(db_engine, memberships=[(tenant_id, "staff", ["firm_admin"], None)])
    manager = create_person(db_engine, memberships=[(tenant_id, "staff", ["manager"], None)])
    clients = {}
    for name, person in (("admin", admin), ("manager", manager)):
        clients[name] = GraphQLClient(live_server.url, host)
        login(clients[name], person.email, person.password)
    # A real company's registration numbers (valid check digits); unique in this firm only.
    org = clients["admin"].execute(
        ORG,
        {
            "input": {
                "name": f"Календарь {uuid.uuid4().hex[:4]}",
                "legalForm": "OOO",
                "inn": "7707083893",
                "kpp": "773601001",
                "ogrn": "1027700132195",
                "taxRegime": "OSNO",
            }
        },
    )["createClientOrganization"]
    assert org["__typename"] == "ClientOrganization", org
    made = CalendarFirm(clients["admin"], clients["manager"], org["id"], [0])
    yield made
    made.admin.execute(UPDATE, {"input": {"timeZone": "Europe/Moscow", "daysOff": []}})
    for c in clients.values():
        c.close()


def update(firm: CalendarFirm, **changes: Any) -> dict[str, Any]:
    return firm.admin.execute(UPDATE, {"input": changes})["updateFirmCalendar"]


def rejected_at(firm: CalendarFirm, occurred_at: str) -> str:
    """A new report rejected at `occurred_at`: its follow-up's due date."""
    firm.periods[0] += 1
    n = firm.periods[0]
    report = firm.admin.execute(
        REPORT,
        {
            "input": {
                "organizationId": firm.organization,
                "formCode": "pers_sved",
                "periodYear": 2000 + n // 12,
                "periodCode": f"{n % 12 + 1:02d}",
                "authorityCode": "7701",
            }
        },
    )["createReport"]
    assert report["__typename"] == "Report", report
    recorded = firm.admin.execute(
        RECORD,
        {
            "input": {
                "reportId": report["id"],
                "externalId": f"cal-{uuid.uuid4().hex}",
                "kind": "REJECTED",
                "occurredAt": occurred_at,
            }
        },
    )["recordReportEvent"]
    assert recorded["__typename"] == "ReportEventRecorded", recorded
    follow_ups = firm.admin.execute(FOLLOW_UPS, {"id": report["id"]})["report"]["followUps"]
    assert [f["dueDate"] for f in follow_ups] == [recorded["report"]["followUpDue"]]
    return str(recorded["report"]["followUpDue"])


def test_the_viewer_reads_the_business_calendar(firm: CalendarFirm) -> None:
    got = firm.manager.execute(CALENDAR, {"from": "2025-12-29", "to": "2026-01-12"})
    page = got["businessCalendar"]
    assert (page["__typename"], page["timeZone"], page["workingDays"]) == (
        "BusinessCalendar",
        "Europe/Moscow",
        3,  # 29, 30 December and 12 January
    )
    days = {d["date"]: d for d in page["days"]}
    assert len(days) == 15
    assert [d for d, day in days.items() if day["isWorking"]] == [
        "2025-12-29",
        "2025-12-30",
        "2026-01-12",
    ]
    assert (days["2025-12-31"]["reason"], days["2026-01-07"]["reason"]) == (
        "MOVED_DAY_OFF",
        "HOLIDAY",
    )
    assert days["2026-01-07"]["name"] == "Рождество Христово"
    assert days["2025-12-30"]["opensAt"] == "2025-12-30T09:00:00+03:00"
    assert days["2025-12-30"]["closesAt"] == "2025-12-30T18:00:00+03:00"
    assert days["2026-01-10"]["opensAt"] is None
    eve = firm.manager.execute(CALENDAR, {"from": "2026-04-30", "to": "2026-04-30"})
    day = eve["businessCalendar"]["days"][0]
    assert (day["shortened"], day["closesAt"]) == (True, "2026-04-30T17:00:00+03:00")


@pytest.mark.parametrize(
    ("first", "last", "code"),
    [
        ("2026-02-01", "2026-01-31", "RANGE_REVERSED"),
        ("2026-01-01", "2027-01-02", "RANGE_TOO_LONG"),
    ],
)
def test_bad_ranges_are_typed_errors(firm: CalendarFirm, first: str, last: str, code: str) -> None:
    got = firm.manager.execute(CALENDAR, {"from": first, "to": last})["businessCalendar"]
    assert (got["__typename"], got["code"], got["field"]) == ("ValidationError", code, "to")


def test_only_the_firm_admin_changes_the_calendar(firm: CalendarFirm) -> None:
    refused = firm.manager.raw(UPDATE, {"input": {"timeZone": "Asia/Vladivostok"}})
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert firm.manager.raw(SETTINGS)["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert firm.admin.execute(SETTINGS)["firmCalendar"]["timeZone"] == "Europe/Moscow"


def test_unknown_time_zone_is_refused_in_both_languages(firm: CalendarFirm) -> None:
    bad = {"input": {"timeZone": "Mars/Olympus"}}
    ru = firm.admin.execute(UPDATE, bad)["updateFirmCalendar"]
    en = firm.admin.execute(UPDATE, bad, headers={"accept-language": "en"})["updateFirmCalendar"]
    assert (ru["code"], ru["field"], en["code"]) == ("UNKNOWN_TIME_ZONE", "timeZone", ru["code"])
    assert "часовой пояс" in ru["message"] and "Unknown time zone" in en["message"]
    assert firm.admin.execute(SETTINGS)["firmCalendar"]["timeZone"] == "Europe/Moscow"


def test_follow_up_due_in_five_business_days(firm: CalendarFirm) -> None:
    # Friday 26 December 2025: 29, 30 December, (31 Dec - 11 Jan off), 12, 13, 14 January.
    assert rejected_at(firm, "2025-12-26T12:00:00+03:00") == "2026-01-14"
    # Thursday 30 April 2026: (1-3 May off) 4, 5, 6, 7, 8 May.
    assert rejected_at(firm, "2026-04-30T12:00:00+03:00") == "2026-05-08"


def test_follow_up_follows_the_firms_day_off_and_time_zone(
    firm: CalendarFirm, client: Callable[..., GraphQLClient], firms: Any, people: Any
) -> None:
    # 23:30 in Moscow on Tuesday 9 June 2026 (20:30 UTC): 10, 11, (12-14 off) 15, 16, 17 June.
    late_evening = "2026-06-09T20:30:00+00:00"
    assert rejected_at(firm, late_evening) == "2026-06-17"
    # The firm closes on Monday 15 June: one business day later.
    saved = update(firm, daysOff=[{"date": "2026-06-15", "note": "Day of the firm"}])
    assert saved["daysOff"] == [{"date": "2026-06-15", "note": "Day of the firm"}]
    assert rejected_at(firm, late_evening) == "2026-06-18"
    day = firm.manager.execute(CALENDAR, {"from": "2026-06-15", "to": "2026-06-15"})
    assert day["businessCalendar"]["days"][0] == {
        "date": "2026-06-15",
        "isWorking": False,
        "reason": "FIRM_DAY_OFF",
        "shortened": False,
        "name": "Day of the firm",
        "opensAt": None,
        "closesAt": None,
    }
    # Another firm's calendar is its own: 15 June stays a working day there.
    other = client(firms["a"].host)
    login(other, people["a"].manager.email, people["a"].manager.password)
    there = other.execute(CALENDAR, {"from": "2026-06-15", "to": "2026-06-15"})
    assert there["businessCalendar"]["days"][0]["reason"] == "WORKDAY"
    # In Vladivostok the same moment is already Wednesday 10 June: 11, (12-14 off) 15, 16,
    # 17, 18 June.
    update(firm, timeZone="Asia/Vladivostok", daysOff=[])
    assert firm.admin.execute(SETTINGS)["firmCalendar"] == {
        "timeZone": "Asia/Vladivostok",
        "daysOff": [],
    }
    assert rejected_at(firm, late_evening) == "2026-06-18"
    update(firm, timeZone="Europe/Moscow")
