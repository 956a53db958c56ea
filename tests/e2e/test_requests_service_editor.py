"""The service editor's pickers (issue 14): the firm admin names a service's responsible (a
role and a staff member) and the service whose result it waits for, in a template and in a
client's own catalog; the API then returns them and the reopened editor shows them. The
pickers' options come from a separate query read when the editor opens, so the template
list keeps its cost."""

from __future__ import annotations

import uuid
from typing import Any

from playwright.sync_api import expect

from tests.e2e.support import FirmAdmin, Site, log_in
from tests.support.requests import ADD_SERVICE, TEMPLATE

LINKS = """query($o: ID!) { serviceCatalog(organizationId: $o) { id name responsibleRole
  afterServiceId responsiblePerson { email } } }"""
TEMPLATES = """{ serviceCatalogTemplates { id services { id name responsibleRole
  afterServiceId responsiblePerson { email } } } }"""


def _service(admin: FirmAdmin, name: str, **owner: str) -> dict[str, Any]:
    input_ = {"category": "Бухгалтерия", "groupName": "Отчётность", "name": name, "plannedDays": 3}
    data = admin.api.execute(ADD_SERVICE, {**owner, "input": input_})["addCatalogService"]
    assert data["__typename"] == "CatalogService", data
    return data


def _pick(item: Any, admin_name: str, role: str, previous: str) -> None:
    item.get_by_test_id("service-edit").click()
    form = item.get_by_test_id("service-form")
    # The options arrive with the editor's own query.
    expect(form.get_by_label("Ждёт результата услуги").locator("option")).to_have_count(2)
    form.get_by_label("Ответственная роль").fill(role)
    form.get_by_label("Ответственный сотрудник").select_option(label=admin_name)
    form.get_by_label("Ждёт результата услуги").select_option(label=previous)
    form.get_by_test_id("service-save").click()
    expect(item.get_by_test_id("service-form")).to_have_count(0)
    # Reopened, the editor shows what was saved.
    item.get_by_test_id("service-edit").click()
    form = item.get_by_test_id("service-form")
    expect(form.get_by_label("Ответственная роль")).to_have_value(role)
    expect(form.get_by_label("Ответственный сотрудник").locator("option:checked")).to_have_text(
        admin_name
    )
    expect(form.get_by_label("Ждёт результата услуги").locator("option:checked")).to_have_text(
        previous
    )


def test_the_service_editor_sets_the_responsible_and_the_sequence(
    chromium: Any, site: Site, firms: Any, firm_admins: dict[str, FirmAdmin]
) -> None:
    admin = firm_admins["a"]
    firm = firms["a"]
    suffix = uuid.uuid4().hex[:6]
    admin_name = f"E2E Admin {firm.slug}"
    made = admin.api.execute(TEMPLATE, {"name": f"Пакет {suffix}"})
    template_id = made["createServiceCatalogTemplate"]["id"]
    first = _service(admin, f"Сверка {suffix}", t=template_id)
    second = _service(admin, f"Отчёт {suffix}", t=template_id)
    org_id, org_pk = admin.create_organization(f"ООО «Пикеры {suffix}»")
    own_first = _service(admin, f"Банк {suffix}", o=org_id)
    own_second = _service(admin, f"Касса {suffix}", o=org_id)

    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="ru-RU")
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        log_in(page, site.firm_url(firm, "/login"), admin.person.email, admin.person.password)
        page.wait_for_url(lambda url: "/login" not in url)
        page.goto(site.firm_url(firm, "/settings/requests"))
        template = page.get_by_test_id("catalog-template").filter(has_text=f"Пакет {suffix}")
        item = template.get_by_test_id("catalog-service").filter(has_text=f"Отчёт {suffix}")
        _pick(item, admin_name, "Главный бухгалтер", f"Сверка {suffix}")

        page.goto(site.firm_url(firm, f"/clients/{org_pk}/catalog"))
        item = (
            page.get_by_test_id("client-catalog")
            .get_by_test_id("catalog-service")
            .filter(has_text=f"Касса {suffix}")
        )
        _pick(item, admin_name, "Кассир", f"Банк {suffix}")
    finally:
        context.close()

    templates = admin.api.execute(TEMPLATES)["serviceCatalogTemplates"]
    services = next(t for t in templates if t["id"] == template_id)["services"]
    saved = next(s for s in services if s["id"] == second["id"])
    assert saved["afterServiceId"] == first["id"]
    assert saved["responsibleRole"] == "Главный бухгалтер"
    assert saved["responsiblePerson"] == {"email": admin.person.email}
    untouched = next(s for s in services if s["id"] == first["id"])
    assert untouched["afterServiceId"] is None and untouched["responsiblePerson"] is None

    catalog = admin.api.execute(LINKS, {"o": org_id})["serviceCatalog"]
    own = next(s for s in catalog if s["id"] == own_second["id"])
    assert own["afterServiceId"] == own_first["id"]
    assert own["responsibleRole"] == "Кассир"
    assert own["responsiblePerson"] == {"email": admin.person.email}
