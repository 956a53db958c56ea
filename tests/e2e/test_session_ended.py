"""Nobody gets stuck (issue 12): a session that ends while the cabinet is open sends the
person to the login page with "your session ended" (Russian and English), and back to the
page they were on (its filters too) after logging in; only a path of this site is followed
back; the connection indicator shows the live channel's real state.

The live socket of the client's page is routed through Playwright (`LiveChannel`): the test
cuts it to see the indicator change and come back. The session is then ended in the
database without announcing it, so only an HTTP answer (UNAUTHENTICATED) can tell the page:
the socket path (closed with 4403) is test_staff_second_factor.py's."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from saas.settings import Settings
from tests.e2e.support import (
    PASSWORD,
    FirmAdmin,
    LiveChannel,
    Site,
    accept_invitation,
    axe_violations,
    expect_text,
    invitation_token,
    log_in,
)

pytestmark = pytest.mark.usefixtures("branded")


@pytest.fixture(scope="module")
def contact(
    site: Site, firms: Any, firm_admins: dict[str, FirmAdmin], e2e_settings: Settings
) -> tuple[str, int]:
    """A client contact with the reports of a new organization: (e-mail, organization pk)."""
    suffix = uuid.uuid4().hex[:6]
    admin = firm_admins["a"]
    org_id, org_pk = admin.create_organization(f"ООО «Сеанс {suffix}»")
    email = f"session-client-{suffix}@example.test"
    admin.invite_contact(org_id, email, ["REPORTS"])
    accept_invitation(
        site, firms["a"], invitation_token(e2e_settings, email), PASSWORD, f"Клиент {suffix}"
    )
    return email, org_pk


def end_sessions_quietly(db_engine: sa.Engine, email: str) -> None:
    """The person's sessions end, as an expiry would: nothing is announced to open sockets."""
    with db_engine.begin() as conn:
        conn.execute(
            sa.text(
                "UPDATE shared.sessions SET revoked_at = now() WHERE revoked_at IS NULL "
                "AND person_id = (SELECT id FROM shared.people WHERE lower(email) = lower(:e))"
            ),
            {"e": email},
        )


def test_an_ended_session_goes_to_login_and_comes_back(
    page: Any,
    site: Site,
    firms: Any,
    contact: tuple[str, int],
    db_engine: sa.Engine,
    artifacts: Any,
) -> None:
    email, org_pk = contact
    firm = firms["a"]
    channel = LiveChannel(page)
    log_in(page, site.firm_url(firm, "/login"), email, PASSWORD)
    page.wait_for_url(f"**/cabinet/{org_pk}")
    here = f"/cabinet/{org_pk}?status=SENT"
    page.goto(site.firm_url(firm, here))
    status = page.get_by_test_id("live-status")
    page.locator("[data-testid=live-status][data-state=online]").wait_for()
    assert status.inner_text().strip().endswith("На связи")

    # The live channel drops: the indicator says so, then shows it back.
    channel.cut()
    page.locator("[data-testid=live-status]:not([data-state=online])").wait_for()
    assert status.inner_text().strip().endswith(("Нет связи", "Подключение…"))
    channel.online = True
    page.locator("[data-testid=live-status][data-state=online]").wait_for(timeout=30_000)

    # The session ends; the next answer over HTTP (the bell's count, asked again when the
    # window gets the focus) is UNAUTHENTICATED: off to the login page, which says why.
    end_sessions_quietly(db_engine, email)
    page.evaluate("window.dispatchEvent(new Event('focus'))")
    page.wait_for_url(f"**/login?ended=1&next={quote(here, safe='')}")
    expect_text(
        page,
        "[data-testid=session-ended]",
        "Ваш сеанс завершён. Войдите снова, чтобы продолжить с того же места.",
    )
    page.get_by_role("button", name="EN", exact=True).click()
    expect_text(
        page,
        "[data-testid=session-ended]",
        "Your session has ended. Log in again to continue where you were.",
    )
    page.screenshot(path=str(artifacts / "session-ended.png"), full_page=True)
    assert axe_violations(page) == []
    page.locator("#login-email").fill(email)
    page.locator("#login-password").fill(PASSWORD)
    page.get_by_test_id("login-submit").click()
    # Back where they were, with the feed's filter.
    page.wait_for_url(f"**{here}")
    page.get_by_test_id("report-feed").wait_for()
    page.get_by_role("button", name="RU", exact=True).click()


@pytest.mark.parametrize("next_", ["https://evil.example/steal", "//evil.example/steal"])
def test_only_a_path_of_this_site_is_followed_back(
    page: Any, site: Site, firms: Any, contact: tuple[str, int], next_: str
) -> None:
    email, org_pk = contact
    log_in(
        page,
        site.firm_url(firm := firms["a"], f"/login?next={quote(next_, safe='')}"),
        email,
        PASSWORD,
    )
    page.wait_for_url(f"**/cabinet/{org_pk}")
    assert page.url.startswith(site.firm_url(firm, "/cabinet/"))


def test_a_page_opened_without_a_login_comes_back_after_it(
    page: Any, site: Site, firms: Any, contact: tuple[str, int]
) -> None:
    """A reload after the session ended (or a bookmark): the login page, then the page."""
    email, org_pk = contact
    here = f"/cabinet/{org_pk}?status=SENT"
    page.goto(site.firm_url(firms["a"], here))
    page.wait_for_url(f"**/login?next={quote(here, safe='')}")
    assert page.get_by_test_id("session-ended").count() == 0
    page.locator("#login-email").fill(email)
    page.locator("#login-password").fill(PASSWORD)
    page.get_by_test_id("login-submit").click()
    page.wait_for_url(f"**{here}")
    page.get_by_test_id("report-feed").wait_for()
