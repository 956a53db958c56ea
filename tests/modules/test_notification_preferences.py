"""Per-person notification preferences over GraphQL/HTTP: defaults (e-mail on for every kind),
changing them and typed refusals, the batched e-mail job honouring them when it sends (a muted
kind is not mailed, its in-app notification stays, switching back on mails no backlog), and
isolation: between people, between firms, and for the same person in two firms."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
import sqlalchemy as sa

from saas.jobs import enqueue
from saas.modules.notifications.jobs import send_notification_mails
from saas.tenants.provisioning import schema_for
from tests.support.auth import create_person
from tests.support.client import GraphQLClient, refused_outright
from tests.support.ids import pk
from tests.support.jobs import live_worker
from tests.support.mail import messages_to, text_of
from tests.support.notifications import nodes, unread
from tests.support.people import email_of, open_session, session_client
from tests.support.reports import World, add_contact, at, build_world, new_report, record
from tests.support.waiting import eventually

PREFERENCES = "{ notificationPreferences { kind email } }"
UPDATE = """mutation($p: [NotificationPreferenceInput!]!) {
  updateNotificationPreferences(preferences: $p) { __typename
    ... on NotificationPreferencesUpdated { preferences { kind email } }
    ... on ValidationError { code message field } } }"""
# The report kinds these tests switch; the chat's kinds (issue 13) are listed beside them.
EVERY_KIND = ("REPORT_REJECTED", "CLARIFICATION_REQUESTED")
CHAT_KINDS = ("CHAT_MESSAGE", "CHAT_NOTICE", "CHAT_NOTICE_REMINDER")
# The service requests' SLA warning (issue 14).
REQUEST_KINDS = ("REQUEST_DEADLINE_WARNING",)


def all_choices(c: GraphQLClient) -> dict[str, bool]:
    return {p["kind"]: p["email"] for p in c.execute(PREFERENCES)["notificationPreferences"]}


def choices(c: GraphQLClient) -> dict[str, bool]:
    """The report kinds' choices."""
    return {k: v for k, v in all_choices(c).items() if k in EVERY_KIND}


def update(c: GraphQLClient, *pairs: tuple[str, bool | None], **kw: Any) -> dict[str, Any]:
    body = {"query": UPDATE, "variables": {"p": [{"kind": k, "email": e} for k, e in pairs]}}
    response = c.post(body, **kw).json()
    assert "errors" not in response, response
    return dict(response["data"]["updateNotificationPreferences"])


@pytest.fixture(scope="module")
def world(db_engine, firms, live_server) -> World:  # type: ignore[no-untyped-def]
    return build_world(db_engine, firms, live_server.url)


def test_defaults_changes_and_typed_refusals(world: World) -> None:
    assert all_choices(world.client1) == dict.fromkeys(
        EVERY_KIND + CHAT_KINDS + REQUEST_KINDS, True
    )

    done = update(world.client1, ("REPORT_REJECTED", False))
    assert done["__typename"] == "NotificationPreferencesUpdated"
    assert {p["kind"]: p["email"] for p in done["preferences"]} == {
        "REPORT_REJECTED": False,
        "CLARIFICATION_REQUESTED": True,
        **dict.fromkeys(CHAT_KINDS + REQUEST_KINDS, True),
    }
    # A null channel leaves the kind as it is; the choice is kept (read back fresh).
    update(world.client1, ("REPORT_REJECTED", None), ("CLARIFICATION_REQUESTED", False))
    assert choices(world.client1) == {"REPORT_REJECTED": False, "CLARIFICATION_REQUESTED": False}
    update(world.client1, ("CLARIFICATION_REQUESTED", True))
    assert choices(world.client1) == {"REPORT_REJECTED": False, "CLARIFICATION_REQUESTED": True}

    # Bad input: typed, worded in the caller's language, and nothing changes.
    nothing = update(world.client1)
    assert (nothing["code"], nothing["field"]) == ("NOTHING_TO_CHANGE", "preferences")
    assert nothing["message"] == "Укажите хотя бы один вид уведомлений."
    twice = update(
        world.client1,
        ("REPORT_REJECTED", True),
        ("REPORT_REJECTED", False),
        headers={"Accept-Language": "en"},
    )
    assert twice["code"] == "DUPLICATE_KIND"
    assert twice["message"] == "Give each kind of notification only once."
    assert choices(world.client1) == {"REPORT_REJECTED": False, "CLARIFICATION_REQUESTED": True}
    unknown = world.client1.post(
        {"query": UPDATE, "variables": {"p": [{"kind": "PAYMENT_DUE", "email": False}]}}
    ).json()
    assert unknown.get("data") is None and unknown["errors"], unknown

    # Another person of the same firm keeps the defaults.
    assert choices(world.client2) == dict.fromkeys(EVERY_KIND, True)

    # API tokens and anonymous callers have no preferences to read or change.
    for c in (world.integrator_a, GraphQLClient(world.client1.base_url, world.host_a)):
        for body in (
            {"query": PREFERENCES},
            {"query": UPDATE, "variables": {"p": [{"kind": "REPORT_REJECTED", "email": True}]}},
        ):
            response = c.post(body).json()
            assert response["errors"][0]["extensions"]["code"] in (
                "FORBIDDEN",
                "UNAUTHENTICATED",
            ), response
    assert choices(world.client1) == {"REPORT_REJECTED": False, "CLARIFICATION_REQUESTED": True}


def test_the_mail_job_reads_preferences_when_it_sends(
    db_engine: sa.Engine, firms: dict[str, Any], live_server: Any, settings: Any
) -> None:
    fresh = build_world(db_engine, firms, live_server.url)  # a manager nobody else notifies
    a = firms["a"]
    muted_id, s, c = add_contact(db_engine, a.slug, a.id, pk(fresh.org1), ["reports"])
    muted = session_client(live_server.url, a.host, s, c)
    partly_id, s, c = add_contact(db_engine, a.slug, a.id, pk(fresh.org1), ["reports"])
    partly = session_client(live_server.url, a.host, s, c)
    # Switched off before anything happened...
    update(muted, ("REPORT_REJECTED", False))

    first = new_report(fresh.integrator_a, fresh.org1)
    second = new_report(fresh.integrator_a, fresh.org1)
    record(fresh.integrator_a, first["id"], "REJECTED", at(0), text="Ошибка в КПП")
    record(fresh.integrator_a, second["id"], "CLARIFICATION_REQUESTED", at(1), text="Пояснить")
    # ...and after the notifications were written but before the job ran: no worker runs
    # yet, so the job sees the preferences as they are when it sends.
    update(muted, ("CLARIFICATION_REQUESTED", False))
    update(partly, ("REPORT_REJECTED", False))
    assert unread(muted) == 2 and unread(partly) == 2

    schema = schema_for(a.slug)

    def unsettled() -> int:
        with db_engine.connect() as conn:
            return int(
                conn.execute(
                    sa.text(
                        f'SELECT count(*) FROM "{schema}".notifications '
                        "WHERE person_id IN (:m, :p, :g) AND emailed_at IS NULL"
                    ),
                    {"m": muted_id, "p": partly_id, "g": fresh.manager_a_id},
                ).scalar_one()
            )

    assert unsettled() == 6
    to_muted, to_partly = email_of(db_engine, muted_id), email_of(db_engine, partly_id)
    to_manager = email_of(db_engine, fresh.manager_a_id)
    with live_worker(live_server):
        asyncio.run(enqueue(a.id, send_notification_mails))
        eventually(lambda: not unsettled(), within=30, what="the notification e-mail job")

        assert messages_to(settings, to_muted) == []
        [partial] = messages_to(settings, to_partly)
        assert "(1)" in str(partial["Subject"])
        assert "Требуются пояснения:" in text_of(partial)
        assert "Отчёт отклонён:" not in text_of(partial)
        [full] = messages_to(settings, to_manager)  # defaults: every kind
        assert "(2)" in str(full["Subject"]) and "Отчёт отклонён:" in text_of(full)

        # The in-app notifications are all there, unread.
        assert unread(muted) == 2 and unread(partly) == 2
        assert {n["kind"] for n in nodes(muted)} == {"REPORT_REJECTED", "CLARIFICATION_REQUESTED"}
        with db_engine.connect() as conn:
            skipped = conn.execute(
                sa.text(
                    f'SELECT person_id, kind FROM "{schema}".notifications '
                    "WHERE person_id IN (:m, :p, :g) AND email_skipped ORDER BY 1, 2"
                ),
                {"m": muted_id, "p": partly_id, "g": fresh.manager_a_id},
            ).all()
        assert sorted(skipped) == sorted(
            [
                (muted_id, "clarification_requested"),
                (muted_id, "report_rejected"),
                (partly_id, "report_rejected"),
            ]
        )

        # Switching e-mail back on mails what comes next, not the skipped backlog.
        update(muted, ("REPORT_REJECTED", True), ("CLARIFICATION_REQUESTED", True))
        asyncio.run(enqueue(a.id, send_notification_mails))
        time.sleep(2)  # the point: time for the job to mail the skipped backlog, which it must not
        assert messages_to(settings, to_muted) == []
        third = new_report(fresh.integrator_a, fresh.org1)
        record(fresh.integrator_a, third["id"], "REJECTED", at(2), text="Снова")
        eventually(
            lambda: messages_to(settings, to_muted),
            within=30,
            what="an e-mail after switching it back on",
        )
        [back] = messages_to(settings, to_muted)
        assert "(1)" in str(back["Subject"]) and "Снова" in text_of(back)


def test_other_firms_and_the_same_person_elsewhere_are_separate(
    db_engine: sa.Engine, firms: dict[str, Any], live_server: Any, world: World
) -> None:
    a, b = firms["a"], firms["b"]
    # Firm B's admin changes only its own preferences, in firm B.
    before_a = choices(world.client1)
    update(world.admin_b, ("REPORT_REJECTED", False), ("CLARIFICATION_REQUESTED", False))
    assert choices(world.admin_b) == dict.fromkeys(EVERY_KIND, False)
    assert choices(world.client1) == before_a
    # Firm A's session at firm B's host is refused outright (and the other way round).
    for source, host in ((world.client1, world.host_b), (world.admin_b, world.host_a)):
        stolen = GraphQLClient(source.base_url, host)
        stolen.cookies = dict(source.cookies)
        for body in (
            {"query": PREFERENCES},
            {"query": UPDATE, "variables": {"p": [{"kind": "REPORT_REJECTED", "email": True}]}},
        ):
            refused_outright(stolen.post(body), 403, "WRONG_HOST")
    assert choices(world.client1) == before_a
    assert choices(world.admin_b) == dict.fromkeys(EVERY_KIND, False)

    # One person, staff of both firms: a choice made in one firm is not the other's.
    person = create_person(
        db_engine,
        memberships=[(a.id, "staff", ["manager"], None), (b.id, "staff", ["manager"], None)],
    )
    in_a = session_client(live_server.url, a.host, *open_session(db_engine, person.id, a.id))
    in_b = session_client(live_server.url, b.host, *open_session(db_engine, person.id, b.id))
    update(in_a, ("CLARIFICATION_REQUESTED", False))
    assert choices(in_a) == {"REPORT_REJECTED": True, "CLARIFICATION_REQUESTED": False}
    assert choices(in_b) == dict.fromkeys(EVERY_KIND, True)
    update(in_b, ("REPORT_REJECTED", False))
    assert choices(in_b) == {"REPORT_REJECTED": False, "CLARIFICATION_REQUESTED": True}
    assert choices(in_a) == {"REPORT_REJECTED": True, "CLARIFICATION_REQUESTED": False}
    with db_engine.connect() as conn:
        rows = {
            slug: conn.execute(
                sa.text(
                    f'SELECT kind, email FROM "{schema_for(slug)}".notification_preferences '
                    "WHERE person_id = :p"
                ),
                {"p": person.id},
            ).all()
            for slug in (a.slug, b.slug)
        }
    assert rows == {
        a.slug: [("clarification_requested", False)],
        b.slug: [("report_rejected", False)],
    }
