"""The live feed catches up after its WebSocket dropped: a status recorded while the cabinet
had no live channel shows once the channel is back, without a reload.

The browser's WebSocket to /graphql is routed through Playwright (`route_web_socket`), which
lets the test cut it (close code 1012, "service restart") and refuse reconnection while the
integrator records the change, so the change is committed while the page cannot hear it.
Case 1: a change was seen before the drop, so the feed re-subscribes with `since` (the API
replays what was missed). Case 2: nothing was seen yet, so the feed reloads its lists."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from saas.settings import Settings
from tests.e2e.support import (
    CREATE_REPORT,
    CREATE_TOKEN,
    PASSWORD,
    RECORD,
    FirmAdmin,
    LiveChannel,
    Site,
    accept_invitation,
    invitation_token,
    log_in,
    row,
)


def test_feed_catches_up_after_the_live_channel_drops(
    chromium: Any,
    site: Site,
    firms: Any,
    firm_admins: dict[str, FirmAdmin],
    e2e_settings: Settings,
    artifacts: Path,
) -> None:
    admin = firm_admins["a"]
    firm = firms["a"]
    suffix = uuid.uuid4().hex[:6]
    org_id, org_pk = admin.create_organization(f"ООО «Связь {suffix}»")
    contact = f"reconnect-client-{suffix}@example.test"
    admin.invite_contact(org_id, contact, ["REPORTS"])
    accept_invitation(
        site, firm, invitation_token(e2e_settings, contact), PASSWORD, f"Клиент {suffix}"
    )
    created = admin.api.execute(CREATE_TOKEN, {"name": f"reconnect-e2e-{suffix}"})
    assert created["createApiToken"]["__typename"] == "ApiTokenCreated", created
    integrator = site.api(site.firm_host(firm))
    integrator.token = created["createApiToken"]["token"]

    def create(form: str, period: str) -> str:
        out = integrator.execute(
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
        return str(out["id"])

    def record(report: str, key: str, kind: str, at: str) -> None:
        out = integrator.execute(
            RECORD,
            {
                "input": {
                    "reportId": report,
                    "externalId": f"{key}-{suffix}",
                    "kind": kind,
                    "occurredAt": at,
                }
            },
        )["recordReportEvent"]
        assert out["__typename"] == "ReportEventRecorded", out

    vat = create("vat", "Q1")
    ndfl = create("6ndfl", "Q1")
    record(vat, "vat-sent", "SENT", "2026-04-20T10:00:00+03:00")
    record(ndfl, "ndfl-sent", "SENT", "2026-04-21T10:00:00+03:00")

    def status_of(page: Any, report: str, status: str) -> None:
        page.wait_for_selector(
            f"[data-testid=reports-list] [data-report-id='{report}'][data-status={status}]",
            timeout=20_000,
        )

    def open_feed() -> tuple[Any, Any, LiveChannel]:
        context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="ru-RU")
        context.set_default_timeout(15_000)
        page = context.new_page()
        channel = LiveChannel(page)
        log_in(page, site.firm_url(firm, "/login"), contact, PASSWORD)
        page.wait_for_url(f"**/cabinet/{org_pk}")
        row(page, vat).wait_for()
        page.locator("[data-testid=live-status][data-state=online]").wait_for()
        page.evaluate("window.__noReload = true")
        page.wait_for_timeout(1000)  # the feed's subscription starts with the page
        return context, page, channel

    contexts = []
    try:
        # Case 1: a change seen live, then the drop; the missed one is replayed (`since`).
        context, page, channel = open_feed()
        contexts.append(context)
        record(vat, "vat-delivered", "DELIVERED", "2026-04-20T10:05:00+03:00")
        status_of(page, vat, "DELIVERED")
        opened = channel.opened
        channel.cut()
        page.wait_for_timeout(300)  # the page notices the close
        record(ndfl, "ndfl-rejected", "REJECTED", "2026-04-22T09:00:00+03:00")
        assert row(page, ndfl).get_attribute("data-status") == "SENT"
        channel.online = True
        status_of(page, ndfl, "REJECTED")
        assert channel.opened > opened, "the page never reconnected"
        assert page.evaluate("window.__noReload === true"), "the page was reloaded"
        page.screenshot(path=str(artifacts / "report-feed-reconnect.png"), full_page=True)

        # Case 2: nothing seen before the drop: the lists reload on reconnection.
        context, page, channel = open_feed()
        contexts.append(context)
        channel.cut()
        page.wait_for_timeout(300)
        record(vat, "vat-accepted", "ACCEPTED", "2026-04-23T09:00:00+03:00")
        channel.online = True
        status_of(page, vat, "ACCEPTED")
        assert page.evaluate("window.__noReload === true"), "the page was reloaded"
    finally:
        integrator.close()
        for context in contexts:
            context.close()
