"""Service requests in the 15-day interactions calendar and the iCalendar feed (issue 14):
an open request's planned due date and hard deadline are events of its organization, seen by
the staff who see it and by its contacts holding the 'requests' grant; never by a contact
of another organization, one without the grant, or another firm; a closed request leaves."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import sqlalchemy as sa
from icalendar import Calendar

from tests.support.documents import make_contact, schema_of
from tests.support.firms import firm_today
from tests.support.ids import gid, pk
from tests.support.requests import ADD_SERVICE, RequestsWorld, act, launch, requests_world

ERR = "... on Error { code message }"
AGENDA = f"""query($org: ID, $from: Date, $days: Int! = 15) {{
  interactionsCalendar(organizationId: $org, from: $from, days: $days) {{ __typename
  ... on InteractionsCalendar {{ from to events {{ organizationId organizationName date kind
  title uid }} }} {ERR} }} }}"""
ROTATE = "mutation { rotateCalendarFeed { ... on CalendarFeedRotated { url } } }"
LATER = (firm_today() + timedelta(days=90)).isoformat()


@pytest.fixture(scope="module")
def world(db_engine, firms) -> Iterator[RequestsWorld]:  # type: ignore[no-untyped-def]
    yield from requests_world(db_engine, firms)


def org(n: int) -> str:
    return gid("ClientOrganization", n)


def service_of(login: Any, firms: Any, world: RequestsWorld, org_pk: int, name: str) -> str:
    admin = login(firms["a"], world.drive.admin_a)
    added = admin.execute(
        ADD_SERVICE,
        {
            "o": org(org_pk),
            "input": {
                "category": "Бухгалтерия",
                "groupName": "Справки",
                "name": name,
                "plannedDays": 1,
                "hardDays": 2,
            },
        },
    )["addCatalogService"]
    assert added["__typename"] == "CatalogService", added
    return str(added["id"])


def due_in(db_engine: sa.Engine, slug: str, request: str, due: int, hard: int) -> None:
    """The request's dates moved to `due` and `hard` days from the firm's today (the API
    refuses a due date inside the regulation, which on some days, a holiday stretch, would
    not fall exactly 3 days ahead)."""
    today = firm_today()
    with db_engine.begin() as conn:
        conn.execute(
            sa.text(
                f"UPDATE {schema_of(slug)}.service_requests "
                "SET due_date = :d, hard_due_date = :h WHERE id = :id"
            ),
            {
                "d": today + timedelta(days=due),
                "h": today + timedelta(days=hard),
                "id": pk(request),
            },
        )


def events_of(c: Any, **variables: Any) -> list[dict[str, Any]]:
    found = c.execute(AGENDA, variables)["interactionsCalendar"]
    assert found["__typename"] == "InteractionsCalendar", found
    return list(found["events"])


def ics(c: Any, url: str, query: str = "") -> httpx.Response:
    parts = urlsplit(url)
    return c.http.get(parts.path + query, headers={"host": c.host})


def test_request_deadlines_show_in_the_calendar_and_the_feed_of_who_sees_them(
    login: Any, firms: Any, world: RequestsWorld, db_engine: sa.Engine
) -> None:
    a = firms["a"]
    tag = uuid.uuid4().hex[:6]
    name_x, name_y = f"Справка Икс {tag}", f"Справка Игрек {tag}"
    client_x, client_y = login(a, world.requester_x), login(a, world.requester_y)
    mine = launch(client_x, service_of(login, firms, world, world.drive.org_x, name_x), LATER)
    theirs = launch(client_y, service_of(login, firms, world, world.drive.org_y, name_y), LATER)
    assert mine["__typename"] == theirs["__typename"] == "ServiceRequest", (mine, theirs)
    due_in(db_engine, a.slug, mine["id"], 3, 5)
    due_in(db_engine, a.slug, theirs["id"], 3, 3)
    today = firm_today()
    day3, day5 = (today + timedelta(days=3)).isoformat(), (today + timedelta(days=5)).isoformat()
    uid_due, uid_hard = f"request-{pk(mine['id'])}-due", f"request-{pk(mine['id'])}-hard-due"

    # The client of X (the 'requests' grant, no 'reports'): X's request, both dates, no tax
    # dates (they need 'reports'), nothing of Y.
    seen = events_of(client_x)
    assert {e["organizationId"] for e in seen} == {org(world.drive.org_x)}, seen
    ours = {e["uid"]: e for e in seen if tag in e["title"]}
    assert {u: (e["date"], e["kind"], e["title"]) for u, e in ours.items()} == {
        uid_due: (day3, "REQUEST_DUE", f"Срок заявки: {name_x}"),
        uid_hard: (day5, "REQUEST_HARD_DUE", f"Крайний срок заявки: {name_x}"),
    }
    assert ours[uid_due]["organizationName"] == "ООО «Икс»"
    assert not [e for e in seen if e["kind"] == "TAX_DUE"]
    english = client_x.execute(AGENDA, {}, headers={"accept-language": "en"})
    titles = {e["uid"]: e["title"] for e in english["interactionsCalendar"]["events"]}
    assert titles[uid_due] == f"Request due: {name_x}"
    assert titles[uid_hard] == f"Request hard deadline: {name_x}"
    # Y's organization is not the client of X's to ask for.
    refused = client_x.execute(AGENDA, {"org": org(world.drive.org_y)})["interactionsCalendar"]
    assert refused["__typename"] == "NotFoundError", refused

    # A contact of X holding only 'reports' sees X's tax dates but not its requests; one with
    # neither sees nothing.
    reporter = login(a, make_contact(db_engine, a, world.drive.org_x, ["reports"]))
    january = events_of(reporter, **{"from": "2026-01-20"})
    assert any(e["kind"] == "TAX_DUE" for e in january)
    assert not [e for e in events_of(reporter) if e["kind"].startswith("REQUEST")]
    assert events_of(login(a, world.silent_x)) == []

    # The responsible manager sees both organizations' requests; Y's has one date (hard ==
    # planned).
    staff = {e["uid"]: e for e in events_of(login(a, world.drive.manager_a)) if tag in e["title"]}
    assert set(staff) == {uid_due, uid_hard, f"request-{pk(theirs['id'])}-due"}
    # Firm B's admin: not a trace of firm A's requests.
    outsider = events_of(login(firms["b"], world.drive.admin_b))
    assert not [e for e in outsider if tag in e["title"]]

    # The .ics feed of the client of X: the same events, by UID, in both languages.
    url = client_x.execute(ROTATE)["rotateCalendarFeed"]["url"]
    response = ics(client_x, url)
    assert response.status_code == 200, response.text
    vevents = {
        str(e["uid"]).split("@")[0]: e for e in Calendar.from_ical(response.content).walk("VEVENT")
    }
    assert str(vevents[uid_due]["summary"]) == f"Срок заявки: {name_x} — ООО «Икс»"
    assert vevents[uid_due].decoded("dtstart") == today + timedelta(days=3)
    assert vevents[uid_hard].decoded("dtstart") == today + timedelta(days=5)
    assert not [u for u in vevents if u == f"request-{pk(theirs['id'])}-due"]
    assert not [e for e in vevents.values() if name_y in str(e["summary"])]
    english_feed = Calendar.from_ical(ics(client_x, url, "?lang=en").content)
    assert f"Request due: {name_x} — ООО «Икс»" in {
        str(e["summary"]) for e in english_feed.walk("VEVENT")
    }

    # A rejected request is no longer an agreed event.
    manager = login(a, world.drive.manager_a)
    act(manager, "review", mine["id"])
    assert act(manager, "reject", mine["id"], comment="Не нужно")["status"] == "REJECTED"
    assert not [e for e in events_of(client_x) if tag in e["title"]]
    after = Calendar.from_ical(ics(client_x, url).content)
    assert not [e for e in after.walk("VEVENT") if name_x in str(e["summary"])]
