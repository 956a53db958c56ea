"""One person, contact of two organizations at firm A and one at firm B: after logging in at
the platform's address the cabinet picker lists all three; picking one opens it at its
firm's address in that firm's brand, and the organization switcher moves between the two
organizations at firm A."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlsplit

import pytest

from saas.settings import Settings
from tests.e2e.support import (
    BRANDS,
    FirmAdmin,
    Site,
    accept_invitation,
    background,
    css_rgb,
    expect_text,
    invitation_token,
    log_in,
)

pytestmark = pytest.mark.usefixtures("branded")

PASSWORD = "Two-Firms-One-Login-7"


@pytest.fixture
def contact_of_three(
    site: Site, firms: Any, firm_admins: dict[str, FirmAdmin], e2e_settings: Settings
) -> dict[str, Any]:
    """The person joins each organization through its invitation (the first sets the
    password; the others attach the same account with it)."""
    email = f"two-firms-{uuid.uuid4().hex[:8]}@example.test"
    tag = uuid.uuid4().hex[:4]
    orgs = {}
    for label, key, name in (
        ("a1", "a", f"ООО «Альфа-Один {tag}»"),
        ("a2", "a", f"ООО «Альфа-Два {tag}»"),
        ("b1", "b", f"ООО «Браво {tag}»"),
    ):
        admin = firm_admins[key]
        org_id, org_pk = admin.create_organization(name)
        admin.invite_contact(org_id, email, ["REPORTS"])
        accept_invitation(
            site, firms[key], invitation_token(e2e_settings, email), PASSWORD, "Ольга Двухфирменная"
        )
        orgs[label] = {
            "name": name,
            "pk": org_pk,
            "key": f"{firms[key].slug}:client:{org_pk}",
            "firm": key,
        }
    return {"email": email, "orgs": orgs}


def test_picker_opens_cabinets_at_two_firms(
    page: Any, site: Site, firms: Any, contact_of_three: dict[str, Any], artifacts: Any
) -> None:
    orgs = contact_of_three["orgs"]
    log_in(page, site.url("localhost", "/login"), contact_of_three["email"], PASSWORD)
    page.wait_for_url("**/cabinets")
    options = page.locator("[data-testid=cabinet-option]")
    options.first.wait_for()
    keys = {options.nth(i).get_attribute("data-cabinet-key") for i in range(options.count())}
    assert {o["key"] for o in orgs.values()} <= keys
    page.screenshot(path=str(artifacts / "cabinet-picker.png"), full_page=True)

    # Firm B's cabinet opens at firm B's address, in its brand.
    page.locator(f"[data-cabinet-key='{orgs['b1']['key']}']").click()
    page.wait_for_url(f"**/cabinet/{orgs['b1']['pk']}")
    assert urlsplit(page.url).hostname == site.firm_host(firms["b"])
    expect_text(page, "[data-testid=organization-name]", orgs["b1"]["name"])
    expect_text(page, "[data-testid=firm-name]", BRANDS["b"].name)
    assert background(page, "[data-testid=brand-header]") == css_rgb(BRANDS["b"].color)
    # One organization at this firm: nothing to switch.
    assert page.locator("[data-testid=org-switch]").count() == 0

    # Back to the picker from the cabinet, and over to the second organization at firm A.
    page.locator("[data-testid=my-cabinets]").click()
    page.wait_for_url("**/cabinets")
    page.locator(f"[data-cabinet-key='{orgs['a2']['key']}']").click()
    page.wait_for_url(f"**/cabinet/{orgs['a2']['pk']}")
    assert urlsplit(page.url).hostname == site.firm_host(firms["a"])
    expect_text(page, "[data-testid=organization-name]", orgs["a2"]["name"])
    expect_text(page, "[data-testid=firm-name]", BRANDS["a"].name)
    assert background(page, "[data-testid=brand-header]") == css_rgb(BRANDS["a"].color)
    assert BRANDS["b"].name not in page.inner_text("body")

    # At firm A the switcher holds both of its organizations, and only those.
    switch = page.locator("[data-testid=org-switch]")
    labels = switch.locator("option").all_inner_texts()
    assert sorted(labels) == sorted([orgs["a1"]["name"], orgs["a2"]["name"]])
    switch.select_option(label=orgs["a1"]["name"])
    page.wait_for_url(f"**/cabinet/{orgs['a1']['pk']}")
    expect_text(page, "[data-testid=organization-name]", orgs["a1"]["name"])
    page.screenshot(path=str(artifacts / "cabinet-switcher.png"), full_page=True)
