"""Chat notices over GraphQL/HTTP: each kind with its proof (time, person, address, user
agent, the opened version's SHA-256), the client's answers and their refusals, a client of
another organization or firm refused, the proof exported as CSV and PDF (the PDF's text
parsed), and the one reminder on real 2026 dates (a Friday notice before a public holiday)."""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from dramatiq import Worker
from pypdf import PdfReader

from saas.core.calendar.firm import calendar_of
from saas.db.session import tenant_transaction
from saas.jobs import enqueue_sync
from saas.jobs.periodic import PERIODIC
from saas.modules.chat.jobs import remind_chat_notices
from saas.modules.chat.service.reminders import due_on, send_due_reminders
from saas.tenants.provisioning import schema_for
from tests.support.client import GraphQLClient
from tests.support.documents import PDF, b64
from tests.support.ids import pk
from tests.support.jobs import job_finished
from tests.support.people import email_of, open_session, session_client
from tests.support.reports import World, add_contact, build_world
from tests.support.waiting import eventually

ERR = "... on Error { code message } ... on ValidationError { field }"
QERR = "... on Error { code message }"
NOTICE = """id kind title text organizationId messageId file { fileId name sha256 } recipientsTotal
  recipientsDone
  awaitsViewer remindedAt actions { action at ip userAgent versionSha256 comment
  person { email } }"""
POST = f"""mutation($org: ID!, $input: PostChatNoticeInput!) {{
  postChatNotice(organizationId: $org, input: $input) {{
    __typename ... on ChatNotice {{ {NOTICE} }} {ERR} }} }}"""
ACT = f"""mutation($id: ID!, $answer: ChatNoticeAnswer!, $comment: String) {{
  actOnChatNotice(noticeId: $id, answer: $answer, comment: $comment) {{
    __typename ... on ChatNotice {{ {NOTICE} }} {ERR} }} }}"""
OPEN = f"""mutation($id: ID!) {{ openChatNoticeFile(noticeId: $id) {{
  __typename ... on ChatNoticeFileLink {{ url sha256 }} {QERR} }} }}"""
ONE = f"""query($id: ID!) {{ chatNotice(id: $id) {{
  __typename ... on ChatNotice {{ {NOTICE} }} ... on Error {{ code }} }} }}"""
LIST = f"""query($org: ID!, $mine: Boolean!) {{
  chatNotices(organizationId: $org, awaitingMe: $mine) {{ edges {{ node {{ {NOTICE} }} }} }} }}"""
PROOF = f"""query($id: ID!) {{ chatNoticeProof(noticeId: $id) {{ __typename
  ... on ChatNoticeProof {{ kind title organizationName postedBy fileName fileSha256
    recipients pending recipientsDone recipientsTotal outcome remindedAt
    entries {{ personName personEmail action actionLabel ip userAgent versionSha256
               comment }} }}
  {QERR} }} }}"""
EXPORT = f"""mutation($id: ID!, $format: ChatExportFormat!) {{
  exportChatNoticeProof(noticeId: $id, format: $format) {{ __typename
    ... on ChatNoticeProofExport {{ id status }} {QERR} }} }}"""
EXPORT_STATE = """query($id: ID!) { chatNoticeProofExport(id: $id) { __typename
  ... on ChatNoticeProofExport { id status format rows downloadUrl error }
  ... on Error { code } } }"""
INBOX = """{ notifications(first: 50) { edges { node { kind title body link
  organizationId } } } }"""
UA = "Mozilla/5.0 (X11; Linux x86_64) NoticeProbe/1.0"
IP = "203.0.113.77"


class People:
    """The world's firm A, plus its responsible manager logged in and a second contact of
    org1 taking part in the chat."""

    def __init__(self, db_engine: sa.Engine, firms: dict[str, Any], url: str, world: World):
        a = firms["a"]
        self.manager = session_client(
            url, a.host, *open_session(db_engine, world.manager_a_id, a.id)
        )
        self.manager_email = email_of(db_engine, world.manager_a_id)
        self.second_id, s, c = add_contact(db_engine, a.slug, a.id, pk(world.org1), ["chat"])
        self.second = session_client(url, a.host, s, c)
        self.second_email = email_of(db_engine, self.second_id)


@pytest.fixture(scope="module")
def world(db_engine, firms, live_server) -> World:  # type: ignore[no-untyped-def]
    return build_world(db_engine, firms, live_server.url)


@pytest.fixture(scope="module")
def people(db_engine, firms, live_server, world) -> People:  # type: ignore[no-untyped-def]
    return People(db_engine, firms, live_server.url, world)


def post(c: GraphQLClient, org: str, **notice: Any) -> dict[str, Any]:
    return c.execute(POST, {"org": org, "input": notice})["postChatNotice"]


def act(c: GraphQLClient, notice: str, answer: str, comment: str | None = None) -> dict[str, Any]:
    return c.execute(
        ACT,
        {"id": notice, "answer": answer, "comment": comment},
        headers={"user-agent": UA, "x-forwarded-for": IP},
    )["actOnChatNotice"]


def proof(c: GraphQLClient, notice: str) -> dict[str, Any]:
    return c.execute(PROOF, {"id": notice})["chatNoticeProof"]


def test_must_read_is_confirmed_once_with_address_and_browser(world: World, people: People) -> None:
    notice = post(
        people.manager,
        world.org1,
        kind="MUST_READ",
        title="Сроки сдачи отчётности",
        text="Просим подтвердить, что вы ознакомились с графиком.",
    )
    assert notice["__typename"] == "ChatNotice", notice
    assert notice["recipientsTotal"] == 2 and notice["recipientsDone"] == 0

    # Each recipient is notified in the cabinet (and by the batched e-mail).
    inbox = [e["node"] for e in world.client1.execute(INBOX)["notifications"]["edges"]]
    told = [n for n in inbox if n["kind"] == "CHAT_NOTICE" and "Сроки сдачи" in n["body"]]
    assert told and told[0]["link"] == f"/cabinet/{pk(world.org1)}/chat", inbox
    assert told[0]["title"].startswith("Новое уведомление в чате")

    waiting = world.client1.execute(LIST, {"org": world.org1, "mine": True})["chatNotices"]
    assert notice["id"] in [e["node"]["id"] for e in waiting["edges"]]

    wrong = act(world.client1, notice["id"], "APPROVE")
    assert (wrong["__typename"], wrong["code"]) == ("ValidationError", "WRONG_ACTION")
    done = act(world.client1, notice["id"], "READ")
    assert done["__typename"] == "ChatNotice", done
    assert done["recipientsDone"] == 1 and done["awaitsViewer"] is False
    [mine] = done["actions"]
    assert (mine["action"], mine["ip"], mine["userAgent"]) == ("READ", IP, UA)
    again = act(world.client1, notice["id"], "READ")
    assert (again["__typename"], again["code"]) == ("ConflictError", "ALREADY_DONE")

    # The client sees only its own actions; the firm sees everyone's, in the proof too.
    act(people.second, notice["id"], "READ")
    seen = world.client1.execute(ONE, {"id": notice["id"]})["chatNotice"]
    assert [a["person"]["email"] for a in seen["actions"]] == [mine["person"]["email"]]
    got = proof(people.manager, notice["id"])
    assert got["__typename"] == "ChatNoticeProof", got
    assert (got["recipientsDone"], got["recipientsTotal"], got["pending"]) == (2, 2, [])
    assert got["outcome"] == "Выполнено: 2 из 2"
    assert [e["personEmail"] for e in got["entries"]] == [
        mine["person"]["email"],
        people.second_email,
    ]
    assert {(e["action"], e["ip"], e["userAgent"]) for e in got["entries"]} == {("READ", IP, UA)}

    # A client cannot read the proof, nor answer as staff.
    refused = world.client1.raw(PROOF, {"id": notice["id"]})
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    staff = people.manager.raw(ACT, {"id": notice["id"], "answer": "READ"})
    assert staff["errors"][0]["extensions"]["code"] == "FORBIDDEN"


def test_must_approve_declining_needs_a_comment(world: World, people: People) -> None:
    notice = post(people.manager, world.org1, kind="MUST_APPROVE", title="Акт сверки за 3 кв.")
    blank = act(world.client1, notice["id"], "DECLINE", "  ")
    assert (blank["__typename"], blank["code"], blank["field"]) == (
        "ValidationError",
        "COMMENT_REQUIRED",
        "comment",
    )
    declined = act(world.client1, notice["id"], "DECLINE", "Сумма по договору №7 не сходится")
    assert declined["__typename"] == "ChatNotice", declined
    approved = act(people.second, notice["id"], "APPROVE")
    assert approved["recipientsDone"] == 2
    got = proof(people.manager, notice["id"])
    assert [(e["action"], e["comment"]) for e in got["entries"]] == [
        ("DECLINED", "Сумма по договору №7 не сходится"),
        ("APPROVED", None),
    ]
    assert [e["actionLabel"] for e in got["entries"]] == ["Отклонил", "Согласовал"]


TWICE = """mutation($org: ID!, $bad: PostChatNoticeInput!, $good: PostChatNoticeInput!) {
  first: postChatNotice(organizationId: $org, input: $bad) { __typename ... on Error { code } }
  second: postChatNotice(organizationId: $org, input: $good) {
    __typename ... on ChatNotice { title } ... on Error { code } } }"""


def test_a_refused_mutation_leaves_the_next_one_of_the_request_working(
    world: World, people: People
) -> None:
    """The first mutation loads the organization and is rolled back (the rollback expires the
    rows the request's loaders hold); the second, in the same request, loads it again."""
    good = {"kind": "INFO", "title": "После отказа"}
    as_staff = people.manager.execute(
        TWICE, {"org": world.org1, "bad": {"kind": "INFO", "title": " "}, "good": good}
    )
    assert as_staff["first"] == {"__typename": "ValidationError", "code": as_staff["first"]["code"]}
    assert as_staff["second"] == {"__typename": "ChatNotice", "title": "После отказа"}
    # An integrator may not post notices: both refused, neither an internal error.
    as_token = world.integrator_a.execute(TWICE, {"org": world.org1, "bad": good, "good": good})
    assert as_token["first"]["code"] == as_token["second"]["code"] == "FORBIDDEN"


def test_informational_needs_nothing(world: World, people: People) -> None:
    notice = post(people.manager, world.org1, kind="INFO", title="Мы переехали")
    assert notice["awaitsViewer"] is False
    nothing = act(world.client1, notice["id"], "READ")
    assert (nothing["__typename"], nothing["code"]) == ("ConflictError", "NO_ACTION_NEEDED")
    got = proof(people.manager, notice["id"])
    assert got["outcome"] == "Действие не требуется" and got["entries"] == []


def test_must_open_file_is_confirmed_by_fetching_the_file(world: World, people: People) -> None:
    missing = post(people.manager, world.org1, kind="MUST_OPEN_FILE", title="Без файла")
    assert (missing["__typename"], missing["code"]) == ("ValidationError", "FILE_REQUIRED")
    notice = post(
        people.manager,
        world.org1,
        kind="MUST_OPEN_FILE",
        title="Счёт на оплату услуг",
        file={"filename": "Счёт 12.pdf", "contentBase64": b64(PDF)},
    )
    assert notice["__typename"] == "ChatNotice", notice
    assert notice["file"]["name"] == "Счёт 12.pdf"
    assert notice["file"]["sha256"] == hashlib.sha256(PDF).hexdigest()
    answered = act(world.client1, notice["id"], "READ")
    assert (answered["__typename"], answered["code"]) == ("ConflictError", "OPEN_THE_FILE")

    # A link alone proves nothing; the staff's own fetch neither.
    staff_link = people.manager.execute(OPEN, {"id": notice["id"]})["openChatNoticeFile"]
    people.manager.http.get(staff_link["url"], headers={"host": people.manager.host})
    link = world.client1.execute(OPEN, {"id": notice["id"]})["openChatNoticeFile"]
    assert link["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert world.client1.execute(ONE, {"id": notice["id"]})["chatNotice"]["actions"] == []
    body = world.client1.http.get(
        link["url"],
        headers={"host": world.client1.host, "user-agent": UA, "x-forwarded-for": IP},
    )
    assert body.status_code == 200 and body.content == PDF
    # Fetched again: still one confirmation.
    world.client1.http.get(link["url"], headers={"host": world.client1.host})
    got = proof(people.manager, notice["id"])
    assert got["fileName"] == "Счёт 12.pdf" and got["fileSha256"] == link["sha256"]
    [opened] = got["entries"]
    assert (opened["action"], opened["ip"], opened["userAgent"], opened["versionSha256"]) == (
        "OPENED",
        IP,
        UA,
        link["sha256"],
    )
    assert got["pending"] and got["recipientsDone"] == 1


def test_other_organization_and_firm_are_refused(world: World, people: People) -> None:
    notice = post(people.manager, world.org1, kind="MUST_READ", title="Только для Ромашки")
    for c in (world.client2, world.admin_b):
        answer = act(c, notice["id"], "READ")
        assert (answer["__typename"], answer["code"]) == ("NotFoundError", "NOT_FOUND"), answer
        seen = c.execute(ONE, {"id": notice["id"]})["chatNotice"]
        assert seen["__typename"] == "NotFoundError"
    assert proof(world.admin_b, notice["id"])["__typename"] == "NotFoundError"
    # Posting to another firm's organization: the id names nothing there.
    foreign = post(world.admin_b, world.org1, kind="INFO", title="Чужое")
    assert foreign["__typename"] == "NotFoundError"
    still = proof(people.manager, notice["id"])
    assert still["entries"] == []


def test_proof_exports_as_csv_and_pdf(world: World, people: People, worker: Worker) -> None:
    notice = post(people.manager, world.org1, kind="MUST_APPROVE", title="Договор на 2027 год")
    act(world.client1, notice["id"], "DECLINE", "Не согласны с пунктом 4.2")
    client_email = proof(people.manager, notice["id"])["entries"][0]["personEmail"]

    def exported(file_format: str) -> bytes:
        job = people.manager.execute(EXPORT, {"id": notice["id"], "format": file_format})
        started = job["exportChatNoticeProof"]
        assert started["__typename"] == "ChatNoticeProofExport", started
        state = job_finished(
            lambda: people.manager.execute(EXPORT_STATE, {"id": started["id"]})[
                "chatNoticeProofExport"
            ],
            what=f"the {file_format} export",
        )
        assert state["status"] == "DONE", state
        assert state["rows"] == 1 and state["format"] == file_format
        got = people.manager.http.get(state["downloadUrl"], headers=people.manager.headers())
        assert got.status_code == 200
        return got.content

    rows = list(csv.DictReader(io.StringIO(exported("CSV").decode("utf-8-sig"))))
    assert [(r["action"], r["action_label"], r["comment"]) for r in rows] == [
        ("declined", "Отклонил", "Не согласны с пунктом 4.2")
    ]
    assert rows[0]["person_email"] == client_email and rows[0]["notice_id"] == notice["id"]

    pdf = exported("PDF")
    assert pdf.startswith(b"%PDF")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    for expected in (
        "Договор на 2027 год",
        "Требует согласования",
        "Отклонил",
        "Не согласны с пунктом 4.2",
        client_email,
        "Мария Менеджер",  # who posted it
        "Выполнено: 1 из 2",
        "Ещё не ответили",  # the second contact
    ):
        assert expected in text, (expected, text)

    # Another firm cannot follow the export, and a client cannot start one.
    refused = world.client1.raw(EXPORT, {"id": notice["id"], "format": "CSV"})
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"


MOSCOW = ZoneInfo("Europe/Moscow")


async def test_a_friday_notice_before_a_holiday_reminds_on_the_right_business_day(
    world: World,
    people: People,
    db_engine: sa.Engine,
    firms: dict[str, Any],
    aengine: Any,
    tenants: Any,
) -> None:
    """Friday 20 February 2026, the Monday after it (23 February) a public holiday: with the
    default 2 business days, the reminder is due on Wednesday 25 February, not before."""
    tenant = tenants["a"]
    calendar = calendar_of(tenant)
    friday = datetime(2026, 2, 20, 15, 0, tzinfo=MOSCOW)
    assert not calendar.is_business_day(date(2026, 2, 23))  # Defender of the Fatherland Day
    assert due_on(calendar, friday, 2) == date(2026, 2, 25)
    assert "remind_chat_notices" in PERIODIC

    notice = post(people.manager, world.org1, kind="MUST_READ", title="Напоминание: проверка")
    act(people.second, notice["id"], "READ")  # one of the two answered; client1 did not
    with db_engine.begin() as conn:
        conn.execute(
            sa.text(
                f'UPDATE "{schema_for(firms["a"].slug)}".chat_notices SET created_at = :at '
                "WHERE id = :id"
            ),
            {"at": friday, "id": pk(notice["id"])},
        )

    async def remind_at(moment: datetime) -> dict[str, int]:
        async with tenant_transaction(aengine, tenant) as session:
            return await send_due_reminders(session, calendar, 2, moment)

    # Tuesday 24th (the first business day after): not yet. Wednesday 25th: once.
    assert await remind_at(datetime(2026, 2, 24, 18, 0, tzinfo=MOSCOW)) == {
        "notices": 0,
        "people": 0,
    }
    assert await remind_at(datetime(2026, 2, 25, 9, 0, tzinfo=MOSCOW)) == {
        "notices": 1,
        "people": 1,
    }
    assert await remind_at(datetime(2026, 2, 26, 9, 0, tzinfo=MOSCOW)) == {
        "notices": 0,
        "people": 0,
    }
    assert proof(people.manager, notice["id"])["remindedAt"] is not None
    seen = people.manager.execute(ONE, {"id": notice["id"]})["chatNotice"]
    assert datetime.fromisoformat(seen["remindedAt"]) == datetime(
        2026, 2, 25, 9, 0, tzinfo=MOSCOW
    ).astimezone(UTC)
    with db_engine.begin() as conn:
        reminded = (
            conn.execute(
                sa.text(
                    f'SELECT person_id FROM "{schema_for(firms["a"].slug)}".notifications '
                    "WHERE kind = 'chat_notice_reminder' AND (payload->>'notice_id')::bigint = :id"
                ),
                {"id": pk(notice["id"])},
            )
            .scalars()
            .all()
        )
    assert len(reminded) == 1 and reminded[0] != people.second_id
    inbox = [e["node"] for e in world.client1.execute(INBOX)["notifications"]["edges"]]
    assert [n["kind"] for n in inbox if "Напоминание: проверка" in n["body"]] == [
        "CHAT_NOTICE_REMINDER",
        "CHAT_NOTICE",
    ]


def test_the_periodic_job_sends_a_due_reminder(
    world: World, people: People, worker: Worker, db_engine: sa.Engine, firms: dict[str, Any]
) -> None:
    """The worker's `remind_chat_notices` (fired per firm by the scheduler) reminds a notice
    posted three weeks ago and still unanswered (that it is sent once: the service's test
    above)."""
    notice = post(people.manager, world.org1, kind="MUST_APPROVE", title="Старый договор")
    with db_engine.begin() as conn:
        conn.execute(
            sa.text(
                f'UPDATE "{schema_for(firms["a"].slug)}".chat_notices '
                "SET created_at = now() - interval '21 days' WHERE id = :id"
            ),
            {"id": pk(notice["id"])},
        )
    enqueue_sync(firms["a"].id, remind_chat_notices)

    def reminded() -> str:
        seen = people.manager.execute(ONE, {"id": notice["id"]})["chatNotice"]
        assert seen["remindedAt"], seen
        return str(seen["remindedAt"])

    eventually(reminded, within=30, what="the reminder")
    inbox = [e["node"] for e in world.client1.execute(INBOX)["notifications"]["edges"]]
    assert [n["kind"] for n in inbox if "Старый договор" in n["body"]] == [
        "CHAT_NOTICE_REMINDER",
        "CHAT_NOTICE",
    ]


def test_a_notice_message_shows_nobody_the_recipients_person_ids(
    world: World, people: People, db_engine: sa.Engine, firms: dict[str, Any]
) -> None:
    notice = post(people.manager, world.org1, kind="MUST_READ", title="Сверка остатков")
    page = """query($org: ID!) { chatConversation(organizationId: $org) { __typename
      ... on ChatConversation { id } } }"""
    messages = """query($c: ID!, $id: ID!) { chatMessages(conversationId: $c, first: 20) {
      edges { node { id kind data } } }
      node(id: $id) { ... on ChatMessage { data } } }"""
    for viewer in (world.client1, people.second, people.manager):
        conv = viewer.execute(page, {"org": world.org1})["chatConversation"]["id"]
        got = viewer.execute(messages, {"c": conv, "id": notice["messageId"]})
        [shown] = [
            e["node"]
            for e in got["chatMessages"]["edges"]
            if e["node"]["id"] == notice["messageId"]
        ]
        assert shown["data"]["notice"]["title"] == "Сверка остатков", shown
        assert "recipients" not in shown["data"]["notice"], shown
        assert "recipients" not in got["node"]["data"]["notice"], got
    # The firm's proof still knows who was asked (the stored message keeps them).
    with db_engine.connect() as conn:
        stored = conn.execute(
            sa.text(f"SELECT data FROM {schema_for(firms['a'].slug)}.chat_messages WHERE id = :id"),
            {"id": pk(notice["messageId"])},
        ).scalar_one()
    assert people.second_id in stored["notice"]["recipients"]
    assert proof(people.manager, notice["id"])["recipientsTotal"] >= 2
