"""The second factor in the browser (issue 12): a staff member turns TOTP on and is shown ten
recovery codes once, logs in with one of them, is told clearly when a code is used again,
makes a new set; the firm admin resets a staff member's second factor from the staff page,
and that person's open cabinet goes to the login page ("your session ended")."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.e2e.support import Site, axe_violations, expect_text, log_in
from tests.support.auth import create_person, give_totp, steady_clock, totp_code

pytestmark = pytest.mark.usefixtures("branded")


def submit_second_factor(page: Any, code: str, *, recovery: bool) -> None:
    page.locator("#login-otp").wait_for()
    if recovery:
        page.get_by_test_id("login-use-recovery").click()
        expect_text(page, "label[for=login-otp]", "Резервный код")
    page.locator("#login-otp").fill(code)
    page.get_by_test_id("login-submit").click()


def test_recovery_codes_are_shown_once_and_work_once(
    page: Any, site: Site, firms: Any, db_engine: sa.Engine, artifacts: Any
) -> None:
    firm = firms["a"]
    person = create_person(
        db_engine,
        display_name="Коды Резервные",
        memberships=[(firm.id, "staff", ["manager"], None)],
    )
    steady_clock()
    log_in(page, site.firm_url(firm, "/login"), person.email, person.password)
    page.wait_for_url("**/clients")
    page.goto(site.firm_url(firm, "/account/security"))
    page.get_by_test_id("totp-start").click()
    secret = page.get_by_test_id("totp-secret").inner_text().strip()
    page.locator("#totp-code").fill(totp_code(secret))
    page.get_by_test_id("totp-confirm").click()
    codes = page.locator("[data-testid=recovery-codes] li")
    codes.nth(9).wait_for()
    assert codes.count() == 10
    shown = [c.strip() for c in codes.all_inner_texts()]
    assert all(len(c) == 11 and c[5] == "-" for c in shown), shown
    assert "показываются только один раз" in page.get_by_test_id("recovery-codes-new").inner_text()
    page.screenshot(path=str(artifacts / "recovery-codes.png"), full_page=True)
    assert axe_violations(page) == []
    page.get_by_test_id("recovery-saved").click()
    expect_text(page, "[data-testid=recovery-left]", "Неиспользованных кодов: 10.")
    assert page.locator("[data-testid=recovery-codes]").count() == 0  # shown only once

    # Logging in with a recovery code instead of the app's code; the same code again is
    # refused with words that say why.
    browser = page.context.browser
    second = browser.new_context(locale="ru-RU").new_page()
    third = browser.new_context(locale="ru-RU").new_page()
    try:
        log_in(second, site.firm_url(firm, "/login"), person.email, person.password)
        submit_second_factor(second, shown[0].upper(), recovery=True)
        second.wait_for_url("**/clients")
        log_in(third, site.firm_url(firm, "/login"), person.email, person.password)
        submit_second_factor(third, shown[0], recovery=True)
        expect_text(
            third,
            "#login-error",
            "Этот резервный код уже использован: каждый действует один раз. Возьмите другой.",
        )
    finally:
        second.context.close()
        third.context.close()

    # A new set, confirmed with a current code: nine were left, ten new ones now.
    page.reload()
    expect_text(page, "[data-testid=recovery-left]", "Неиспользованных кодов: 9.")
    steady_clock()
    page.locator("#recovery-code").fill(totp_code(secret, 1))
    page.get_by_test_id("recovery-regenerate").click()
    page.locator("[data-testid=recovery-codes] li").nth(9).wait_for()
    fresh = [c.strip() for c in page.locator("[data-testid=recovery-codes] li").all_inner_texts()]
    assert not set(fresh) & set(shown)


def test_the_firm_admin_resets_a_staff_members_second_factor(
    chromium: Any, site: Site, firms: Any, firm_admins: Any, db_engine: sa.Engine, artifacts: Any
) -> None:
    firm = firms["a"]
    member = create_person(
        db_engine,
        display_name="Телефон Потерян",
        memberships=[(firm.id, "staff", ["manager"], None)],
    )
    secret = give_totp(db_engine, member.id)
    steady_clock()
    member_page = chromium.new_context(locale="ru-RU").new_page()
    admin_page = chromium.new_context(locale="ru-RU").new_page()
    try:
        # The member is at work, on a page of the workspace.
        log_in(member_page, site.firm_url(firm, "/login"), member.email, member.password)
        submit_second_factor(member_page, totp_code(secret), recovery=False)
        member_page.wait_for_url("**/clients")
        member_page.goto(site.firm_url(firm, "/reports?status=REJECTED"))
        member_page.locator("[data-testid=live-status][data-state=online]").wait_for()

        admin = firm_admins["a"]
        log_in(admin_page, site.firm_url(firm, "/login"), admin.person.email, admin.person.password)
        admin_page.wait_for_url("**/clients")
        admin_page.goto(site.firm_url(firm, "/staff"))
        # The admin's own row offers no reset (their own factor is changed on their page).
        # The firm has many staff by now: the search finds a person on any page.
        admin_page.get_by_test_id("staff-search").fill(admin.person.email)
        admin_page.wait_for_url("**/staff?q=*")
        own = admin_page.locator(f"[data-testid=staff-member][data-email='{admin.person.email}']")
        own.wait_for()
        expect(admin_page.locator("[data-testid=staff-member]")).to_have_count(1)
        assert own.get_by_test_id("staff-totp-reset").count() == 0
        admin_page.get_by_test_id("staff-search").fill(member.email)
        row = admin_page.locator(f"[data-testid=staff-member][data-email='{member.email}']")
        row.get_by_test_id("staff-totp-on").wait_for()
        expect(admin_page.locator("[data-testid=staff-member]")).to_have_count(1)
        admin_page.once("dialog", lambda dialog: dialog.accept())
        row.get_by_test_id("staff-totp-reset").click()
        row.get_by_role("status").filter(has_text="сброшен").wait_for()
        expect(row.get_by_test_id("staff-totp-on")).to_have_count(0)
        admin_page.screenshot(path=str(artifacts / "staff-totp-reset.png"), full_page=True)
        assert axe_violations(admin_page) == []

        # The member's sessions ended: their page goes to the login page and says so.
        member_page.wait_for_url("**/login?ended=1&next=*")
        member_page.get_by_test_id("session-ended").wait_for()
        member_page.locator("#login-email").fill(member.email)
        member_page.locator("#login-password").fill(member.password)
        member_page.get_by_test_id("login-submit").click()
        # No second factor any more, and back where they were.
        member_page.wait_for_url("**/reports?status=REJECTED")
        member_page.get_by_test_id("report-feed").wait_for()
    finally:
        member_page.context.close()
        admin_page.context.close()
