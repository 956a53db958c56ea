"""Small helpers of the browser tests: the e2e server's addresses (`Site`), a firm admin
setting data up through the API (`FirmAdmin`), the demo brands, colors as browsers report
them, waiting for text, reading invitation e-mails, the report feed's integrator calls, a
page's checks on a phone."""

from __future__ import annotations

import re
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.sync_api import TimeoutError as PlaywrightTimeout

from saas.settings import PROJECT_ROOT, Settings
from tests.support.auth import TestPerson
from tests.support.client import GraphQLClient
from tests.support.clients import llc
from tests.support.firms import Firm
from tests.support.ids import pk
from tests.support.mail import last_message_to, link_in
from tests.support.waiting import eventually


@dataclass(frozen=True)
class Brand:
    name: str
    phone: str
    color: str


# Both colors reach WCAG AA as chosen, so the cabinet shows exactly these.
BRANDS = {
    "a": Brand("Бухгалтерия Альфа", "+7 495 100-00-01", "#0B6E4F"),
    "b": Brand("Bravo Accounting", "+7 812 200-00-02", "#7A1FA2"),
}


def css_rgb(hex_color: str) -> str:
    """'#0B6E4F' -> 'rgb(11, 110, 79)', as getComputedStyle reports it."""
    value = hex_color.lstrip("#")
    r, g, b = (int(value[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgb({r}, {g}, {b})"


def expect_text(page: Any, selector: str, text: str, timeout: float = 15) -> None:
    """Waits until the first element matching `selector` shows exactly `text`."""

    def shown() -> bool:
        locator = page.locator(selector).first
        seen = locator.inner_text().strip() if locator.count() else None
        assert seen == text, f"{selector}: expected {text!r}, saw {seen!r} at {page.url}"
        return True

    eventually(shown, within=timeout, every=0.1, what=f"{text!r} in {selector}")


AXE = PROJECT_ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's violations of the page as it is now (WCAG 2.1 A/AA and best practices)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate("axe.run(document, { resultTypes: ['violations'] })")
    # It did look: the rules it checked and found met (a page without them proves nothing).
    assert len(result["passes"]) > 20, result["passes"]
    return [
        {
            "id": v["id"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
            "summary": v["nodes"][0].get("failureSummary", "")[:300],
        }
        for v in result["violations"]
    ]


def open_section(page: Any, name: str) -> None:
    """Follows the staff menu's link to a section; one the row has no room for (at 1280 px
    the firm admin's last sections) is under the menu's "more" button. The row measures itself
    again when its items change (a chat badge arrives, a section appears once the firm's modules
    are known), so an item may move between the row and "more" after it was looked up: then it
    is looked up again."""
    nav = page.get_by_test_id("shell-nav")
    nav.wait_for()
    in_row = nav.locator("> ul").get_by_role("link", name=name, exact=True)
    more_list = page.get_by_test_id("nav-more-list")
    for attempt in range(4):
        try:
            if in_row.count():  # an item moved into "more" is hidden from the row
                in_row.first.click(timeout=4000)
            else:
                if not more_list.is_visible():
                    page.get_by_test_id("nav-more").click(timeout=4000)
                more_list.get_by_role("link", name=name, exact=True).first.click(timeout=4000)
            return
        except PlaywrightTimeout:
            if attempt == 3:
                raise


def no_horizontal_scroll(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


# --- the cabinet on a phone (tests/e2e/test_phone_layout.py) ---------------------------------

PHONE = {"width": 390, "height": 844}
NARROW = [{"width": 360, "height": 740}, {"width": 320, "height": 640}]


def fits(page: Any, what: str) -> None:
    """The document is exactly as wide as the viewport: nothing scrolls sideways."""
    width, viewport = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width == viewport, f"{what}: the page is {width} px wide in a {viewport} px window"


def fits_narrow(page: Any, what: str) -> None:
    """No sideways scroll at 390, 360 and 320 px (the window is given back at 390)."""
    for viewport in [*NARROW, PHONE]:
        page.set_viewport_size(viewport)
        fits(page, f"{what} at {viewport['width']} px")


def box(locator: Any) -> dict[str, float]:
    found = locator.bounding_box()
    assert found, locator
    return dict(found)


def inside_screen(page: Any, locator: Any) -> None:
    """The element is wholly inside the viewport's width (and starts on screen)."""
    found, width = box(locator), page.viewport_size["width"]
    assert found["x"] >= 0 and found["x"] + found["width"] <= width + 0.5, (found, width)


def shoot(page: Any, artifacts: Path, name: str) -> None:
    page.screenshot(
        path=str(artifacts / f"{name}-{page.viewport_size['width']}.png"), full_page=True
    )


def invitation_link(settings: Settings, email: str) -> str:
    """The /invite link of the newest e-mail to `email` in the outbox."""
    return link_in(last_message_to(settings, email), "/invite")


def invitation_token(settings: Settings, email: str) -> str:
    match = re.search(r"token=([\w-]+)", invitation_link(settings, email))
    assert match, email
    return match.group(1)


def log_in(page: Any, url: str, email: str, password: str) -> None:
    """Fills the login form at `url` (a /login page) as a person would, and submits it."""
    page.goto(url)
    page.locator("#login-email").fill(email)
    page.locator("#login-password").fill(password)
    page.locator("[data-testid=login-submit]").click()


def background(page: Any, selector: str) -> str:
    return str(page.eval_on_selector(selector, "e => getComputedStyle(e).backgroundColor"))


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A solid-color PNG, made here so the tests need no image files or libraries."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


# --- the e2e server and data set up through the API, as a firm would -------------------


@dataclass(frozen=True)
class Site:
    """Addresses of the e2e server: the platform's own host and each firm's."""

    port: int

    def url(self, host: str = "localhost", path: str = "/") -> str:
        return f"http://{host}:{self.port}{path}"

    def firm_host(self, firm: Firm) -> str:
        return f"{firm.slug}.localhost"

    def firm_url(self, firm: Firm, path: str = "/") -> str:
        return self.url(self.firm_host(firm), path)

    def api(self, host: str) -> GraphQLClient:
        """A GraphQL client at `host` (for setting things up the way an integrator would)."""
        return GraphQLClient(f"http://127.0.0.1:{self.port}", host)


CREATE_ORG = """
mutation($input: CreateClientOrganizationInput!) {
  createClientOrganization(input: $input) {
    __typename
    ... on ClientOrganization { id name }
    ... on Error { code message }
  }
}
"""

UPDATE_BRANDING = """
mutation($input: BrandingInput!) {
  updateBranding(input: $input) {
    __typename
    ... on BrandingUpdated { settings { displayName phone primaryColor } }
    ... on Error { code message }
  }
}
"""


INVITE_CONTACT = """
mutation($org: ID!, $email: String!, $grants: [ClientModule!], $admin: Boolean!) {
  inviteContact(organizationId: $org, email: $email, grants: $grants, isClientAdmin: $admin) {
    __typename
    ... on ClientContact { id }
    ... on Error { code message }
  }
}
"""

ACCEPT_INVITATION = """
mutation($token: String!, $password: String!, $name: String) {
  acceptInvitation(token: $token, password: $password, displayName: $name) {
    __typename
    ... on InvitationAccepted { loggedIn }
    ... on Error { code message }
  }
}
"""


@dataclass(frozen=True)
class FirmAdmin:
    firm: Firm
    person: TestPerson
    api: GraphQLClient

    def create_organization(self, name: str) -> tuple[str, int]:
        """A new client organization (an LLC with valid numbers): (global id, primary key)."""
        data = self.api.execute(CREATE_ORG, {"input": llc(name)})["createClientOrganization"]
        assert data["__typename"] == "ClientOrganization", data
        return data["id"], pk(data["id"])

    def invite_contact(
        self, organization_id: str, email: str, grants: list[str], *, client_admin: bool = False
    ) -> str:
        data = self.api.execute(
            INVITE_CONTACT,
            {"org": organization_id, "email": email, "grants": grants, "admin": client_admin},
        )
        assert data["inviteContact"]["__typename"] == "ClientContact", data
        return str(data["inviteContact"]["id"])

    def set_branding(self, **values: Any) -> dict[str, Any]:
        data = self.api.execute(UPDATE_BRANDING, {"input": values})["updateBranding"]
        assert data["__typename"] == "BrandingUpdated", data
        return data["settings"]


def accept_invitation(site: Site, firm: Firm, token: str, password: str, name: str | None) -> None:
    """Accepts an invitation over the API, as the invited person's browser would."""
    api = site.api(site.firm_host(firm))
    try:
        data = api.execute(ACCEPT_INVITATION, {"token": token, "password": password, "name": name})
        assert data["acceptInvitation"]["__typename"] == "InvitationAccepted", data
    finally:
        api.close()


# --- the report feed: an integrator records over GraphQL ----------------------------------

PASSWORD = "Quiet-River-2026"  # the password of the contacts the feed tests invite

CREATE_TOKEN = """
mutation($name: String!) {
  createApiToken(name: $name, role: "integrator", expiresInDays: 1) {
    __typename
    ... on ApiTokenCreated { token }
    ... on Error { code message }
  }
}
"""

CREATE_REPORT = """
mutation($input: CreateReportInput!) {
  createReport(input: $input) {
    __typename
    ... on Report { id status }
    ... on Error { code message }
  }
}
"""

RECORD = """
mutation($input: RecordReportEventInput!) {
  recordReportEvent(input: $input) {
    __typename
    ... on ReportEventRecorded { duplicate report { status beingFixed } }
    ... on Error { code message }
  }
}
"""


def row(page: Any, report_id: str) -> Any:
    """The report's row in the cabinet's report list."""
    return page.locator(f"[data-testid=reports-list] [data-report-id='{report_id}']")


# --- the live channel: the page's WebSocket, routed through Playwright -----------------


class LiveChannel:
    """Every /graphql WebSocket of a page, passed through to the server until cut (close code
    1012, "service restart"); new sockets are refused while `online` is False."""

    def __init__(self, page: Any) -> None:
        self.online = True
        self.routes: list[tuple[Any, Any]] = []
        self.opened = 0
        page.route_web_socket("**/graphql", self._route)

    def _route(self, route: Any) -> None:
        if not self.online:
            route.close(code=1012, reason="restarting")
            return
        self.opened += 1
        self.routes.append((route, route.connect_to_server()))

    def cut(self) -> None:
        self.online = False
        for route, server in self.routes:
            server.close(code=1012, reason="restarting")
            route.close(code=1012, reason="restarting")
        self.routes.clear()
