"""Onboarding in the browser (issue 14): the firm onboards a client organization to two
departments (through the API); the head of the main one opens the request board, sees the
task «Подключение клиентов», appoints the project manager by name and names the project; the
task shows as done and the organization's responsible manager is that person."""

from __future__ import annotations

import uuid
from typing import Any

from playwright.sync_api import expect

from tests.e2e.support import FirmAdmin, Site, log_in, open_section
from tests.support.auth import create_person
from tests.support.ids import gid

SAVE_DEPARTMENT = """mutation($input: DepartmentInput!) { saveDepartment(input: $input) {
  __typename ... on Department { id } ... on Error { code message } } }"""
ONBOARD = """mutation($o: ID!, $d: [ID!]!, $m: ID) { onboardClientOrganization(organizationId: $o,
  departmentIds: $d, mainDepartmentId: $m) { __typename ... on Error { code message } } }"""
ORG = """query($id: ID!) { clientOrganization(id: $id) { __typename
  ... on ClientOrganization { responsibleManager { id } } } }"""


def test_a_department_head_appoints_the_project_manager(
    chromium: Any, site: Site, firms: Any, firm_admins: dict[str, FirmAdmin], db_engine: Any
) -> None:
    admin = firm_admins["a"]
    firm = firms["a"]
    suffix = uuid.uuid4().hex[:6]
    org_id, _ = admin.create_organization(f"ООО «Подключение {suffix}»")
    head = create_person(
        db_engine,
        f"onboarding-head-{suffix}@example.test",
        display_name=f"Руководитель {suffix}",
        memberships=[(firm.id, "staff", ["department_head"], None)],
    )
    appointee = create_person(
        db_engine,
        f"onboarding-pm-{suffix}@example.test",
        display_name=f"Проектный {suffix}",
        memberships=[(firm.id, "staff", ["manager"], None)],
    )
    departments = []
    for name in (f"Бухгалтерия {suffix}", f"Кадры {suffix}"):
        saved = admin.api.execute(
            SAVE_DEPARTMENT,
            {"input": {"nameRu": name, "nameEn": name, "headId": gid("Person", head.id)}},
        )["saveDepartment"]
        assert saved["__typename"] == "Department", saved
        departments.append(saved["id"])
    onboarded = admin.api.execute(ONBOARD, {"o": org_id, "d": departments, "m": departments[0]})
    assert onboarded["onboardClientOrganization"]["__typename"] == "OnboardingTasksPayload"

    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="ru-RU")
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        log_in(page, site.firm_url(firm, "/login"), head.email, head.password)
        open_section(page, "Заявки")
        panel = page.get_by_test_id("onboarding-tasks")
        expect(panel).to_contain_text("Подключение клиентов", timeout=15_000)
        task = panel.get_by_test_id("onboarding-task").filter(has_text=f"Бухгалтерия {suffix}")
        expect(task).to_contain_text(f"ООО «Подключение {suffix}»")
        expect(task).to_contain_text("главный отдел")
        task.get_by_test_id("onboarding-manager").select_option(label=f"Проектный {suffix}")
        task.get_by_test_id("onboarding-project").fill(f"Бухучёт {suffix}")
        task.get_by_test_id("onboarding-submit").click()
        done = panel.get_by_test_id("onboarding-task").filter(has_text=f"Бухгалтерия {suffix}")
        expect(done.get_by_test_id("onboarding-done")).to_contain_text(f"Проектный {suffix}")
        expect(done.get_by_test_id("onboarding-done")).to_contain_text(f"Бухучёт {suffix}")
        # The other department's task is still open.
        other = panel.get_by_test_id("onboarding-task").filter(has_text=f"Кадры {suffix}")
        expect(other.get_by_test_id("onboarding-submit")).to_be_visible()
    finally:
        context.close()
    team = admin.api.execute(ORG, {"id": org_id})["clientOrganization"]
    assert team["responsibleManager"]["id"] == gid("Person", appointee.id)
