"""The client's home (issue 12): what needs the client (a clarification requested, a rejection
being fixed) comes first and is marked, then the rest newest first; a module the firm has
not enabled for the organization is shown nowhere as available (the sections, "your
access", the contacts' grants), at 1280 px and on a 390 px phone."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from playwright.sync_api import expect

from saas.settings import Settings
from tests.e2e.support import (
    CREATE_REPORT,
    PASSWORD,
    RECORD,
    FirmAdmin,
    Site,
    accept_invitation,
    axe_violations,
    invitation_token,
    log_in,
    no_horizontal_scroll,
    row,
)

pytestmark = pytest.mark.usefixtures("branded")

UPDATE_ORG = """mutation($input: UpdateClientOrganizationInput!) {
  updateClientOrganization(input: $input) {
    __typename ... on ClientOrganization { enabledModules } ... on Error { code message } } }"""


def test_what_needs_the_client_comes_first_and_missing_modules_are_not_offered(
    chromium: Any,
    site: Site,
    firms: Any,
    firm_admins: dict[str, FirmAdmin],
    e2e_settings: Settings,
    artifacts: Any,
) -> None:
    firm = firms["a"]
    admin = firm_admins["a"]
    suffix = uuid.uuid4().hex[:6]
    org_id, org_pk = admin.create_organization(f"ООО «Главное {suffix}»")
    owner = f"home-owner-{suffix}@example.test"
    colleague = f"home-colleague-{suffix}@example.test"
    admin.invite_contact(org_id, owner, ["REPORTS", "DOCUMENTS"], client_admin=True)
    admin.invite_contact(org_id, colleague, ["REPORTS", "DOCUMENTS"])
    for email in (owner, colleague):
        accept_invitation(
            site, firm, invitation_token(e2e_settings, email), PASSWORD, f"Клиент {suffix}"
        )

    def report(form: str, period: str, *events: str) -> str:
        out = admin.api.execute(
            CREATE_REPORT,
            {
                "input": {
                    "organizationId": org_id,
                    "formCode": form,
                    "periodYear": 2026,
                    "periodCode": period,
                    "authorityCode": "7701",
                }
            },
        )["createReport"]
        assert out["__typename"] == "Report", out
        for n, kind in enumerate(events):
            recorded = admin.api.execute(
                RECORD,
                {
                    "input": {
                        "reportId": out["id"],
                        "externalId": f"{form}-{period}-{n}-{suffix}",
                        "kind": kind,
                        "occurredAt": f"2026-04-2{n}T10:00:00+03:00",
                    }
                },
            )["recordReportEvent"]
            assert recorded["__typename"] == "ReportEventRecorded", recorded
        return str(out["id"])

    # In this order: each one is updated after the one before.
    prepared = report("vat", "Q1", "PREPARED")
    clarify = report("6ndfl", "Q1", "SENT", "CLARIFICATION_REQUESTED")
    rejected = report("rsv", "Q1", "SENT", "REJECTED")
    accepted = report("usn", "Y", "SENT", "ACCEPTED")

    # Reports only: the firm switches the drive off for this organization.
    updated = admin.api.execute(
        UPDATE_ORG, {"input": {"id": org_id, "enabledModules": ["REPORTS"]}}
    )
    assert updated["updateClientOrganization"]["enabledModules"] == ["REPORTS"], updated

    for width, height in ((1280, 900), (390, 844)):
        context = chromium.new_context(viewport={"width": width, "height": height}, locale="ru-RU")
        context.set_default_timeout(15_000)
        try:
            page = context.new_page()
            log_in(page, site.firm_url(firm, "/login"), owner, PASSWORD)
            page.wait_for_url(f"**/cabinet/{org_pk}")
            row(page, prepared).wait_for()
            rows = page.locator("[data-testid=reports-list] [data-testid=report-row]")
            order = rows.evaluate_all("els => els.map(e => e.dataset.reportId)")
            assert order == [rejected, clarify, accepted, prepared], order
            marked = page.locator("[data-testid=reports-list] [data-testid=needs-you]")
            assert marked.count() == 2
            assert row(page, rejected).get_by_test_id("needs-you").inner_text() == (
                "Нужно ваше участие"
            )
            assert row(page, accepted).get_by_test_id("needs-you").count() == 0

            # The drive is not this organization's: no section, not in "your access", and
            # the contacts' grants list reports only.
            sections = page.get_by_role("navigation", name="Разделы кабинета")
            if sections.count():
                assert "Документы" not in sections.inner_text()
            assert page.locator("#documents").count() == 0
            assert page.get_by_test_id("viewer-grants").inner_text().strip() == "Отчётность"
            grants = page.locator(f"[data-testid=contact][data-email='{colleague}']")
            assert grants.get_by_test_id("contact-grants").inner_text().strip() == "Отчётность"
            assert no_horizontal_scroll(page)
            page.screenshot(path=str(artifacts / f"client-home-{width}.png"), full_page=True)
            assert axe_violations(page) == []
        finally:
            context.close()


POST_NOTICE = """
mutation($org: ID!, $input: PostChatNoticeInput!) {
  postChatNotice(organizationId: $org, input: $input) {
    __typename ... on ChatNotice { id } ... on Error { code message } } }"""


def test_what_awaits_the_client_comes_first_with_the_chats_notices(
    chromium: Any,
    site: Site,
    firms: Any,
    firm_admins: dict[str, FirmAdmin],
    e2e_settings: Settings,
    artifacts: Any,
) -> None:
    """Above everything on the client's home, "Нужно ваше участие": the report whose
    clarification is requested and the chat's notices the client still has to act on (not an
    informational one), each actionable in place, with a way to the chat; an answered notice
    leaves the block. At 1280 px and on a 390 px phone."""
    firm = firms["a"]
    admin = firm_admins["a"]
    suffix = uuid.uuid4().hex[:6]
    org_id, org_pk = admin.create_organization(f"ООО «Ждёт вас {suffix}»")
    owner = f"awaits-{suffix}@example.test"
    admin.invite_contact(org_id, owner, ["REPORTS", "CHAT"])
    accept_invitation(site, firm, invitation_token(e2e_settings, owner), PASSWORD, f"Ждёт {suffix}")

    def report(form: str, period: str, *events: str) -> str:
        out = admin.api.execute(
            CREATE_REPORT,
            {
                "input": {
                    "organizationId": org_id,
                    "formCode": form,
                    "periodYear": 2026,
                    "periodCode": period,
                    "authorityCode": "7701",
                }
            },
        )["createReport"]
        assert out["__typename"] == "Report", out
        for n, kind in enumerate(events):
            recorded = admin.api.execute(
                RECORD,
                {
                    "input": {
                        "reportId": out["id"],
                        "externalId": f"{form}-{n}-{suffix}",
                        "kind": kind,
                        "occurredAt": f"2026-04-2{n}T10:00:00+03:00",
                    }
                },
            )["recordReportEvent"]
            assert recorded["__typename"] == "ReportEventRecorded", recorded
        return str(out["id"])

    clarify = report("6ndfl", "Q1", "SENT", "CLARIFICATION_REQUESTED")
    accepted = report("usn", "Y", "SENT", "ACCEPTED")
    waiting = [clarify]
    titles = {}
    for kind in ("MUST_APPROVE", "MUST_READ", "INFO"):
        titles[kind] = f"{kind} {suffix}"
        out = admin.api.execute(
            POST_NOTICE, {"org": org_id, "input": {"kind": kind, "title": titles[kind]}}
        )["postChatNotice"]
        assert out["__typename"] == "ChatNotice", out

    for width, height in ((1280, 900), (390, 844)):
        context = chromium.new_context(viewport={"width": width, "height": height}, locale="ru-RU")
        context.set_default_timeout(15_000)
        try:
            page = context.new_page()
            log_in(page, site.firm_url(firm, "/login"), owner, PASSWORD)
            page.wait_for_url(f"**/cabinet/{org_pk}")
            panel = page.get_by_test_id("needs-you-panel")
            expect(panel.get_by_role("heading", name="Нужно ваше участие")).to_be_visible()
            row(page, accepted).wait_for()
            # The block comes before the feed and everything else of the page's content.
            above = panel.bounding_box()
            feed = page.locator("#reports").bounding_box()
            assert above and feed and above["y"] + above["height"] <= feed["y"], (above, feed)
            listed = panel.get_by_test_id("needs-you-reports").locator("li")
            expect(listed).to_have_count(len(waiting))
            ids = listed.evaluate_all("els => els.map(e => e.dataset.reportId)")
            assert set(ids) == set(waiting), (ids, waiting)
            notices = panel.locator("[data-testid=chat-notice] .chat-notice-title")
            # On the phone: the approval, and the one posted live (the reading was confirmed).
            expect(notices).to_have_count(2)
            shown = set(notices.all_inner_texts())
            assert titles["INFO"] not in shown, shown
            assert titles["MUST_APPROVE"] in shown, shown
            chat = panel.get_by_test_id("needs-you-chat")
            assert chat.get_attribute("href") == f"/cabinet/{org_pk}/chat"
            # In the feed the same report comes first too, marked.
            rows = page.locator("[data-testid=reports-list] [data-testid=report-row]")
            order = rows.evaluate_all("els => els.map(e => e.dataset.reportId)")
            assert set(order[: len(waiting)]) == set(waiting) and order[-1] == accepted, order
            assert no_horizontal_scroll(page)
            page.screenshot(path=str(artifacts / f"client-needs-you-{width}.png"), full_page=True)
            assert axe_violations(page) == []
            if width == 1280:
                # Answered in place, the notice leaves the block; the chat is a click away.
                read = panel.locator("[data-testid=chat-notice]", has_text=titles["MUST_READ"])
                read.get_by_role("button", name="Подтвердить прочтение").click()
                expect(read).to_have_count(0)
                expect(notices).to_have_count(1)
                # A notice posted while the home is open joins the block live.
                page.locator("[data-testid=live-status][data-state=online]").wait_for()
                page.wait_for_timeout(800)
                titles["LIVE"] = f"LIVE {suffix}"
                out = admin.api.execute(
                    POST_NOTICE,
                    {"org": org_id, "input": {"kind": "MUST_APPROVE", "title": titles["LIVE"]}},
                )["postChatNotice"]
                assert out["__typename"] == "ChatNotice", out
                expect(
                    panel.locator("[data-testid=chat-notice]", has_text=titles["LIVE"])
                ).to_be_visible(timeout=10_000)
                # A clarification requested while the home is open joins it live too.
                waiting.append(report("vat", "Q1", "SENT", "CLARIFICATION_REQUESTED"))
                expect(listed).to_have_count(2, timeout=10_000)
                chat.click()
                page.wait_for_url(f"**/cabinet/{org_pk}/chat")
                assert axe_violations(page) == []
        finally:
            context.close()
