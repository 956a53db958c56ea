"""The workspace shows what a person may do, not what its role is called (issue 11): a custom
role holding `reports:write` sees «Импорт событий» and opens the import page; a custom role
reading reports only does not see it; neither sees the firm admin's pages. The menus are
compared with the permissions given to each role here, in real Chromium."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.e2e.support import FirmAdmin, Site, log_in
from tests.support.auth import create_person
from tests.support.firms import Firm

pytestmark = pytest.mark.usefixtures("branded")

CREATE_ROLE = """mutation($name: String!, $permissions: [PermissionInput!]!) {
  createRole(name: $name, permissions: $permissions) {
    __typename ... on Error { code message } } }"""

# What each custom role holds, and so which menu entries its holder must see (Russian labels).
ROLES = {
    "importer": (
        ["clients:read", "reports:read", "reports:write"],
        ["Клиенты", "Отчётность", "Импорт событий", "Безопасность входа"],
    ),
    "reader": (
        ["clients:read", "reports:read"],
        ["Клиенты", "Отчётность", "Безопасность входа"],
    ),
}
ADMIN_ONLY = ["Сотрудники", "Оформление", "Настройки фирмы", "API-токены", "Журнал документов"]


def staff_with_role(
    db_engine: sa.Engine, admin: FirmAdmin, firm: Firm, permissions: list[str]
) -> Any:
    name = f"custom_{uuid.uuid4().hex[:8]}"
    perms = [dict(zip(("object", "action"), p.split(":"), strict=True)) for p in permissions]
    made = admin.api.execute(CREATE_ROLE, {"name": name, "permissions": perms})["createRole"]
    assert made["__typename"] == "Role", made
    return create_person(
        db_engine,
        f"{name}@{firm.slug}.test",
        memberships=[(firm.id, "staff", [name], None)],
    )


@pytest.mark.parametrize("kind", sorted(ROLES))
def test_the_menu_follows_the_permissions_of_a_custom_role(
    kind: str,
    page: Any,
    site: Site,
    firms: dict[str, Firm],
    firm_admins: dict[str, FirmAdmin],
    db_engine: sa.Engine,
    artifacts: Any,
) -> None:
    firm = firms["a"]
    permissions, expected = ROLES[kind]
    person = staff_with_role(db_engine, firm_admins["a"], firm, permissions)
    log_in(page, site.firm_url(firm, "/login"), person.email, person.password)
    page.wait_for_url("**/clients")
    nav = page.locator("nav.shell-nav a")
    expect(nav.first).to_be_visible()
    assert nav.all_inner_texts() == expected
    for label in ADMIN_ONLY:
        assert label not in nav.all_inner_texts()
    page.screenshot(path=str(artifacts / f"custom-role-{kind}-nav.png"), full_page=True)
    if "reports:write" in permissions:
        page.get_by_role("link", name="Импорт событий").click()
        page.wait_for_url("**/reports/import")
        expect(page.get_by_role("heading", name="Импорт событий отчётности")).to_be_visible()
    else:
        # The page is the API's to refuse; the menu does not offer it.
        assert page.get_by_role("link", name="Импорт событий").count() == 0
    # Nor does a client list offer «Новый клиент» without clients:write.
    assert page.get_by_role("link", name="Новый клиент").count() == 0
