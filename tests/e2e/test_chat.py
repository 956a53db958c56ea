"""The chat in the browser: a client contact and the firm's manager, each in their own browser,
exchange messages and a file live (no reload); the client's chat link and the firm's menu
show unread counts that follow; the manager sees "read" once the client has read, and the
client withdraws a message the manager then sees withdrawn. The manager posts a must-approve
notice from the conversation's form; the client approves it and the manager sees the approval
without reload, then the notice's proof. Each chat page has no axe violation and fits a
phone's width."""

from __future__ import annotations

import base64
import uuid
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from saas.settings import Settings
from tests.e2e.support import (
    PASSWORD,
    FirmAdmin,
    LiveChannel,
    Site,
    accept_invitation,
    axe_violations,
    invitation_token,
    log_in,
    no_horizontal_scroll,
)
from tests.support.waiting import eventually


def badge_count(page: Any, test_id: str) -> int:
    """The number in an unread badge (0 when the badge is not shown)."""
    texts = page.get_by_test_id(test_id).all_inner_texts()
    return int(texts[0].strip()) if texts else 0


def message(page: Any, text: str) -> Any:
    return page.locator("[data-testid=chat-message]", has_text=text)


def test_client_and_manager_chat_live(
    chromium: Any,
    site: Site,
    firms: Any,
    firm_admins: dict[str, FirmAdmin],
    e2e_settings: Settings,
    e2e_worker: Any,
    artifacts: Path,
) -> None:
    admin = firm_admins["a"]
    firm = firms["a"]
    suffix = uuid.uuid4().hex[:6]
    org_id, org_pk = admin.create_organization(f"ООО «Беседа {suffix}»")
    contact = f"chat-client-{suffix}@example.test"
    # Files in the chat go through the drive: downloading needs 'documents', sending 'upload'.
    admin.invite_contact(org_id, contact, ["CHAT", "DOCUMENTS", "UPLOAD"])
    accept_invitation(
        site, firm, invitation_token(e2e_settings, contact), PASSWORD, f"Клиент {suffix}"
    )

    contexts = []

    def new_page(width: int = 1280, height: int = 900) -> Any:
        context = chromium.new_context(
            viewport={"width": width, "height": height}, locale="ru-RU", accept_downloads=True
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    try:
        client = new_page()
        log_in(client, site.firm_url(firm, "/login"), contact, PASSWORD)
        client.wait_for_url(f"**/cabinet/{org_pk}")
        chat_link = client.get_by_test_id("chat-link")
        chat_link.wait_for()

        manager = new_page()
        log_in(manager, site.firm_url(firm, "/login"), admin.person.email, admin.person.password)
        manager.get_by_test_id("shell-nav").wait_for()
        manager.goto(site.firm_url(firm, "/chat"))
        manager.get_by_test_id("chat-search").wait_for()
        manager.locator("[data-testid=live-status][data-state=online]").wait_for()
        manager.wait_for_timeout(800)  # the menu badge's subscription starts with the page
        staff_unread = badge_count(manager, "nav-badge-chat")

        # The client writes first (a link in the text): the manager's menu counts it live.
        chat_link.click()
        client.wait_for_url(f"**/cabinet/{org_pk}/chat")
        client.get_by_test_id("chat-thread").wait_for()
        client.get_by_test_id("chat-empty").wait_for()
        client.locator("[data-testid=live-status][data-state=online]").wait_for()
        client.evaluate("window.__noReload = true")
        client.wait_for_timeout(800)
        client.get_by_label("Сообщение").fill(
            f"Здравствуйте! Акт {suffix}: https://example.com/akt"
        )
        client.get_by_test_id("chat-send").click()
        expect(message(client, f"Акт {suffix}")).to_have_count(1)
        assert client.get_by_label("Сообщение").input_value() == ""
        eventually(
            lambda: badge_count(manager, "nav-badge-chat") == staff_unread + 1,
            within=10,
            what="the staff menu's unread count",
        )
        row = manager.locator(f"[data-testid=chat-inbox-row][data-organization-id='{org_id}']")
        row.wait_for()
        expect(row.get_by_test_id("chat-awaiting")).to_be_visible()
        assert axe_violations(manager) == []
        # Only those awaiting our answer (kept in the URL); assigned to the admin in place.
        manager.get_by_test_id("filter-awaiting").click()
        manager.wait_for_url("**awaiting=1")
        row.wait_for()
        row.get_by_test_id("chat-assignee").select_option(label=f"E2E Admin {firm.slug}")
        expect(row.get_by_test_id("chat-assignee").locator("option:checked")).to_have_text(
            f"E2E Admin {firm.slug}", timeout=10_000
        )

        # The manager opens it: the message, its link clickable (plain text, never markup).
        row.get_by_role("link").first.click()
        manager.wait_for_url(f"**/chat/{org_pk}")
        sent = message(manager, f"Акт {suffix}")
        sent.wait_for()
        link = sent.locator("a[href='https://example.com/akt']")
        expect(link).to_have_attribute("rel", "noopener noreferrer nofollow")
        eventually(
            lambda: badge_count(manager, "nav-badge-chat") == staff_unread,
            within=10,
            what="the staff badge after reading",
        )
        # The client sees the firm has read it, without a reload.
        message(client, f"Акт {suffix}").get_by_test_id("chat-read").wait_for(timeout=10_000)
        manager.locator("[data-testid=live-status][data-state=online]").wait_for()
        manager.wait_for_timeout(500)

        # The client goes back to the cabinet's home: its chat link counts the firm's reply.
        client.get_by_role("link", name=f"ООО «Беседа {suffix}»").click()
        client.wait_for_url(f"**/cabinet/{org_pk}")
        client.get_by_test_id("chat-link").wait_for()
        client.wait_for_timeout(800)
        assert badge_count(client, "chat-link-unread") == 0

        # The manager answers with a file (the file button).
        manager.get_by_label("Сообщение").fill(f"Получили, спасибо. Счёт {suffix} во вложении.")
        manager.get_by_test_id("chat-file-input").set_input_files(
            {"name": f"schet-{suffix}.txt", "mimeType": "text/plain", "buffer": b"Invoice 42\n"}
        )
        manager.get_by_test_id("chat-pending-files").wait_for()
        manager.get_by_test_id("chat-send").click()
        expect(message(manager, f"Счёт {suffix}")).to_have_count(1)
        eventually(
            lambda: badge_count(client, "chat-link-unread") == 1,
            within=10,
            what="the client's unread count",
        )
        client.get_by_test_id("chat-link").click()
        reply = message(client, f"Счёт {suffix}")
        reply.wait_for()
        expect(reply.get_by_test_id("chat-file")).to_contain_text(f"schet-{suffix}.txt")
        # The client opens the file (an audited download link).
        with client.expect_download() as downloaded:
            reply.get_by_test_id("chat-file").click()
        assert downloaded.value.suggested_filename == f"schet-{suffix}.txt"
        assert Path(downloaded.value.path()).read_bytes() == b"Invoice 42\n"
        message(manager, f"Счёт {suffix}").get_by_test_id("chat-read").wait_for(timeout=10_000)

        # A client's file live: the manager sees it without a reload.
        client.get_by_test_id("chat-file-input").set_input_files(
            {"name": f"akt-{suffix}.txt", "mimeType": "text/plain", "buffer": b"Akt 7\n"}
        )
        client.get_by_test_id("chat-send").click()
        expect(
            client.locator("[data-testid=chat-file]", has_text=f"akt-{suffix}.txt")
        ).to_have_count(1)
        expect(
            manager.locator("[data-testid=chat-file]", has_text=f"akt-{suffix}.txt")
        ).to_have_count(1, timeout=10_000)

        # The client withdraws a message within its 10 minutes; the manager sees it withdrawn.
        client.get_by_label("Сообщение").fill(f"Ошибся {suffix}")
        client.get_by_test_id("chat-send").click()
        typo = message(client, f"Ошибся {suffix}")
        typo.wait_for()
        message(manager, f"Ошибся {suffix}").wait_for(timeout=10_000)
        client.once("dialog", lambda dialog: dialog.accept())
        typo.get_by_test_id("chat-withdraw").click()
        withdrawn = manager.locator("[data-testid=chat-withdrawn]")
        expect(withdrawn).to_have_count(1, timeout=10_000)
        expect(manager.get_by_text(f"Ошибся {suffix}")).to_have_count(0)

        # A must-approve notice from the manager's form; the client approves it.
        manager.get_by_test_id("notice-details").locator("summary").click()
        manager.get_by_test_id("notice-kind").select_option("MUST_APPROVE")
        manager.get_by_test_id("notice-title").fill(f"Согласуйте акт сверки {suffix}")
        manager.get_by_test_id("notice-text").fill("Проверьте суммы за 3 квартал.")
        manager.get_by_test_id("notice-submit").click()
        notice = client.locator("[data-testid=chat-notice]", has_text=f"акт сверки {suffix}")
        notice.wait_for(timeout=10_000)
        staff_notice = manager.locator("[data-testid=chat-notice]", has_text=f"акт сверки {suffix}")
        staff_notice.wait_for()
        expect(staff_notice.get_by_test_id("notice-progress")).to_have_text("Выполнили: 0 из 1")
        assert axe_violations(client) == []
        notice.get_by_test_id("notice-approve").click()
        notice.get_by_test_id("notice-done").wait_for()
        expect(staff_notice.get_by_test_id("notice-progress")).to_have_text(
            "Выполнили: 1 из 1", timeout=10_000
        )
        # The client's answer is also an entry of the conversation, live.
        expect(manager.get_by_text("Ответ на уведомление: согласовано.")).to_have_count(1)
        assert client.evaluate("window.__noReload === true"), "the client's page was reloaded"
        client.screenshot(path=str(artifacts / "chat-client.png"), full_page=True)
        manager.screenshot(path=str(artifacts / "chat-manager.png"), full_page=True)
        assert axe_violations(manager) == []

        # A mark of the client's call: an entry the client sees at once, in its language.
        manager.get_by_text("Отметка: звонок, письмо, визит, услуга").click()
        manager.get_by_label("Отметка", exact=True).select_option("CALL")
        manager.get_by_label("Комментарий").fill(f"Уточнили сроки {suffix}")
        manager.get_by_test_id("chat-mark-submit").click()
        mark = client.locator("[data-testid=chat-message][data-kind=MARK]")
        expect(mark).to_contain_text("Входящий звонок", timeout=10_000)
        expect(mark).to_contain_text(f"Уточнили сроки {suffix}")

        # The notice's proof: the approval with who and when.
        manager.locator("[data-testid=chat-message]", has=staff_notice).get_by_test_id(
            "notice-proof-link"
        ).click()
        table = manager.get_by_test_id("proof-table")
        table.wait_for()
        expect(table.locator("tbody tr")).to_have_attribute("data-action", "APPROVED")
        assert contact in table.inner_text()
        assert axe_violations(manager) == []
        manager.get_by_test_id("proof-export-CSV").click()
        download = manager.get_by_test_id("proof-download-CSV")
        download.wait_for(timeout=30_000)
        assert download.get_attribute("href")

        # The search: words in their forms, the matches highlighted (plain text, <mark>).
        manager.goto(site.firm_url(firm, "/chat"))
        manager.get_by_test_id("chat-search").fill(f"спасибо {suffix}")
        manager.get_by_test_id("chat-search-submit").click()
        hit = manager.get_by_test_id("chat-hit")
        expect(hit).to_have_count(1)
        expect(hit.locator("mark").first).to_have_text("спасибо")
        assert f"Беседа {suffix}" in hit.inner_text()
        assert axe_violations(manager) == []

        # A phone: the client's and the manager's conversations fit the width.
        phone = new_page(390, 844)
        log_in(phone, site.firm_url(firm, "/login"), contact, PASSWORD)
        phone.wait_for_url(f"**/cabinet/{org_pk}")
        phone.goto(site.firm_url(firm, f"/cabinet/{org_pk}/chat"))
        message(phone, f"Акт {suffix}").wait_for()
        assert no_horizontal_scroll(phone)
        phone.screenshot(path=str(artifacts / "chat-phone.png"), full_page=True)
        staff_phone = new_page(390, 844)
        log_in(
            staff_phone, site.firm_url(firm, "/login"), admin.person.email, admin.person.password
        )
        staff_phone.get_by_test_id("menu-button").wait_for()
        staff_phone.goto(site.firm_url(firm, f"/chat/{org_pk}"))
        message(staff_phone, f"Акт {suffix}").wait_for()
        assert no_horizontal_scroll(staff_phone)
        staff_phone.goto(site.firm_url(firm, "/chat"))
        staff_phone.get_by_test_id("chat-inbox").wait_for()
        assert no_horizontal_scroll(staff_phone)
    finally:
        for context in contexts:
            context.close()


POST_NOTICE = """
mutation($org: ID!, $input: PostChatNoticeInput!) {
  postChatNotice(organizationId: $org, input: $input) {
    __typename
    ... on ChatNotice { id }
    ... on Error { code message }
  }
}
"""


def test_client_answers_notices_in_english(
    chromium: Any,
    site: Site,
    firms: Any,
    firm_admins: dict[str, FirmAdmin],
    e2e_settings: Settings,
) -> None:
    """Each notice kind's buttons, in English: confirm reading, open the file (the download is
    the answer), decline only with a comment; a contact without 'upload' still attaches
    files to the chat (the 'chat' grant is enough)."""
    admin = firm_admins["a"]
    firm = firms["a"]
    suffix = uuid.uuid4().hex[:6]
    org_id, org_pk = admin.create_organization(f"ООО «Notices {suffix}»")
    contact = f"chat-notices-{suffix}@example.test"
    admin.invite_contact(org_id, contact, ["CHAT", "DOCUMENTS"])
    accept_invitation(
        site, firm, invitation_token(e2e_settings, contact), PASSWORD, f"Reader {suffix}"
    )

    def notice(kind: str, title: str, **extra: Any) -> None:
        out = admin.api.execute(
            POST_NOTICE,
            {"org": org_id, "input": {"kind": kind, "title": title, "text": "", **extra}},
        )["postChatNotice"]
        assert out["__typename"] == "ChatNotice", out

    notice("MUST_READ", f"Read me {suffix}")
    notice(
        "MUST_OPEN_FILE",
        f"Open me {suffix}",
        file={"filename": f"act-{suffix}.txt", "contentBase64": "QWN0IG9mIHJlY29uY2lsaWF0aW9uCg=="},
    )

    context = chromium.new_context(
        viewport={"width": 1280, "height": 900}, locale="en-GB", accept_downloads=True
    )
    context.set_default_timeout(15_000)
    context.add_init_script("window.localStorage.setItem('kabinet.lang', 'en')")
    try:
        page = context.new_page()
        log_in(page, site.firm_url(firm, "/login"), contact, PASSWORD)
        page.wait_for_url(f"**/cabinet/{org_pk}")
        # Two messages from the firm not read yet.
        expect(page.get_by_test_id("chat-link-unread")).to_have_text("2")
        page.get_by_test_id("chat-link").click()
        page.wait_for_url(f"**/cabinet/{org_pk}/chat")
        expect(page.get_by_role("heading", level=1)).to_have_text("Chat")
        # No 'upload' grant, yet the 'chat' grant is enough to attach files to a message
        # (they land in "From client"): the attach button is there.
        page.get_by_test_id("chat-composer").wait_for()
        expect(page.get_by_test_id("chat-file-input")).to_have_count(1)

        read = page.locator("[data-testid=chat-notice]", has_text=f"Read me {suffix}")
        read.get_by_role("button", name="Confirm reading").click()
        read.get_by_test_id("notice-done").wait_for()
        expect(read.get_by_test_id("notice-done")).to_have_text("Done")

        opened = page.locator("[data-testid=chat-notice]", has_text=f"Open me {suffix}")
        with page.expect_download() as downloaded:
            opened.get_by_test_id("notice-open-file").click()
        assert downloaded.value.suggested_filename == f"act-{suffix}.txt"
        opened.get_by_test_id("notice-done").wait_for(timeout=10_000)

        # A must-approve notice arrives live; declining needs a comment.
        page.locator("[data-testid=live-status][data-state=online]").wait_for()
        page.wait_for_timeout(800)
        notice("MUST_APPROVE", f"Approve me {suffix}")
        approve = page.locator("[data-testid=chat-notice]", has_text=f"Approve me {suffix}")
        approve.wait_for(timeout=10_000)
        expect(page.get_by_test_id("chat-announcement")).to_contain_text("New message")
        approve.get_by_role("button", name="Decline", exact=True).click()
        approve.get_by_test_id("notice-decline-submit").click()
        # The browser's own check keeps an empty comment from being sent.
        assert approve.get_by_test_id("notice-done").count() == 0
        approve.get_by_label("Why you decline (required)").fill("The sums differ")
        approve.get_by_test_id("notice-decline-submit").click()
        approve.get_by_test_id("notice-done").wait_for()
        expect(
            page.get_by_text("Answer to the notice: declined. Comment: The sums differ")
        ).to_have_count(1, timeout=10_000)
        assert axe_violations(page) == []
    finally:
        context.close()


CONVERSATION = """
query($org: ID!) {
  chatConversation(organizationId: $org) { __typename ... on ChatConversation { id } }
}
"""

POST_MESSAGE = """
mutation($input: PostChatMessageInput!) {
  postChatMessage(input: $input) {
    __typename
    ... on ChatMessage { id }
    ... on Error { code message }
  }
}
"""


def test_chat_catches_up_after_the_live_channel_dropped(
    chromium: Any,
    site: Site,
    firms: Any,
    firm_admins: dict[str, FirmAdmin],
    e2e_settings: Settings,
) -> None:
    """Messages written while the client's WebSocket was cut show once it is back, without a
    reload: replayed from the last event seen (`since`), or the page's reload of its list."""
    admin = firm_admins["a"]
    firm = firms["a"]
    suffix = uuid.uuid4().hex[:6]
    org_id, org_pk = admin.create_organization(f"ООО «Связь {suffix}»")
    contact = f"chat-reconnect-{suffix}@example.test"
    admin.invite_contact(org_id, contact, ["CHAT"])
    accept_invitation(
        site, firm, invitation_token(e2e_settings, contact), PASSWORD, f"Связь {suffix}"
    )
    found = admin.api.execute(CONVERSATION, {"org": org_id})["chatConversation"]
    conversation = found["id"]

    def say(text: str) -> None:
        out = admin.api.execute(
            POST_MESSAGE, {"input": {"conversationId": conversation, "body": text}}
        )["postChatMessage"]
        assert out["__typename"] == "ChatMessage", out

    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="ru-RU")
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        channel = LiveChannel(page)
        log_in(page, site.firm_url(firm, "/login"), contact, PASSWORD)
        page.wait_for_url(f"**/cabinet/{org_pk}")
        page.goto(site.firm_url(firm, f"/cabinet/{org_pk}/chat"))
        page.get_by_test_id("chat-empty").wait_for()
        page.locator("[data-testid=live-status][data-state=online]").wait_for()
        page.evaluate("window.__noReload = true")
        page.wait_for_timeout(1000)
        say(f"Первое {suffix}")
        message(page, f"Первое {suffix}").wait_for(timeout=10_000)

        opened = channel.opened
        channel.cut()
        page.wait_for_timeout(300)
        say(f"Пока вас не было {suffix}")
        page.wait_for_timeout(500)
        assert message(page, f"Пока вас не было {suffix}").count() == 0
        channel.online = True
        message(page, f"Пока вас не было {suffix}").wait_for(timeout=20_000)
        assert channel.opened > opened, "the page never reconnected"
        assert page.evaluate("window.__noReload === true"), "the page was reloaded"
        expect(message(page, f"Первое {suffix}")).to_have_count(1)
    finally:
        context.close()


def test_the_chat_badge_is_in_the_navigation_of_every_cabinet_page(
    chromium: Any,
    site: Site,
    firms: Any,
    firm_admins: dict[str, FirmAdmin],
    e2e_settings: Settings,
) -> None:
    """Away from the cabinet's home (the calendar here), the navigation still shows «Чат» with
    the unread count, which follows a new message of the firm without a reload and leads to
    the chat; the chat page itself has the navigation too."""
    admin = firm_admins["a"]
    firm = firms["a"]
    suffix = uuid.uuid4().hex[:6]
    org_id, org_pk = admin.create_organization(f"ООО «Навигация {suffix}»")
    contact = f"chat-nav-{suffix}@example.test"
    admin.invite_contact(org_id, contact, ["CHAT", "REPORTS"])
    accept_invitation(
        site, firm, invitation_token(e2e_settings, contact), PASSWORD, f"Навигация {suffix}"
    )
    conversation = admin.api.execute(CONVERSATION, {"org": org_id})["chatConversation"]["id"]

    def say(text: str) -> None:
        out = admin.api.execute(
            POST_MESSAGE, {"input": {"conversationId": conversation, "body": text}}
        )["postChatMessage"]
        assert out["__typename"] == "ChatMessage", out

    say(f"Добрый день {suffix}")
    badge = f"nav-badge-cabinet/{org_pk}/chat"
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="ru-RU")
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        log_in(page, site.firm_url(firm, "/login"), contact, PASSWORD)
        page.wait_for_url(f"**/cabinet/{org_pk}")
        page.get_by_test_id("calendar-link").click()
        page.wait_for_url(f"**/cabinet/{org_pk}/calendar")
        nav = page.get_by_test_id("shell-nav")
        expect(nav.get_by_role("link", name="Чат")).to_be_visible()
        expect(page.get_by_test_id(badge)).to_have_text("1")
        page.locator("[data-testid=live-status][data-state=online]").wait_for()
        page.evaluate("window.__noReload = true")
        page.wait_for_timeout(800)
        say(f"Ещё вопрос {suffix}")
        eventually(lambda: badge_count(page, badge) == 2, within=10)
        assert page.evaluate("window.__noReload === true"), "the page was reloaded"
        assert axe_violations(page) == []
        nav.get_by_role("link", name="Чат").click()
        page.wait_for_url(f"**/cabinet/{org_pk}/chat")
        message(page, f"Ещё вопрос {suffix}").wait_for()
        # Opened: read; the navigation stays, its badge goes.
        expect(page.get_by_test_id("shell-nav")).to_be_visible()
        eventually(lambda: badge_count(page, badge) == 0, within=10)
        # A message of the firm in a report's own conversation counts in the badge too, live.
        report = admin.api.execute(REPORT, {"o": org_id})["createReport"]["id"]
        linked = admin.api.execute(
            """query($r: ID!) { chatReportConversation(reportId: $r) {
              ... on ChatConversation { id } } }""",
            {"r": report},
        )["chatReportConversation"]["id"]
        out = admin.api.execute(
            POST_MESSAGE, {"input": {"conversationId": linked, "body": f"Об отчёте {suffix}"}}
        )["postChatMessage"]
        assert out["__typename"] == "ChatMessage", out
        eventually(lambda: badge_count(page, badge) == 1, within=10)
        assert page.evaluate("window.__noReload === true"), "the page was reloaded"
    finally:
        context.close()


REPORT = """mutation($o: ID!) { createReport(input: {organizationId: $o, formCode: "vat",
  periodYear: 2026, periodCode: "Q1", authorityCode: "7701"}) {
  __typename ... on Report { id } } }"""


def test_a_report_has_its_own_conversation_from_its_page(
    chromium: Any, site: Site, firms: Any, firm_admins: dict[str, FirmAdmin], artifacts: Path
) -> None:
    """The report's page links to the report's own conversation (opened on first use, marked
    as about a report, not the organization's); a message written there stays there, and the
    conversation links back to the report."""
    firm = firms["a"]
    admin = firm_admins["a"]
    suffix = uuid.uuid4().hex[:6]
    org_id, org_pk = admin.create_organization(f"ООО «Отчётный чат {suffix}»")
    report = admin.api.execute(REPORT, {"o": org_id})["createReport"]
    assert report["__typename"] == "Report", report
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="ru-RU")
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        log_in(page, site.firm_url(firm, "/login"), admin.person.email, admin.person.password)
        page.get_by_test_id("shell-nav").wait_for()
        page.goto(site.firm_url(firm, f"/reports/{report['id']}"))
        page.get_by_test_id("report-chat-link").click()
        page.wait_for_url("**/chat/report/**")
        expect(page.get_by_test_id("chat-about-report")).to_have_text("Об отчёте")
        expect(page.get_by_test_id("chat-organization")).to_contain_text(suffix)
        page.get_by_test_id("chat-thread").wait_for()
        # Typed markup stays text; a file dropped onto the composer is attached and sent.
        page.get_by_label("Сообщение").fill(f"Исправляем декларацию {suffix} <b>жирный</b>")
        dropped = page.evaluate_handle(
            """() => { const dt = new DataTransfer();
              dt.items.add(new File(["%PDF-1.4\\n%%EOF\\n"], "исправление.pdf",
                                    {type: "application/pdf"}));
              return dt; }"""
        )
        page.get_by_test_id("chat-composer").dispatch_event("dragover", {"dataTransfer": dropped})
        page.get_by_test_id("chat-composer").dispatch_event("drop", {"dataTransfer": dropped})
        expect(page.get_by_test_id("chat-pending-files")).to_contain_text("исправление.pdf")
        page.get_by_test_id("chat-send").click()
        sent = message(page, f"Исправляем декларацию {suffix}")
        expect(sent).to_have_count(1)
        expect(sent).to_contain_text("<b>жирный</b>")
        expect(sent.locator("b")).to_have_count(0)
        expect(sent.get_by_test_id("chat-file")).to_have_text("исправление.pdf")
        assert axe_violations(page) == []

        # The inbox lists it as the report's (marked), and opens it as such.
        page.goto(site.firm_url(firm, "/chat"))
        row = page.locator(f"[data-testid=chat-inbox-row][data-report-id='{report['id']}']")
        page.get_by_test_id("chat-inbox-row").first.wait_for()
        # A full test database has more unread conversations than a page: page on to it.
        more = page.get_by_role("button", name="Показать ещё")
        for _ in range(200):  # clicking again before the next page came asks the same page
            if row.count() or not more.count():
                break
            if more.is_enabled():
                more.click()
            page.wait_for_timeout(100)
        expect(row).to_contain_text("Об отчёте")
        row.get_by_role("link", name=f"ООО «Отчётный чат {suffix}»").click()
        page.wait_for_url("**/chat/report/**")
        expect(message(page, f"Исправляем декларацию {suffix}")).to_have_count(1)

        # The organization's own conversation does not hold it.
        page.goto(site.firm_url(firm, f"/chat/{org_pk}"))
        page.get_by_test_id("chat-thread").wait_for()
        expect(page.get_by_test_id("chat-about-report")).to_have_count(0)
        page.wait_for_timeout(500)
        expect(message(page, f"Исправляем декларацию {suffix}")).to_have_count(0)

        # Back to the report's conversation (the same one, its message kept), then its report.
        page.goto(site.firm_url(firm, f"/reports/{report['id']}"))
        page.get_by_test_id("report-chat-link").click()
        expect(message(page, f"Исправляем декларацию {suffix}")).to_have_count(1)
        page.get_by_test_id("chat-report-link").click()
        page.wait_for_url(lambda url: "/reports/" in url and "/chat/" not in url)
        page.get_by_test_id("report-chat-link").wait_for()
    except Exception:
        page.screenshot(path=str(artifacts / "chat-report-conversation.png"))
        raise
    finally:
        context.close()


POST_FILE = """mutation($o: ID!, $b: String!) { postChatMessage(input: {organizationId: $o,
  body: "Акт во вложении", files: [{filename: "акт-чат.pdf", contentBase64: $b}]}) {
  __typename ... on ChatMessage { id } } }"""


def test_the_drive_shows_a_file_came_from_the_chat(
    chromium: Any, site: Site, firms: Any, firm_admins: dict[str, FirmAdmin], artifacts: Path
) -> None:
    """A file sent in the chat is in the organization's drive, «Данные для клиента», saying
    it was sent in the chat (and when)."""
    firm = firms["a"]
    admin = firm_admins["a"]
    suffix = uuid.uuid4().hex[:6]
    org_id, _ = admin.create_organization(f"ООО «Чат и диск {suffix}»")
    pdf = base64.b64encode(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n%%EOF\n").decode()
    sent = admin.api.execute(POST_FILE, {"o": org_id, "b": pdf})["postChatMessage"]
    assert sent["__typename"] == "ChatMessage", sent
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="ru-RU")
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        log_in(page, site.firm_url(firm, "/login"), admin.person.email, admin.person.password)
        page.get_by_test_id("shell-nav").wait_for()
        page.goto(site.firm_url(firm, f"/clients/{org_id}"))
        page.locator("[data-testid=drive-folder]", has_text="Данные для клиента").click()
        row = page.locator("[data-testid=drive-file][data-name='акт-чат.pdf']")
        expect(row.get_by_test_id("drive-origin")).to_contain_text("Отправлен клиенту в чате")
    except Exception:
        page.screenshot(path=str(artifacts / "chat-drive-origin.png"))
        raise
    finally:
        context.close()


def test_the_conversation_is_on_the_client_card(
    chromium: Any, site: Site, firms: Any, firm_admins: dict[str, FirmAdmin], artifacts: Path
) -> None:
    """The client card shows the organization's conversation itself: its messages, and staff
    write there without leaving the card."""
    firm = firms["a"]
    admin = firm_admins["a"]
    suffix = uuid.uuid4().hex[:6]
    org_id, org_pk = admin.create_organization(f"ООО «Карточка с чатом {suffix}»")
    pdf = base64.b64encode(b"%PDF-1.4\n%%EOF\n").decode()
    admin.api.execute(POST_FILE, {"o": org_id, "b": pdf})
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="ru-RU")
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        log_in(page, site.firm_url(firm, "/login"), admin.person.email, admin.person.password)
        page.get_by_test_id("shell-nav").wait_for()
        page.goto(site.firm_url(firm, f"/clients/{org_id}"))
        card_chat = page.get_by_test_id("client-card-chat")
        expect(message(card_chat, "Акт во вложении")).to_have_count(1)
        card_chat.get_by_label("Сообщение").fill(f"С карточки {suffix}")
        card_chat.get_by_test_id("chat-send").click()
        expect(message(card_chat, f"С карточки {suffix}")).to_have_count(1)
        assert axe_violations(page) == []
        # The same conversation as the chat's own page.
        page.goto(site.firm_url(firm, f"/chat/{org_pk}"))
        expect(message(page, f"С карточки {suffix}")).to_have_count(1)
    except Exception:
        page.screenshot(path=str(artifacts / "chat-client-card.png"))
        raise
    finally:
        context.close()


def test_a_client_talks_about_a_report_in_its_conversation(
    chromium: Any,
    site: Site,
    firms: Any,
    firm_admins: dict[str, FirmAdmin],
    e2e_settings: Settings,
    artifacts: Path,
) -> None:
    """The client's report page links to the report's own conversation (with the chat grant);
    the client writes there and the firm reads it in the same report's conversation."""
    firm = firms["a"]
    admin = firm_admins["a"]
    suffix = uuid.uuid4().hex[:6]
    org_id, org_pk = admin.create_organization(f"ООО «Отчёт клиента {suffix}»")
    report = admin.api.execute(REPORT, {"o": org_id})["createReport"]
    assert report["__typename"] == "Report", report
    contact = f"chat-report-{suffix}@example.test"
    admin.invite_contact(org_id, contact, ["CHAT", "REPORTS"])
    accept_invitation(
        site, firm, invitation_token(e2e_settings, contact), PASSWORD, f"Клиент {suffix}"
    )
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="ru-RU")
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        log_in(page, site.firm_url(firm, "/login"), contact, PASSWORD)
        page.wait_for_url(f"**/cabinet/{org_pk}")
        page.goto(site.firm_url(firm, f"/cabinet/{org_pk}/reports/{report['id']}"))
        page.get_by_test_id("report-chat-link").click()
        page.wait_for_url("**/chat/report/**")
        expect(page.get_by_test_id("chat-about-report")).to_have_text("Об отчёте")
        page.get_by_test_id("chat-thread").wait_for()
        page.get_by_label("Сообщение").fill(f"Вопрос по отчёту {suffix}")
        page.get_by_test_id("chat-send").click()
        expect(message(page, f"Вопрос по отчёту {suffix}")).to_have_count(1)
        assert axe_violations(page) == []
        found = admin.api.execute(
            """query($r: ID!) { chatReportConversation(reportId: $r) { __typename
              ... on ChatConversation { id reportId } } }""",
            {"r": report["id"]},
        )["chatReportConversation"]
        assert found["reportId"] == report["id"], found
        bodies = admin.api.execute(
            """query($c: ID!) { chatMessages(conversationId: $c, first: 5) {
              edges { node { body } } } }""",
            {"c": found["id"]},
        )["chatMessages"]["edges"]
        assert [e["node"]["body"] for e in bodies] == [f"Вопрос по отчёту {suffix}"]
        page.get_by_test_id("chat-report-link").click()
        page.get_by_test_id("report-chat-link").wait_for()
    except Exception:
        page.screenshot(path=str(artifacts / "chat-client-report.png"))
        raise
    finally:
        context.close()
