"""The cabinet on a phone and in its own language (issue 12):

- at 390 px the header is one line (brand, bell, a menu button; the tools and sections open
  behind the button), the bell's panel stays inside the screen, the drive shows its files as
  cards with the download reachable, the filters fold behind a button; at 390 and 320 px no
  page is wider than the screen;
- at 1280 px the staff's menu cuts no item: each is shown whole or in the "more" menu;
- dates, times and file sizes follow the cabinet's language, one style across the feed, the
  bell and the logs ("602 Б", "04.12.2026, 10:15");
- axe-core still finds nothing with the menus open;
- screenshots of the main pages at both sizes go to test-artifacts/ (the `artifacts` fixture).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from saas.settings import Settings
from tests.e2e.support import (
    CREATE_REPORT,
    CREATE_TOKEN,
    PASSWORD,
    PHONE,
    RECORD,
    FirmAdmin,
    Site,
    accept_invitation,
    axe_violations,
    box,
    fits,
    fits_narrow,
    inside_screen,
    invitation_token,
    log_in,
    shoot,
)
from tests.support.documents import folders, upload
from tests.support.firms import Firm

pytestmark = pytest.mark.usefixtures("branded")

DESKTOP = {"width": 1280, "height": 860}
# The cabinet's one date style (web/src/i18n/format.ts) in Russian: 21.04.2025, 09:30.
MOMENT = re.compile(r"^\d{2}\.\d{2}\.\d{4}, \d{2}:\d{2}$")
FILE_SIZE = 602


@dataclass(frozen=True)
class World:
    firm: Firm
    admin: FirmAdmin
    contact: str
    org_pk: int
    file_name: str


@pytest.fixture(scope="module")
def world(
    site: Site, firms: dict[str, Firm], firm_admins: dict[str, FirmAdmin], e2e_settings: Settings
) -> World:
    """A client of firm A with a long name, two reports (one rejected: a notification), a
    contact who sees reports and the drive, and a 602-byte file with a long name for them."""
    admin, firm = firm_admins["a"], firms["a"]
    suffix = uuid.uuid4().hex[:6]
    org_id, org_pk = admin.create_organization(
        f"ООО «Телефонно-мобильная бухгалтерская компания {suffix}»"
    )
    contact = f"phone-{suffix}@example.test"
    admin.invite_contact(org_id, contact, ["REPORTS", "DOCUMENTS", "UPLOAD"])
    accept_invitation(
        site, firm, invitation_token(e2e_settings, contact), PASSWORD, f"Клиент {suffix}"
    )
    token = admin.api.execute(CREATE_TOKEN, {"name": f"phone-{suffix}"})["createApiToken"]
    integrator = site.api(site.firm_host(firm))
    integrator.token = token["token"]
    try:
        for form, period, event in (("vat", "Q1", "REJECTED"), ("usn", "Y", None)):
            report = integrator.execute(
                CREATE_REPORT,
                {
                    "input": {
                        "organizationId": org_id,
                        "formCode": form,
                        "periodYear": 2025,
                        "periodCode": period,
                        "authorityCode": "7701",
                    }
                },
            )["createReport"]
            assert report["__typename"] == "Report", report
            if event:
                recorded = integrator.execute(
                    RECORD,
                    {
                        "input": {
                            "reportId": report["id"],
                            "externalId": f"phone-{suffix}",
                            "kind": event,
                            "occurredAt": "2025-04-21T09:30:00+03:00",
                            "text": "Ошибка в КПП",
                        }
                    },
                )["recordReportEvent"]
                assert recorded["__typename"] == "ReportEventRecorded", recorded
    finally:
        integrator.close()
    file_name = f"Акт-сверки-взаиморасчётов-за-первый-квартал-2025-{suffix}.pdf"
    folder = folders(admin.api, org_pk)["FOR_CLIENT"]
    made = upload(admin.api, folder, file_name, b"%PDF-1.4\n" + b"0" * (FILE_SIZE - 9))
    assert made["__typename"] == "DriveFile", made
    return World(firm, admin, contact, org_pk, file_name)


def header_is_one_line(page: Any) -> None:
    """The header's visible controls share one row, and the header is one control high."""
    header = page.get_by_test_id("brand-header")
    row = [page.locator(".shell-brand"), page.get_by_test_id("menu-button")]
    if page.get_by_test_id("notification-bell").count():
        row.append(page.get_by_test_id("notification-bell"))
    boxes = [box(item) for item in row]
    top = max(b["y"] for b in boxes)
    bottom = min(b["y"] + b["height"] for b in boxes)
    assert bottom > top, boxes  # every control overlaps every other one vertically
    assert box(header)["height"] <= 80, box(header)
    for item in row:
        inside_screen(page, item)


def menu_opens_and_closes(page: Any) -> None:
    """On a phone the language switch and the logout are behind the menu button."""
    menu = page.get_by_test_id("menu-button")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(page.locator(".shell-tools .lang-switch")).to_be_hidden()
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(page.locator(".shell-tools .lang-switch")).to_be_visible()
    expect(page.locator(".shell-tools").get_by_role("button", name="Выйти")).to_be_visible()
    fits(page, "the open menu")


def filters_fold(page: Any, shown: str) -> None:
    """At 390 px the filters hide behind the button, which shows them; at 1280 px there is no
    button and the filters are shown."""
    toggle = page.get_by_test_id("filters-toggle")
    expect(toggle).to_be_visible()
    expect(page.locator(shown)).to_be_hidden()
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(page.locator(shown)).to_be_visible()
    fits(page, "the unfolded filters")
    toggle.click()
    expect(page.locator(shown)).to_be_hidden()


def test_the_clients_pages_on_a_phone(page: Any, site: Site, world: World, artifacts: Path) -> None:
    page.set_viewport_size(DESKTOP)
    page.goto(site.firm_url(world.firm, "/login"))
    expect(page.locator("#login-email")).to_be_visible()
    shoot(page, artifacts, "login")
    page.set_viewport_size(PHONE)
    shoot(page, artifacts, "login")
    fits_narrow(page, "the login page")

    log_in(page, site.firm_url(world.firm, "/login"), world.contact, PASSWORD)
    page.wait_for_url(f"**/cabinet/{world.org_pk}")
    rows = page.locator("[data-testid=reports-list] [data-report-id]")
    expect(rows).to_have_count(2)
    shoot(page, artifacts, "client-home")
    page.set_viewport_size(DESKTOP)
    shoot(page, artifacts, "client-home")
    fits_narrow(page, "the client's home")
    header_is_one_line(page)
    assert axe_violations(page) == []

    # The feed's time, in the cabinet's one date style.
    times = page.locator("[data-testid=reports-list] time").all_inner_texts()
    assert times and all(MOMENT.match(text) for text in times), times

    # The bell's panel opens inside the screen, its times in the same style.
    page.get_by_test_id("notification-bell").click()
    panel = page.get_by_role("dialog", name="Уведомления")
    item = page.locator("[data-testid=notification-list] li").first
    expect(item).to_be_visible()
    for width in (390, 320):
        page.set_viewport_size({"width": width, "height": 700})
        inside_screen(page, panel)
        assert box(panel)["y"] + box(panel)["height"] <= 700, box(panel)
    stamp = item.locator(".notification-time").inner_text().split(" · ")[0]
    assert MOMENT.match(stamp), stamp
    page.set_viewport_size(PHONE)
    shoot(page, artifacts, "client-bell")
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()

    menu_opens_and_closes(page)
    assert axe_violations(page) == []
    page.get_by_test_id("menu-button").click()
    expect(page.locator(".shell-tools .lang-switch")).to_be_hidden()

    filters_fold(page, "[data-testid=filter-form]")

    # The drive: a card per file, the long name wrapped, the size in Russian, the download
    # reachable on screen.
    page.locator("[data-testid=drive-folder]", has_text="Данные для клиента").click()
    card = page.locator("[data-testid=drive-file]", has_text=world.file_name)
    expect(card).to_be_visible()
    assert card.evaluate("e => getComputedStyle(e).display") == "block"
    card.scroll_into_view_if_needed()
    inside_screen(page, card)
    download = card.get_by_test_id("drive-download")
    expect(download).to_be_enabled()
    download.scroll_into_view_if_needed()
    inside_screen(page, download)
    expect(download).to_have_accessible_name(f"Скачать: {world.file_name}")
    size = card.locator("td").nth(1)
    assert size.inner_text().replace("\u00a0", " ") == "602 Б", size.inner_text()
    label = size.evaluate("e => getComputedStyle(e, '::before').content")
    assert label == '"Размер: "', label  # each value says what it is on the card
    assert size.evaluate("e => e.textContent") == "602\u00a0Б"
    fits_narrow(page, "the drive")
    page.locator("#documents").screenshot(path=str(artifacts / "client-drive-390.png"))
    page.set_viewport_size(DESKTOP)
    # On a wide screen the drive is a table again, with the same size.
    assert card.evaluate("e => getComputedStyle(e).display") == "table-row"
    expect(card.locator("td").nth(1)).to_have_text("602\u00a0Б")
    page.locator("#documents").screenshot(path=str(artifacts / "client-drive-1280.png"))
    expect(page.get_by_test_id("filters-toggle")).to_be_hidden()
    expect(page.get_by_test_id("filter-form")).to_be_visible()

    # The report's page.
    # The feed's row (the "needs you" block above links to the same report).
    page.get_by_test_id("reports-list").get_by_role(
        "link", name="Декларация по НДС, 1 квартал 2025"
    ).click()
    page.wait_for_url(f"**/cabinet/{world.org_pk}/reports/*")
    expect(page.locator("main h1")).to_be_visible()
    shoot(page, artifacts, "report")
    page.set_viewport_size(PHONE)
    shoot(page, artifacts, "report")
    fits_narrow(page, "the report's page")
    header_is_one_line(page)


def nav_cuts_nothing(page: Any) -> list[str]:
    """Every section of the staff's menu is shown whole in the row or listed under "more";
    returns the sections' names."""
    nav = page.get_by_test_id("shell-nav")
    row = box(nav.locator("> ul"))
    names: list[str] = []
    hidden: list[str] = []
    for item in nav.locator("li[data-nav-item]").all():
        name = item.locator("a").evaluate("a => a.textContent")
        names.append(name)
        if "nav-overflowed" in (item.get_attribute("class") or ""):
            hidden.append(name)
            continue
        link = box(item.locator("a"))
        assert link["x"] >= row["x"] and link["x"] + link["width"] <= row["x"] + row["width"], (
            name,
            link,
            row,
        )
        clipped = item.locator("a").evaluate("a => a.scrollWidth > a.clientWidth")
        assert not clipped, name
        inside_screen(page, item.locator("a"))
    more = page.get_by_test_id("nav-more")
    if hidden:
        more.click()
        listed = (
            page.get_by_test_id("nav-more-list")
            .locator("a")
            .evaluate_all("links => links.map((a) => a.textContent)")
        )
        assert listed == hidden, (listed, hidden)
        inside_screen(page, page.get_by_test_id("nav-more-list"))
        assert axe_violations(page) == []
        page.keyboard.press("Escape")
    else:
        expect(more).to_be_hidden()
    return names


def test_the_staff_menu_and_pages_at_both_sizes(
    page: Any, site: Site, world: World, artifacts: Path
) -> None:
    admin = world.admin.person
    page.set_viewport_size(DESKTOP)
    log_in(page, site.firm_url(world.firm, "/login"), admin.email, admin.password)
    page.wait_for_url("**/clients")
    expect(page.locator("main h1")).to_be_visible()
    names = nav_cuts_nothing(page)
    # On a wide screen the client list's filters are simply shown, with no button.
    expect(page.locator("#clients-search")).to_be_visible()
    expect(page.get_by_test_id("filters-toggle")).to_be_hidden()
    # The firm admin holds every permission: every section is there, none lost.
    assert {"Клиенты", "Журнал действий", "Безопасность входа"} <= set(names), names
    assert len(names) >= 10, names
    assert page.locator(".shell-nav .nav-more-list").count() == 0
    shoot(page, artifacts, "staff-clients")
    page.locator(".shell-tools").get_by_role("button", name="EN").click()
    expect(page.locator("main h1")).to_have_text("Clients")
    assert len(nav_cuts_nothing(page)) == len(names)
    page.locator(".shell-tools").get_by_role("button", name="RU").click()
    expect(page.locator("main h1")).to_have_text("Клиенты")

    page.set_viewport_size(PHONE)
    shoot(page, artifacts, "staff-clients")
    fits_narrow(page, "the staff's clients")
    header_is_one_line(page)
    # The client list's filters fold behind the button too (the same component as the feed).
    filters_fold(page, "#clients-search")
    assert axe_violations(page) == []
    menu_opens_and_closes(page)
    sections = page.get_by_test_id("shell-nav").locator("li[data-nav-item] a")
    expect(sections).to_have_count(len(names))
    for link in sections.all():
        expect(link).to_be_visible()
        inside_screen(page, link)
    assert axe_violations(page) == []
    shoot(page, artifacts, "staff-menu")
    page.get_by_test_id("shell-nav").get_by_role("link", name="Отчётность", exact=True).click()
    page.wait_for_url("**/reports")
    expect(page.get_by_test_id("menu-button")).to_have_attribute("aria-expanded", "false")
    expect(page.locator("[data-testid=reports-list] [data-report-id]").first).to_be_visible()
    shoot(page, artifacts, "staff-reports")
    fits_narrow(page, "the staff's reports")
    filters_fold(page, "[data-testid=filter-status]")
    assert axe_violations(page) == []

    page.goto(site.firm_url(world.firm, "/audit/log"))
    rows = page.get_by_test_id("audit-row")
    expect(rows.first).to_be_visible()
    fits_narrow(page, "the audit log")
    filters_fold(page, "[data-testid=audit-filter-apply]")
    stamps = [row.locator("td").first.inner_text() for row in rows.all()[:5]]
    assert all(MOMENT.match(stamp) for stamp in stamps), stamps
    shoot(page, artifacts, "staff-audit-log")

    page.goto(site.firm_url(world.firm, "/audit/documents"))
    expect(page.get_by_test_id("access-filters")).to_be_attached()
    fits_narrow(page, "the documents' access log")
    filters_fold(page, "[data-testid=access-filters]")

    page.goto(site.firm_url(world.firm, f"/clients/{world.org_pk}"))
    expect(page.locator("main h1")).to_be_visible()
    fits_narrow(page, "the client card")
    page.set_viewport_size(DESKTOP)
    page.goto(site.firm_url(world.firm, "/reports"))
    expect(page.locator("[data-testid=reports-list] [data-report-id]").first).to_be_visible()
    shoot(page, artifacts, "staff-reports")
    page.locator("[data-testid=reports-list] [data-report-id] a").first.click()
    page.wait_for_url("**/reports/*")
    expect(page.locator("main h1")).to_be_visible()
    shoot(page, artifacts, "staff-report")
    page.set_viewport_size(PHONE)
    shoot(page, artifacts, "staff-report")
    fits_narrow(page, "the staff's report page")


def header_in_one_row(page: Any, what: str) -> None:
    """Every visible control of the header (brand, bell, menu button or the tools) shares one
    row, the header is one control high, and nothing scrolls sideways."""
    header = page.get_by_test_id("brand-header")
    boxes = page.evaluate(
        """() => [...document.querySelectorAll(
              '.shell-header-inner > *, .shell-header-inner .shell-tools > *')]
            .filter(e => e.offsetParent !== null && !e.classList.contains('shell-tools'))
            .map(e => { const r = e.getBoundingClientRect();
                        return {x: r.x, y: r.y, width: r.width, height: r.height,
                                what: e.className || e.tagName}; })"""
    )
    assert len(boxes) >= 2, (what, boxes)
    top = max(b["y"] for b in boxes)
    bottom = min(b["y"] + b["height"] for b in boxes)
    assert bottom > top, (what, boxes)  # every control overlaps every other one vertically
    assert box(header)["height"] <= 80, (what, box(header))
    width = page.viewport_size["width"]
    assert all(b["x"] >= 0 and b["x"] + b["width"] <= width + 0.5 for b in boxes), (what, boxes)
    fits(page, what)


def test_the_header_is_one_line_between_phone_and_desktop(
    page: Any, site: Site, world: World, artifacts: Path, e2e_settings: Settings
) -> None:
    """At 640, 768 and 900 px (a small tablet, a phone held sideways) the staff's and the
    client's header stay one line: the menu collapses before anything wraps."""
    admin = world.admin.person
    page.set_viewport_size(DESKTOP)
    log_in(page, site.firm_url(world.firm, "/login"), admin.email, admin.password)
    page.wait_for_url("**/clients")
    expect(page.locator("main h1")).to_be_visible()
    for width in (640, 768, 900):
        page.set_viewport_size({"width": width, "height": 800})
        header_in_one_row(page, f"the staff's header at {width} px")
        shoot(page, artifacts, "staff-header")
    assert axe_violations(page) == []
    page.set_viewport_size(DESKTOP)
    page.locator(".shell-tools").get_by_role("button", name="Выйти").click()
    page.wait_for_url("**/login")

    # The widest client header: a person of two organizations has the organization switch
    # (long names) and "my cabinets" besides the language and the logout.
    suffix = uuid.uuid4().hex[:6]
    contact = f"two-orgs-{suffix}@example.test"
    first_pk = 0
    for n in (1, 2):
        org_id, org_pk = world.admin.create_organization(
            f"ООО «Очень длинное название организации номер {n} {suffix}»"
        )
        first_pk = first_pk or org_pk
        world.admin.invite_contact(org_id, contact, ["REPORTS"])
        accept_invitation(
            site, world.firm, invitation_token(e2e_settings, contact), PASSWORD, f"Двое {suffix}"
        )
    log_in(page, site.firm_url(world.firm, "/login"), contact, PASSWORD)
    page.wait_for_url("**/cabinet**")
    page.goto(site.firm_url(world.firm, f"/cabinet/{first_pk}"))
    expect(page.get_by_test_id("org-switch")).to_be_visible()
    expect(page.get_by_test_id("my-cabinets")).to_be_visible()
    for width in (640, 768, 900):
        page.set_viewport_size({"width": width, "height": 800})
        header_in_one_row(page, f"the client's header at {width} px")
        shoot(page, artifacts, "client-header")
    assert axe_violations(page) == []


# Every other page the browser tests visit, as the firm admin (who may open them all).
STAFF_PAGES = [
    "/staff",
    "/settings/branding",
    "/settings/firm",
    "/settings/api-tokens",
    "/account/security",
    "/account/notifications",
    "/reports/import",
    "/clients/new",
]


def test_every_staff_page_fits_a_narrow_phone(page: Any, site: Site, world: World) -> None:
    admin = world.admin.person
    page.set_viewport_size(PHONE)
    log_in(page, site.firm_url(world.firm, "/login"), admin.email, admin.password)
    page.wait_for_url("**/clients")
    for path in STAFF_PAGES:
        page.goto(site.firm_url(world.firm, path))
        expect(page.locator("main h1")).to_be_visible()
        page.wait_for_load_state("networkidle")
        fits_narrow(page, path)
        header_is_one_line(page)
        assert axe_violations(page) == [], path
    page.get_by_test_id("menu-button").click()
    page.locator(".shell-tools").get_by_role("button", name="Выйти").click()
    page.wait_for_url("**/login")
    for path in ("/forgot-password", "/invite?token=unknown", "/reset-password?token=unknown"):
        page.goto(site.firm_url(world.firm, path))
        page.wait_for_load_state("networkidle")
        fits_narrow(page, path)
