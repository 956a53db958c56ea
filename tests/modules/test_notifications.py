"""In-app notifications of report rejections and clarification requests, over GraphQL/HTTP:
who is notified (granted contacts and the responsible manager, nobody else), read state,
isolation between people and firms, losing the grant, the batched branded e-mail of a bulk
import (one per recipient, never twice), and the list's SQL statement count."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
import sqlalchemy as sa
from dramatiq import Worker

from saas.jobs import enqueue
from saas.modules.notifications.jobs import send_notification_mails
from saas.tenants.provisioning import schema_for
from tests.support.announcements import announced
from tests.support.client import GraphQLClient, error_codes, refused_outright
from tests.support.ids import pk
from tests.support.mail import html_of, messages_to, text_of
from tests.support.notifications import COUNT, LIST, nodes, unread
from tests.support.people import email_of, open_session, session_client
from tests.support.reports import (
    IMPORT,
    World,
    add_contact,
    at,
    build_world,
    external_id,
    line,
    new_report,
    record,
    wait_done,
)
from tests.support.waiting import eventually

MARK = """mutation($ids: [ID!], $all: Boolean) { markNotificationsRead(ids: $ids, all: $all) {
  __typename ... on NotificationsMarked { unreadCount } ... on Error { code message } } }"""


class People:
    """Besides the world's: firm A's manager logged in, a contact of org1 without 'reports',
    and a contact of org2 holding 'reports'."""

    def __init__(self, db_engine: sa.Engine, firms: dict[str, Any], url: str, world: World):
        a = firms["a"]
        self.manager = session_client(
            url, a.host, *open_session(db_engine, world.manager_a_id, a.id)
        )
        _, s, c = add_contact(db_engine, a.slug, a.id, pk(world.org1), ["chat"])
        self.ungranted = session_client(url, a.host, s, c)
        _, s, c = add_contact(db_engine, a.slug, a.id, pk(world.org2), ["reports"])
        self.other_org = session_client(url, a.host, s, c)


@pytest.fixture(scope="module")
def world(db_engine, firms, live_server) -> World:  # type: ignore[no-untyped-def]
    return build_world(db_engine, firms, live_server.url)


@pytest.fixture(scope="module")
def people(db_engine, firms, live_server, world) -> People:  # type: ignore[no-untyped-def]
    return People(db_engine, firms, live_server.url, world)


def test_rejection_notifies_granted_contacts_and_the_manager_only(
    world: World, people: People
) -> None:
    before = {
        "client": unread(world.client1),
        "manager": unread(people.manager),
        "ungranted": unread(people.ungranted),
        "other_org": unread(people.other_org),
    }
    report = new_report(world.integrator_a, world.org1, formCode="vat", periodCode="Q1")
    record(world.integrator_a, report["id"], "SENT", at(0))
    ext = external_id("rej")
    result = record(
        world.integrator_a,
        report["id"],
        "REJECTED",
        at(5),
        ext,
        text="Ошибка в КПП",
        reasonCode="0400300003",
    )
    assert result["__typename"] == "ReportEventRecorded", result
    # Recording the same event again (a retry) notifies nobody twice.
    again = record(
        world.integrator_a,
        report["id"],
        "REJECTED",
        at(5),
        ext,
        text="Ошибка в КПП",
        reasonCode="0400300003",
    )
    assert again["duplicate"] is True

    assert unread(world.client1) == before["client"] + 1
    assert unread(people.manager) == before["manager"] + 1
    assert unread(people.ungranted) == before["ungranted"] == 0
    assert unread(people.other_org) == before["other_org"] == 0
    assert nodes(people.ungranted) == [] and nodes(people.other_org) == []

    mine = nodes(world.client1)[0]
    assert mine["kind"] == "REPORT_REJECTED" and mine["read"] is False
    assert mine["report"]["id"] == report["id"] and mine["report"]["status"] == "REJECTED"
    year = report["periodYear"]
    assert mine["title"] == f"Отчёт отклонён: Декларация по НДС, 1 кв. {year}"
    assert "Ошибка в КПП" in mine["body"] and mine["reasonCode"] == "0400300003"
    assert mine["organizationId"] == world.org1 and mine["organizationName"]
    assert mine["link"] == f"/cabinet/{pk(world.org1)}/reports/{pk(report['id'])}"
    staff = nodes(people.manager)[0]
    assert staff["link"] == f"/reports/{pk(report['id'])}"
    assert staff["report"]["id"] == report["id"]
    english = world.client1.post(
        {"query": LIST, "variables": {"first": 1}}, headers={"Accept-Language": "en"}
    ).json()["data"]["notifications"]["edges"][0]["node"]
    assert english["title"] == f"Report rejected: VAT return, Q1 {year}"

    # A clarification request notifies too; a plain status (accepted) does not.
    record(world.integrator_a, report["id"], "CLARIFICATION_REQUESTED", at(10))
    record(world.integrator_a, report["id"], "ACCEPTED", at(20))
    kinds = [n["kind"] for n in nodes(world.client1)[:2]]
    assert kinds == ["CLARIFICATION_REQUESTED", "REPORT_REJECTED"]
    assert unread(world.client1) == before["client"] + 2


def test_read_state_and_nobody_marks_or_sees_anothers(world: World, people: People) -> None:
    report = new_report(world.integrator_a, world.org1)
    record(world.integrator_a, report["id"], "REJECTED", at(0))
    count = unread(world.client1)
    assert count >= 1
    newest = nodes(world.client1)[0]
    marked = world.client1.execute(MARK, {"ids": [newest["id"]]})["markNotificationsRead"]
    assert marked == {"__typename": "NotificationsMarked", "unreadCount": count - 1}
    assert nodes(world.client1)[0]["read"] is True
    assert newest["id"] not in [n["id"] for n in nodes(world.client1, unread=True)]

    # The manager's notification of the same event is the manager's alone.
    managers = nodes(people.manager)[0]
    assert managers["id"] != newest["id"]
    refused = world.client1.execute(MARK, {"ids": [managers["id"], newest["id"]]})
    assert refused["markNotificationsRead"]["code"] == "NOT_FOUND"
    assert nodes(people.manager)[0]["read"] is False
    peek = world.client1.execute(
        "query($id: ID!) { node(id: $id) { id } }", {"id": managers["id"]}
    )["node"]
    assert peek is None
    bad = world.client1.execute(MARK, {"ids": ["not-an-id"]})["markNotificationsRead"]
    assert bad["code"] == "NOT_FOUND"
    nothing = world.client1.execute(MARK, {})["markNotificationsRead"]
    assert nothing["code"] == "NOTHING_TO_MARK"

    everything = people.manager.execute(MARK, {"all": True})["markNotificationsRead"]
    assert everything["unreadCount"] == 0 and unread(people.manager) == 0
    assert nodes(people.manager, unread=True) == []
    assert unread(world.client1) == count - 1  # the manager's "all" is the manager's own

    # API tokens and anonymous callers have no notifications.
    for c in (world.integrator_a, GraphQLClient(world.client1.base_url, world.host_a)):
        response = c.post({"query": COUNT}).json()
        assert response["errors"][0]["extensions"]["code"] in ("FORBIDDEN", "UNAUTHENTICATED")


def test_other_firm_sees_and_marks_nothing(world: World, people: People) -> None:
    report = new_report(world.integrator_a, world.org1)
    record(world.integrator_a, report["id"], "REJECTED", at(0))
    a_ids = [n["id"] for n in nodes(people.manager)]
    assert a_ids
    assert all(n["id"] not in a_ids for n in nodes(world.admin_b))
    refused = world.admin_b.execute(MARK, {"ids": a_ids[:1]})["markNotificationsRead"]
    assert refused["code"] == "NOT_FOUND"
    assert (
        world.admin_b.execute("query($id: ID!) { node(id: $id) { id } }", {"id": a_ids[0]})["node"]
        is None
    )
    assert nodes(people.manager)[0]["read"] is False
    # Firm A's session at firm B's host is refused outright.
    stolen = GraphQLClient(world.client1.base_url, world.host_b)
    stolen.cookies = dict(world.client1.cookies)
    refused_outright(stolen.post({"query": COUNT}), 403, "WRONG_HOST")


def test_a_contact_who_lost_the_grant_sees_no_report_notifications(
    db_engine: sa.Engine, firms: dict[str, Any], live_server: Any, world: World
) -> None:
    a = firms["a"]
    person, s, c = add_contact(db_engine, a.slug, a.id, pk(world.org1), ["reports"])
    contact = session_client(live_server.url, a.host, s, c)
    first = new_report(world.integrator_a, world.org1)
    record(world.integrator_a, first["id"], "REJECTED", at(0))
    assert unread(contact) == 1
    with db_engine.begin() as conn:
        conn.execute(
            sa.text(
                f"DELETE FROM \"{schema_for(a.slug)}\".client_grants WHERE module = 'reports' "
                f'AND contact_id IN (SELECT id FROM "{schema_for(a.slug)}".client_contacts '
                "WHERE person_id = :p)"
            ),
            {"p": person},
        )
    second = new_report(world.integrator_a, world.org1)
    record(world.integrator_a, second["id"], "REJECTED", at(0))
    assert unread(contact) == 0 and nodes(contact) == []
    with db_engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                f'SELECT report_id FROM "{schema_for(a.slug)}".notifications WHERE person_id = :p'
            ),
            {"p": person},
        ).scalars()
        assert list(rows) == [pk(first["id"])]  # nothing new was written for it


def test_bulk_import_mails_each_recipient_once_branded(
    db_engine: sa.Engine, firms: dict[str, Any], live_server: Any, settings: Any, worker: Worker
) -> None:
    fresh = build_world(db_engine, firms, live_server.url)  # people no other test notifies
    a = firms["a"]
    contact, _, _ = add_contact(db_engine, a.slug, a.id, pk(fresh.org1), ["reports"])
    ungranted, _, _ = add_contact(db_engine, a.slug, a.id, pk(fresh.org1), ["chat"])
    reports = [new_report(fresh.integrator_a, fresh.org1) for _ in range(6)]
    rows = [
        line(
            reportId=r["id"],
            externalId=external_id("bulk"),
            kind="rejected" if i else "clarification_requested",
            occurredAt=at(i).isoformat(),
            text=f"Замечание {i}",
        )
        for i, r in enumerate(reports)
    ]
    started = fresh.integrator_a.execute(IMPORT, {"lines": "\n".join(rows)})
    state = wait_done(fresh, started["importReportEvents"]["id"])
    assert state["recorded"] == 6, state

    to_contact, to_manager = email_of(db_engine, contact), email_of(db_engine, fresh.manager_a_id)
    eventually(
        lambda: messages_to(settings, to_contact) and messages_to(settings, to_manager),
        within=30,
        what="the notification e-mails",
    )
    time.sleep(3)  # the point: any second e-mail would be due by now (the delay is 1 s here)
    for address in (to_contact, to_manager):
        mails = messages_to(settings, address)
        assert len(mails) == 1, [m["Subject"] for m in mails]
        message = mails[0]
        assert "Бухгалтерия Альфа" in str(message["From"]) and "(6)" in str(message["Subject"])
        body = text_of(message)
        assert body.count("Отчёт отклонён:") == 5 and body.count("Требуются пояснения:") == 1
        assert "Замечание 5" in body and "Бухгалтерия Альфа" in body
        assert "Бухгалтерия Альфа" in html_of(message)
    assert f"/cabinet/{pk(fresh.org1)}/reports/" in text_of(messages_to(settings, to_contact)[0])
    assert "/reports/" in text_of(messages_to(settings, to_manager)[0])
    assert messages_to(settings, email_of(db_engine, ungranted)) == []
    with db_engine.connect() as conn:
        waiting = conn.execute(
            sa.text(
                f'SELECT count(*) FROM "{schema_for(a.slug)}".notifications '
                "WHERE person_id IN (:c, :m) AND emailed_at IS NULL"
            ),
            {"c": contact, "m": fresh.manager_a_id},
        ).scalar_one()
    assert waiting == 0

    # The job run again (a retry) sends nothing twice.
    asyncio.run(enqueue(a.id, send_notification_mails))
    time.sleep(3)  # the point: time enough for the retry to send again, which it must not
    assert len(messages_to(settings, to_contact)) == 1
    assert len(messages_to(settings, to_manager)) == 1


def test_notification_list_costs_the_same_statements_at_any_page_size(
    world: World, people: People, live_server: Any
) -> None:
    for _ in range(12):
        report = new_report(world.integrator_a, world.org1)
        record(world.integrator_a, report["id"], "REJECTED", at(0))
    announced()  # their hooks' statements are not the list's
    engine = live_server.app.state.services.engine.sync_engine
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        statements.append(statement)

    def cost(c: GraphQLClient, size: int) -> list[str]:
        statements.clear()
        sa.event.listen(engine, "before_cursor_execute", count)
        try:
            got = nodes(c, first=size)
        finally:
            sa.event.remove(engine, "before_cursor_execute", count)
        assert len(got) == size and all(n["report"] and n["organizationName"] for n in got)
        return [
            s
            for s in statements
            if "set_config" not in s
            and not s.startswith("SET LOCAL")
            and "shared." not in s
            and "outbox" not in s
            and "webhook" not in s
        ]

    for c in (people.manager, world.client1):
        small, large = cost(c, 3), cost(c, 12)
        assert len(small) == len(large) <= 4, large
    assert error_codes(world.client1.post({"query": LIST, "variables": {"first": 101}}).json())
