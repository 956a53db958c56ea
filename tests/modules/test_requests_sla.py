"""The service requests' SLA (issue 14) on real 2026 dates of Russia's production calendar:
the clock paused while the performer waits on the client (asked over GraphQL, resumed by the
client's comment or file, the deadlines moved by the business days it stood still), one
warning to the performer and the project manager one business day before the hard deadline
(the periodic watch, once per request), breaches marked and shown on the request and the
board."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from dramatiq import Worker

from saas.core.calendar.firm import calendar_of
from saas.db.session import tenant_transaction
from saas.jobs import enqueue_sync
from saas.jobs.periodic import PERIODIC
from saas.modules.requests.jobs import watch_request_deadlines
from saas.modules.requests.models import ServiceRequest
from saas.modules.requests.service.sla import (
    business_hours_left,
    resume_if_awaited,
    watch_deadlines,
)
from tests.support.documents import PDF, b64, schema_of
from tests.support.firms import firm_today
from tests.support.ids import gid, pk
from tests.support.requests import (
    ADD_SERVICE,
    BASE_ERR,
    RequestsWorld,
    act,
    comment,
    launch,
    requests_world,
)
from tests.support.waiting import eventually

MOSCOW = ZoneInfo("Europe/Moscow")
LATER = (firm_today() + timedelta(days=90)).isoformat()
SLA = """id status dueDate hardDueDate sla breachedAt awaitingClientSince slaPausedDays
  slaWarnedAt slaBusinessHoursLeft comments { side body }"""
ASK = f"""mutation($id: ID!, $c: String!) {{ askServiceRequestClient(id: $id, comment: $c) {{
  __typename ... on ServiceRequest {{ {SLA} }} {BASE_ERR} }} }}"""
READ = f"""query($id: ID!) {{ serviceRequest(id: $id) {{ __typename
  ... on ServiceRequest {{ {SLA} }} {BASE_ERR} }} }}"""
BOARD = """query { serviceRequestBoard(first: 200) { id sla breachedAt slaBusinessHoursLeft } }"""
INBOX = """{ notifications(first: 50) { edges { node { kind title body link } } } }"""


@pytest.fixture(scope="module")
def world(db_engine, firms) -> Iterator[RequestsWorld]:  # type: ignore[no-untyped-def]
    yield from requests_world(db_engine, firms)


@pytest.fixture(scope="module")
def made() -> dict[str, str]:
    return {}


@pytest.fixture
def service(login: Any, firms: Any, world: RequestsWorld, made: dict[str, str]) -> str:
    """A service of X's catalog (made once per module)."""
    if made:
        return made["service"]
    admin = login(firms["a"], world.drive.admin_a)
    added = admin.execute(
        ADD_SERVICE,
        {
            "o": gid("ClientOrganization", world.drive.org_x),
            "input": {
                "category": "Бухгалтерия",
                "groupName": "SLA",
                "name": f"Сверка {uuid.uuid4().hex[:6]}",
                "plannedDays": 2,
                "hardDays": 3,
            },
        },
    )["addCatalogService"]
    assert added["__typename"] == "CatalogService", added
    made["service"] = str(added["id"])
    return made["service"]


def read(c: Any, rid: str) -> dict[str, Any]:
    found = c.execute(READ, {"id": rid})["serviceRequest"]
    assert found["__typename"] == "ServiceRequest", found
    return dict(found)


def accepted(login: Any, firms: Any, world: RequestsWorld, service: str) -> str:
    """A request of X launched by its client, reviewed and accepted by the staff member (the
    performer); X's responsible manager is the manager (its project manager)."""
    client = login(firms["a"], world.requester_x)
    performer = login(firms["a"], world.drive.staff_a)
    rid = str(launch(client, service, LATER)["id"])
    act(performer, "review", rid)
    assert act(performer, "accept", rid)["status"] == "ACCEPTED"
    return rid


def set_dates(db_engine: sa.Engine, firms: Any, rid: str, due: date, hard: date) -> None:
    with db_engine.begin() as conn:
        conn.execute(
            sa.text(
                f"UPDATE {schema_of(firms['a'].slug)}.service_requests SET due_date = :d, "
                "hard_due_date = :h WHERE id = :id"
            ),
            {"d": due, "h": hard, "id": pk(rid)},
        )


def set_awaiting(db_engine: sa.Engine, firms: Any, rid: str, since: datetime) -> None:
    with db_engine.begin() as conn:
        conn.execute(
            sa.text(
                f"UPDATE {schema_of(firms['a'].slug)}.service_requests "
                "SET awaiting_client_since = :s WHERE id = :id"
            ),
            {"s": since, "id": pk(rid)},
        )


async def test_the_performer_waits_on_the_client_and_the_clients_answer_restarts_the_clock(
    login: Any,
    firms: Any,
    world: RequestsWorld,
    service: str,
    db_engine: sa.Engine,
    tenants: Any,
) -> None:
    a = firms["a"]
    client = login(a, world.requester_x)
    performer = login(a, world.drive.staff_a)
    rid = accepted(login, firms, world, service)
    before = read(performer, rid)
    assert before["sla"] == "ON_TRACK" and before["awaitingClientSince"] is None
    assert before["slaBusinessHoursLeft"] > 0

    # The client cannot ask itself; a request not yet reviewed cannot wait.
    assert client.raw(ASK, {"id": rid, "c": "?"})["errors"]
    fresh = str(launch(client, service, LATER)["id"])
    refused = performer.execute(ASK, {"id": fresh, "c": "Пришлите выписку"})
    assert refused["askServiceRequestClient"]["code"] == "WRONG_STATUS"
    empty = performer.execute(ASK, {"id": rid, "c": "  "})["askServiceRequestClient"]
    assert (empty["code"], empty["field"]) == ("COMMENT_REQUIRED", "comment")

    asked = performer.execute(ASK, {"id": rid, "c": "Пришлите выписку за ноябрь"})[
        "askServiceRequestClient"
    ]
    assert asked["__typename"] == "ServiceRequest", asked
    assert asked["sla"] == "AWAITING_CLIENT" and asked["awaitingClientSince"]
    assert [(c["side"], c["body"]) for c in asked["comments"]][-2:] == [
        ("STAFF", "Пришлите выписку за ноябрь"),
        ("SYSTEM", "Исполнитель ждёт ответа клиента: срок приостановлен"),
    ]
    again = performer.execute(ASK, {"id": rid, "c": "Ещё раз"})["askServiceRequestClient"]
    assert again["code"] == "ALREADY_AWAITING"
    # Staff's own comment does not restart it.
    comment(performer, rid, "Напоминаем")
    assert read(performer, rid)["sla"] == "AWAITING_CLIENT"

    # It stopped two weeks ago (moved directly: no API sets a past moment); the client's
    # comment restarts it and the deadlines move by the business days it stood still.
    calendar = calendar_of(tenants["a"])
    since = datetime.now(UTC) - timedelta(days=14)
    set_awaiting(db_engine, firms, rid, since)
    paused = calendar.business_days_between(calendar.local_date(since), calendar.today())
    assert paused >= 1  # even over the New Year holidays
    assert comment(client, rid, "Выписка во вложении")["side"] == "CLIENT"
    after = read(client, rid)
    assert after["awaitingClientSince"] is None and after["slaPausedDays"] == paused
    assert (
        after["dueDate"]
        == calendar.add_business_days(date.fromisoformat(before["dueDate"]), paused).isoformat()
    )
    assert (
        after["hardDueDate"]
        == calendar.add_business_days(date.fromisoformat(before["hardDueDate"]), paused).isoformat()
    )
    assert after["comments"][-1] == {
        "side": "SYSTEM",
        "body": "Клиент ответил: отсчёт срока продолжен",
    }

    # A file from the client restarts it as well.
    performer.execute(ASK, {"id": rid, "c": "И договор"})
    attached = client.execute(
        """mutation($id: ID!, $files: [ServiceRequestFileInput!]) {
          attachServiceRequestFiles(id: $id, files: $files) { __typename
            ... on ServiceRequest { sla awaitingClientSince } ... on Error { code } } }""",
        {"id": rid, "files": [{"filename": "Договор.pdf", "contentBase64": b64(PDF)}]},
    )["attachServiceRequestFiles"]
    assert attached["awaitingClientSince"] is None and attached["sla"] != "AWAITING_CLIENT"
    # Another firm cannot ask on it.
    outsider = login(firms["b"], world.drive.admin_b)
    assert outsider.execute(ASK, {"id": rid, "c": "x"})["askServiceRequestClient"]["code"] == (
        "NOT_FOUND"
    )


async def test_a_pause_over_a_holiday_moves_the_deadlines_by_business_days(
    login: Any,
    firms: Any,
    world: RequestsWorld,
    service: str,
    db_engine: sa.Engine,
    aengine: Any,
    tenants: Any,
) -> None:
    """Asked on Friday 20 February 2026, answered on Wednesday 25: Monday 23 is a public
    holiday, so it stood still 2 business days (24, 25); the due date Monday 2 March moves to
    Wednesday 4, the hard deadline Thursday 5 March to Tuesday 10 (Sunday 8 March's holiday
    moved to Monday 9)."""
    tenant = tenants["a"]
    calendar = calendar_of(tenant)
    assert not calendar.is_business_day(date(2026, 2, 23))
    assert not calendar.is_business_day(date(2026, 3, 9))
    rid = accepted(login, firms, world, service)
    set_dates(db_engine, firms, rid, date(2026, 3, 2), date(2026, 3, 5))
    set_awaiting(db_engine, firms, rid, datetime(2026, 2, 20, 15, 0, tzinfo=MOSCOW))
    async with tenant_transaction(aengine, tenant) as session:
        request = await session.get(ServiceRequest, pk(rid))
        assert request is not None
        moved = await resume_if_awaited(session, request, datetime(2026, 2, 25, 10, tzinfo=MOSCOW))
    assert moved == 2
    found = read(login(firms["a"], world.drive.manager_a), rid)
    assert (found["dueDate"], found["hardDueDate"], found["slaPausedDays"]) == (
        "2026-03-04",
        "2026-03-10",
        2,
    )


async def test_one_warning_a_business_day_before_the_hard_deadline_then_the_breach(
    login: Any,
    firms: Any,
    world: RequestsWorld,
    service: str,
    db_engine: sa.Engine,
    aengine: Any,
    tenants: Any,
) -> None:
    """Hard deadline Tuesday 24 February 2026 (Monday 23 a public holiday): on Thursday 19
    nothing yet, on Friday 20 (the business day before) one warning to the performer and the
    project manager, never twice; on Tuesday 24 at the close still not breached, on Wednesday
    25 marked. A request waiting on the client is neither warned nor breached."""
    tenant = tenants["a"]
    calendar = calendar_of(tenant)
    rid = accepted(login, firms, world, service)
    paused = accepted(login, firms, world, service)
    for each in (rid, paused):
        set_dates(db_engine, firms, each, date(2026, 2, 19), date(2026, 2, 24))
    set_awaiting(db_engine, firms, paused, datetime(2026, 2, 18, 12, tzinfo=MOSCOW))

    async def watch(*moment: int) -> dict[str, int]:
        async with tenant_transaction(aengine, tenant) as session:
            return await watch_deadlines(session, calendar, datetime(*moment, tzinfo=MOSCOW))

    def state(request: str) -> dict[str, Any]:
        return read(login(firms["a"], world.drive.manager_a), request)

    await watch(2026, 2, 19, 12)
    assert state(rid)["slaWarnedAt"] is None
    await watch(2026, 2, 20, 9, 30)
    warned = state(rid)["slaWarnedAt"]
    assert datetime.fromisoformat(warned) == datetime(2026, 2, 20, 9, 30, tzinfo=MOSCOW)
    await watch(2026, 2, 20, 15)
    assert state(rid)["slaWarnedAt"] == warned  # claimed once
    assert state(paused)["slaWarnedAt"] is None

    with db_engine.begin() as conn:
        notified = conn.execute(
            sa.text(
                f"SELECT person_id, audience FROM {schema_of(firms['a'].slug)}.notifications "
                "WHERE kind = 'request_deadline_warning' "
                "AND (payload->>'request_id')::bigint = :id ORDER BY person_id"
            ),
            {"id": pk(rid)},
        ).all()
    assert sorted(p for p, _ in notified) == sorted([world.drive.staff_a, world.drive.manager_a])
    assert {audience for _, audience in notified} == {"staff"}
    for person in (world.drive.staff_a, world.drive.manager_a):
        inbox = [
            e["node"] for e in login(firms["a"], person).execute(INBOX)["notifications"]["edges"]
        ]
        mine = [n for n in inbox if n["link"] == f"/requests/{quote(rid, safe='')}"]
        assert [n["kind"] for n in mine] == ["REQUEST_DEADLINE_WARNING"], inbox
        assert mine[0]["title"] == "Крайний срок заявки через рабочий день: ООО «Икс»"
        assert "24.02.2026" in mine[0]["body"]
    client_inbox = login(firms["a"], world.requester_x).execute(INBOX)["notifications"]["edges"]
    assert not [e for e in client_inbox if e["node"]["kind"] == "REQUEST_DEADLINE_WARNING"]

    await watch(2026, 2, 24, 17, 59)
    assert state(rid)["breachedAt"] is None
    await watch(2026, 2, 25, 9, 0)
    breached = state(rid)
    assert breached["sla"] == "BREACHED"
    assert datetime.fromisoformat(breached["breachedAt"]) == datetime(
        2026, 2, 25, 9, 0, tzinfo=MOSCOW
    )
    assert breached["slaBusinessHoursLeft"] == 0
    assert state(paused)["breachedAt"] is None and state(paused)["sla"] == "AWAITING_CLIENT"
    # The board shows the breach with the rest of the row (its statement count: test_requests).
    board = {
        r["id"]: r
        for r in login(firms["a"], world.drive.manager_a).execute(BOARD)["serviceRequestBoard"]
    }
    assert board[rid]["sla"] == "BREACHED" and board[rid]["breachedAt"] == breached["breachedAt"]


def test_the_periodic_watch_runs_in_the_worker(
    login: Any,
    firms: Any,
    world: RequestsWorld,
    service: str,
    db_engine: sa.Engine,
    worker: Worker,
) -> None:
    """`watch_request_deadlines` is a periodic job the scheduler fires per firm; run by the
    worker, it warns of a request whose hard deadline is the firm's today."""
    assert "watch_request_deadlines" in PERIODIC
    rid = accepted(login, firms, world, service)
    today = firm_today()
    set_dates(db_engine, firms, rid, today, today)
    enqueue_sync(firms["a"].id, watch_request_deadlines)

    def warned() -> str:
        seen = read(login(firms["a"], world.drive.manager_a), rid)
        assert seen["slaWarnedAt"], seen
        return str(seen["slaWarnedAt"])

    eventually(warned, within=30, what="the SLA warning")


def test_the_clock_counts_working_hours_of_the_production_calendar() -> None:
    """Hard deadline Tuesday 24 February 2026: on Friday 20 at 15:00 the clock has 3 working
    hours of Friday and the 9 of Tuesday (the weekend and Monday 23's holiday do not count),
    12; stopped on Friday at 16:00, it keeps the 11 it had then, whenever it is read."""
    calendar = calendar_of(None)  # the default: Europe/Moscow, no days off of the firm's own
    running = ServiceRequest(hard_due_date=date(2026, 2, 24), awaiting_client_since=None)
    assert business_hours_left(calendar, running, datetime(2026, 2, 20, 15, tzinfo=MOSCOW)) == 12
    assert business_hours_left(calendar, running, datetime(2026, 2, 24, 17, tzinfo=MOSCOW)) == 1
    assert business_hours_left(calendar, running, datetime(2026, 2, 25, 9, tzinfo=MOSCOW)) == 0
    paused = ServiceRequest(
        hard_due_date=date(2026, 2, 24),
        awaiting_client_since=datetime(2026, 2, 20, 16, tzinfo=MOSCOW),
    )
    for read_at in (datetime(2026, 2, 20, 17, tzinfo=MOSCOW), datetime(2026, 3, 2, tzinfo=MOSCOW)):
        assert business_hours_left(calendar, paused, read_at) == 11
