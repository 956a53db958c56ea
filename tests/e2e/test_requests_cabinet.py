"""Service requests in the browser (issue 14): a client contact holding 'requests' opens
«Услуги» (its organization's own catalog), launches a service with too short a due date, sees
the API's words «Указан срок меньше допустимого по регламенту (2 рабочих дня)», takes the
earliest date the refusal offers and launches it; the request is «Новая» in «Мои заявки» and
its due date is in the client's calendar. The organization's responsible manager opens it
from the request board, takes it for review (it then shows in its queue: «Только мои», or
picked by name), records time and pieces, accepts it and asks the client a question (the
deadline stands still, «Ждёт ответа клиента»); the client sees «Принята в работу», can no
longer edit it, and its comment answers. A second request is rejected: the board's form asks
«Оставьте комментарий» and the thread shows the system's entry. The same in English. The
services page has no axe violation and no sideways scroll on a 390 px phone. Long lists come
in pages of 50: «Показать ещё» appends the next page to «Мои заявки» and to the board."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from saas.settings import Settings
from tests.e2e.support import (
    PASSWORD,
    FirmAdmin,
    Site,
    accept_invitation,
    axe_violations,
    invitation_token,
    log_in,
    no_horizontal_scroll,
    open_section,
)
from tests.support.auth import create_person, login_result
from tests.support.firms import firm_today
from tests.support.ids import gid
from tests.support.requests import ADD_SERVICE, launch

MANAGERS = """mutation($id: ID!, $m: ID) { setClientOrganizationManagers(id: $id,
  responsibleManagerId: $m) { __typename ... on Error { code message } } }"""


def test_a_client_launches_a_service_and_the_performer_accepts_it(
    chromium: Any,
    site: Site,
    firms: Any,
    firm_admins: dict[str, FirmAdmin],
    e2e_settings: Settings,
    db_engine: Any,
    artifacts: Path,
) -> None:
    admin = firm_admins["a"]
    firm = firms["a"]
    suffix = uuid.uuid4().hex[:6]
    org_id, org_pk = admin.create_organization(f"ООО «Заявки {suffix}»")
    service_name = f"Справка о доходах {suffix}"
    template = f"Подготовить справку 2-НДФЛ для сотрудника {suffix}"
    added = admin.api.execute(
        ADD_SERVICE,
        {
            "o": org_id,
            "input": {
                "category": "Кадры",
                "groupName": "Справки",
                "name": service_name,
                "description": template,
                "plannedDays": 2,
                "hardDays": 4,
                "priceKind": "PIECE",
                "price": "500.00",
            },
        },
    )["addCatalogService"]
    assert added["__typename"] == "CatalogService", added
    manager = create_person(
        db_engine,
        f"requests-manager-{suffix}@example.test",
        display_name=f"Исполнитель {suffix}",
        memberships=[(firm.id, "staff", ["manager"], None)],
    )
    assigned = admin.api.execute(MANAGERS, {"id": org_id, "m": gid("Person", manager.id)})
    assert assigned["setClientOrganizationManagers"]["__typename"] == "ClientOrganization"
    contact = f"requests-client-{suffix}@example.test"
    admin.invite_contact(org_id, contact, ["REQUESTS"])
    accept_invitation(
        site, firm, invitation_token(e2e_settings, contact), PASSWORD, f"Клиент {suffix}"
    )

    contexts = []

    def new_page(width: int = 1280, height: int = 900) -> Any:
        context = chromium.new_context(viewport={"width": width, "height": height}, locale="ru-RU")
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    try:
        client = new_page()
        log_in(client, site.firm_url(firm, "/login"), contact, PASSWORD)
        client.wait_for_url(f"**/cabinet/{org_pk}")
        client.get_by_test_id("services-link").click()
        client.wait_for_url(f"**/cabinet/{org_pk}/services")
        service = client.get_by_test_id("catalog-service").filter(has_text=service_name)
        # The first visit loads the page's chunk and the catalog: a loaded machine takes a while.
        expect(service).to_contain_text("Плановый срок, рабочих дней: 2", timeout=15_000)
        expect(service).to_contain_text("Предельный срок, рабочих дней: 4")
        expect(service).to_contain_text("Цена за единицу: 500 ₽")
        assert axe_violations(client) == []
        service.get_by_test_id("launch-open").click()
        form = service.get_by_test_id("launch-form")
        expect(form.get_by_test_id("launch-description")).to_have_value(template)
        form.get_by_test_id("launch-description").fill(f"{template}, за 2026 год")
        today = firm_today()
        form.get_by_test_id("launch-due").fill(today.isoformat())
        form.get_by_test_id("launch-submit").click()
        expect(form.get_by_test_id("request-error-message")).to_have_text(
            "Указан срок меньше допустимого по регламенту (2 рабочих дня)"
        )
        assert axe_violations(client) == []
        form.get_by_test_id("take-minimum-date").click()
        offered = date.fromisoformat(form.get_by_test_id("launch-due").input_value())
        assert offered >= today + timedelta(days=2), offered
        form.get_by_test_id("launch-submit").click()
        client.wait_for_url(f"**/cabinet/{org_pk}/requests/*")
        details = client.get_by_test_id("request-details")
        expect(details.get_by_test_id("request-status")).to_have_text("Новая")
        expect(details.get_by_test_id("request-due")).to_contain_text(offered.strftime("%d.%m.%Y"))
        # While new, the client may still change it.
        expect(client.get_by_test_id("edit-form")).to_be_visible()
        client.get_by_test_id("back-to-requests").click()
        mine = client.get_by_test_id("my-requests").get_by_test_id("request-row")
        row = mine.filter(has_text=service_name)
        expect(row).to_have_count(1)
        expect(row.get_by_test_id("request-status")).to_have_text("Новая")
        expect(row).to_contain_text(offered.strftime("%d.%m.%Y"))
        # Its due date is in the client's 15-day calendar (a 'requests' grant is enough for it;
        # the tax calendar needs 'reports').
        client.get_by_test_id("shell-nav").get_by_role("link", name="Календарь").click()
        client.wait_for_url(f"**/cabinet/{org_pk}/calendar")
        due_event = client.get_by_test_id("calendar-event").filter(
            has_text=f"Срок заявки: {service_name}"
        )
        expect(due_event.locator("[data-kind=REQUEST_DUE]")).to_have_count(1)
        expect(client.get_by_test_id("tax-entry")).to_have_count(0)
        client.goto(site.firm_url(firm, f"/cabinet/{org_pk}/requests"))
        expect(row).to_have_count(1)

        performer = new_page()
        log_in(performer, site.firm_url(firm, "/login"), manager.email, manager.password)
        performer.wait_for_url("**/clients")
        open_section(performer, "Заявки")
        performer.wait_for_url("**/requests")
        board_row = (
            performer.get_by_test_id("request-board")
            .get_by_test_id("request-row")
            .filter(has_text=f"ООО «Заявки {suffix}»")
        )
        expect(board_row).to_have_count(1)
        board_row.get_by_role("link", name=service_name).click()
        performer.wait_for_url("**/requests/*")
        expect(performer.get_by_test_id("request-description")).to_have_text(
            f"{template}, за 2026 год"
        )
        performer.get_by_test_id("request-review").click()
        expect(performer.get_by_test_id("request-status")).to_have_text("На рассмотрении")
        # Now it is the performer's: it shows in «Только мои».
        performer.get_by_test_id("back-to-board").click()
        performer.get_by_test_id("board-performer").select_option(label=f"Исполнитель {suffix}")
        expect(
            performer.get_by_test_id("request-board")
            .get_by_test_id("request-row")
            .filter(has_text=f"ООО «Заявки {suffix}»")
        ).to_have_count(1)
        performer.get_by_test_id("board-performer").select_option("")
        performer.get_by_test_id("board-mine").check()
        mine_row = (
            performer.get_by_test_id("request-board")
            .get_by_test_id("request-row")
            .filter(has_text=f"ООО «Заявки {suffix}»")
        )
        expect(mine_row).to_contain_text(f"Исполнитель {suffix}")
        mine_row.get_by_role("link", name=service_name).click()
        performer.get_by_test_id("request-accept").click()
        expect(performer.get_by_test_id("request-status")).to_have_text("Принята в работу")
        # Time: 30 minutes by hand, then the timer (a stopped timer counts at least a minute);
        # the per-piece service's amount is its price times the pieces.
        time = performer.get_by_test_id("request-time")
        time.get_by_label("Минут").fill("30")
        time.get_by_label("Что сделано").fill("Сверка с 1С")
        time.get_by_test_id("time-record").click()
        expect(time.get_by_test_id("request-time-total")).to_have_text("Записано минут: 30")
        time.get_by_label("Количество единиц").fill("3")
        time.get_by_test_id("quantity-save").click()
        expect(time.get_by_test_id("request-amount")).to_have_text(re.compile(r"Сумма: 1\s500 ₽"))
        time.get_by_test_id("timer-start").click()
        expect(time.get_by_test_id("request-timer-running")).to_be_visible()
        time.get_by_test_id("timer-stop").click()
        expect(time.get_by_test_id("request-time-total")).to_have_text("Записано минут: 31")
        expect(time.get_by_test_id("time-entry")).to_have_count(2)
        # The performer asks the client: the deadline stands still until the client answers.
        performer.get_by_test_id("request-ask").click()
        performer.get_by_test_id("ask-form").get_by_label("Что нужно от клиента").fill(
            "Укажите ФИО сотрудника"
        )
        performer.get_by_test_id("ask-submit").click()
        expect(performer.get_by_test_id("request-awaiting")).to_contain_text("Ждёт ответа клиента")
        expect(performer.get_by_test_id("request-sla")).to_have_text("Ждёт ответа клиента")

        client.reload()
        accepted = mine.filter(has_text=service_name)
        expect(accepted.get_by_test_id("request-status")).to_have_text("Принята в работу")
        accepted.get_by_role("link", name=service_name).click()
        expect(client.get_by_test_id("request-status")).to_have_text("Принята в работу")
        expect(client.get_by_test_id("request-performer")).to_contain_text(f"Исполнитель {suffix}")
        expect(client.get_by_test_id("edit-form")).to_have_count(0)
        # The request page shows its conversation with the chat's thread and composer.
        conversation = client.get_by_test_id("request-conversation")
        expect(
            conversation.get_by_test_id("chat-message").filter(has_text="Укажите ФИО сотрудника")
        ).to_have_count(1)
        conversation.get_by_test_id("chat-text").fill("Сотрудник: Иванов И. И.")
        conversation.get_by_test_id("chat-send").click()
        expect(conversation.get_by_test_id("chat-message").filter(has_text="Иванов")).to_have_count(
            1
        )
        performer.reload()
        expect(
            performer.get_by_test_id("request-conversation")
            .get_by_test_id("chat-message")
            .filter(has_text="Иванов")
        ).to_have_count(1)
        # Written on the staff side, the comment reaches the client's page live.
        performer.get_by_test_id("request-conversation").get_by_test_id("chat-text").fill(
            "Спасибо, принято"
        )
        performer.get_by_test_id("request-conversation").get_by_test_id("chat-send").click()
        expect(
            conversation.get_by_test_id("chat-message").filter(has_text="Спасибо, принято")
        ).to_have_count(1)
        # The client's answer restarts the clock.
        expect(performer.get_by_test_id("request-status")).to_have_text("Принята в работу")
        expect(performer.get_by_test_id("request-awaiting")).to_have_count(0)
        client.screenshot(path=str(artifacts / "request-client.png"), full_page=True)

        # A second request, rejected: the form asks for the comment, the system adds its entry.
        client.goto(site.firm_url(firm, f"/cabinet/{org_pk}/services"))
        service.get_by_test_id("launch-open").click()
        form.get_by_test_id("launch-due").fill((today + timedelta(days=30)).isoformat())
        form.get_by_test_id("launch-submit").click()
        client.wait_for_url(f"**/cabinet/{org_pk}/requests/*")
        second = client.url.rsplit("/", 1)[1]
        performer.goto(site.firm_url(firm, f"/requests/{second}"))
        performer.get_by_test_id("request-reject").click()
        reject = performer.get_by_test_id("reject-form")
        reject.get_by_label("Оставьте комментарий").fill("Нет данных о сотруднике")
        reject.get_by_test_id("reject-submit").click()
        expect(performer.get_by_test_id("request-status")).to_have_text("Отклонена")
        thread = performer.get_by_test_id("request-conversation").get_by_test_id("chat-message")
        expect(thread.filter(has_text="Нет данных о сотруднике")).to_have_count(1)
        expect(thread.filter(has_text="Задача отклонена исполнителем")).to_have_count(1)
        client.reload()
        expect(client.get_by_test_id("request-status")).to_have_text("Отклонена")
        # In English: the cabinet's words and the API's refusal.
        client.locator(".shell-tools").get_by_role("button", name="EN").click()
        expect(client.get_by_test_id("request-status")).to_have_text("Rejected")
        client.goto(site.firm_url(firm, f"/cabinet/{org_pk}/services"))
        expect(client.locator("main h1")).to_have_text("Services")
        service.get_by_test_id("launch-open").click()
        form.get_by_test_id("launch-due").fill(today.isoformat())
        form.get_by_test_id("launch-submit").click()
        expect(form.get_by_test_id("request-error-message")).to_have_text(
            "The due date is shorter than the regulation allows (2 business days)"
        )
        expect(form.get_by_test_id("take-minimum-date")).to_contain_text("Set the due date to")

        phone = new_page(390, 844)
        log_in(phone, site.firm_url(firm, "/login"), contact, PASSWORD)
        phone.wait_for_url(f"**/cabinet/{org_pk}")
        phone.goto(site.firm_url(firm, f"/cabinet/{org_pk}/services"))
        phone_service = phone.get_by_test_id("catalog-service").filter(has_text=service_name)
        phone_service.get_by_test_id("launch-open").click()
        expect(phone_service.get_by_test_id("launch-form")).to_be_visible()
        assert no_horizontal_scroll(phone)
        phone.screenshot(path=str(artifacts / "services-phone.png"), full_page=True)
        phone.goto(site.firm_url(firm, f"/cabinet/{org_pk}/requests"))
        expect(phone.get_by_test_id("request-row").first).to_be_visible()
        assert no_horizontal_scroll(phone)
    finally:
        for context in contexts:
            context.close()


def test_the_firm_sets_up_departments_a_template_and_a_clients_catalog(
    chromium: Any,
    site: Site,
    firms: Any,
    firm_admins: dict[str, FirmAdmin],
    e2e_settings: Settings,
    artifacts: Path,
) -> None:
    """The firm admin adds a department with a head, makes a template with a service (a
    checklist, a price), copies it into a new organization's own catalog from the client card
    and shortens the service's deadline there; the client's «Услуги» shows that catalog."""
    admin = firm_admins["a"]
    firm = firms["a"]
    suffix = uuid.uuid4().hex[:6]
    org_id, org_pk = admin.create_organization(f"ООО «Каталог {suffix}»")
    contact = f"catalog-client-{suffix}@example.test"
    admin.invite_contact(org_id, contact, ["REQUESTS"])
    accept_invitation(
        site, firm, invitation_token(e2e_settings, contact), PASSWORD, f"Клиент {suffix}"
    )
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="ru-RU")
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        page.on("dialog", lambda dialog: dialog.accept())
        log_in(page, site.firm_url(firm, "/login"), admin.person.email, admin.person.password)
        page.wait_for_url("**/clients")
        open_section(page, "Услуги и отделы")
        page.wait_for_url("**/settings/requests")

        new_department = page.get_by_test_id("department-form").last
        new_department.get_by_label("Название по-русски").fill(f"Юристы {suffix}")
        new_department.get_by_label("Название по-английски").fill(f"Legal {suffix}")
        new_department.get_by_label("Руководитель").select_option(label=f"E2E Admin {firm.slug}")
        new_department.get_by_test_id("department-save").click()
        saved = page.get_by_test_id("department-form").filter(
            has=page.locator(f"input[value='Юристы {suffix}']")
        )
        expect(saved).to_have_count(1)
        expect(saved.get_by_label("Руководитель").locator("option:checked")).to_have_text(
            f"E2E Admin {firm.slug}"
        )

        package = f"Пакет {suffix}"
        page.get_by_label("Название шаблона").fill(package)
        page.get_by_test_id("template-create").click()
        template = page.get_by_test_id("catalog-template").filter(has_text=package)
        template.get_by_test_id("service-add").click()
        form = template.get_by_test_id("service-form")
        form.get_by_label("Категория").fill("Бухгалтерия")
        form.get_by_label("Группа").fill("Отчётность")
        form.get_by_label("Услуга", exact=True).fill(f"Декларация {suffix}")
        form.get_by_label("Отдел").select_option(label=f"Юристы {suffix}")
        form.get_by_label("Плановый срок, рабочих дней").fill("5")
        form.get_by_label("Предельный срок, рабочих дней").fill("7")
        form.get_by_label("Цена", exact=True).select_option("PIECE")
        form.get_by_label("Сумма, ₽").fill("1500")
        form.get_by_label("Шаблон описания").fill("Подготовить декларацию за период")
        form.get_by_label("Чек-лист (по пункту в строке)").fill("Сверить банк\nПроверить кассу")
        form.get_by_test_id("service-save").click()
        added = template.get_by_test_id("catalog-service").filter(has_text=f"Декларация {suffix}")
        expect(added).to_contain_text("Плановый срок, рабочих дней: 5")
        expect(added).to_contain_text(re.compile(r"Цена за единицу: 1\s500 ₽"))
        assert axe_violations(page) == []

        page.goto(site.firm_url(firm, f"/clients/{org_pk}"))
        page.get_by_test_id("client-catalog-link").click()
        page.wait_for_url(f"**/clients/{org_pk}/catalog")
        page.get_by_test_id("apply-template").select_option(label=package)
        page.get_by_test_id("apply-submit").click()
        copy = page.get_by_test_id("client-catalog").get_by_test_id("catalog-service")
        expect(copy.filter(has_text=f"Декларация {suffix}")).to_contain_text(
            "Плановый срок, рабочих дней: 5"
        )
        copy.get_by_test_id("service-edit").click()
        edit = copy.get_by_test_id("service-form")
        edit.get_by_label("Плановый срок, рабочих дней").fill("1")
        edit.get_by_label("Предельный срок, рабочих дней").fill("2")
        edit.get_by_test_id("service-save").click()
        expect(copy).to_contain_text("Плановый срок, рабочих дней: 1")
        page.screenshot(path=str(artifacts / "client-catalog.png"), full_page=True)

        # The template keeps its own deadline; the client sees its edited copy.
        page.goto(site.firm_url(firm, "/settings/requests"))
        expect(
            page.get_by_test_id("catalog-template")
            .filter(has_text=package)
            .get_by_test_id("catalog-service")
        ).to_contain_text("Плановый срок, рабочих дней: 5")
        client = context.browser.new_context(
            viewport={"width": 1280, "height": 900}, locale="ru-RU"
        )
        try:
            client.set_default_timeout(15_000)
            seen = client.new_page()
            log_in(seen, site.firm_url(firm, "/login"), contact, PASSWORD)
            seen.wait_for_url(f"**/cabinet/{org_pk}")
            seen.goto(site.firm_url(firm, f"/cabinet/{org_pk}/services"))
            offered = seen.get_by_test_id("catalog-service").filter(has_text=f"Декларация {suffix}")
            expect(offered).to_contain_text("Плановый срок, рабочих дней: 1")
            expect(offered).to_contain_text("Подготовить декларацию за период")
        finally:
            client.close()
    finally:
        context.close()


def test_long_request_lists_show_more_page_by_page(
    chromium: Any,
    site: Site,
    firms: Any,
    firm_admins: dict[str, FirmAdmin],
    e2e_settings: Settings,
) -> None:
    admin = firm_admins["a"]
    firm = firms["a"]
    suffix = uuid.uuid4().hex[:6]
    org_id, org_pk = admin.create_organization(f"ООО «Много заявок {suffix}»")
    added = admin.api.execute(
        ADD_SERVICE,
        {
            "o": org_id,
            "input": {
                "category": "Бухгалтерия",
                "groupName": "Справки",
                "name": f"Справка {suffix}",
                "description": "Справка",
                "plannedDays": 1,
                "hardDays": 2,
            },
        },
    )["addCatalogService"]
    assert added["__typename"] == "CatalogService", added
    contact = f"many-requests-{suffix}@example.test"
    admin.invite_contact(org_id, contact, ["REQUESTS"])
    accept_invitation(
        site, firm, invitation_token(e2e_settings, contact), PASSWORD, f"Клиент {suffix}"
    )
    api = site.api(site.firm_host(firm))
    assert login_result(api, contact, PASSWORD)["__typename"] == "LoginSuccess"
    due = (firm_today() + timedelta(days=60)).isoformat()
    launched = [launch(api, added["id"], due)["id"] for _ in range(53)]
    assert len(set(launched)) == 53
    board_total = admin.api.execute("{ serviceRequestBoardConnection(first: 1) { totalCount } }")[
        "serviceRequestBoardConnection"
    ]["totalCount"]
    assert board_total >= 53

    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="ru-RU")
    context.set_default_timeout(15_000)
    try:
        client = context.new_page()
        log_in(client, site.firm_url(firm, "/login"), contact, PASSWORD)
        client.wait_for_url(f"**/cabinet/{org_pk}")
        client.goto(site.firm_url(firm, f"/cabinet/{org_pk}/requests"))
        rows = client.get_by_test_id("my-requests").get_by_test_id("request-row")
        expect(rows).to_have_count(50)
        client.get_by_test_id("requests-more").click()
        expect(rows).to_have_count(53)
        expect(client.get_by_test_id("requests-more")).to_have_count(0)
        links = rows.get_by_role("link").evaluate_all("(els) => els.map((e) => e.href)")
        assert len(set(links)) == 53, links

        staff = context.browser.new_context(viewport={"width": 1280, "height": 900}, locale="ru-RU")
        try:
            page = staff.new_page()
            page.set_default_timeout(15_000)
            log_in(page, site.firm_url(firm, "/login"), admin.person.email, admin.person.password)
            page.wait_for_url("**/clients")
            open_section(page, "Заявки")
            page.wait_for_url("**/requests")
            expect(page.get_by_test_id("board-count")).to_have_text(
                re.compile(rf"Открытых заявок: {board_total}$")
            )
            board = page.get_by_test_id("request-board").get_by_test_id("request-row")
            expect(board).to_have_count(50)
            page.get_by_test_id("board-more").click()
            expect(board).to_have_count(min(board_total, 100))
            # A filter starts again from its first page: the admin's own queue is short (none
            # of these 53 is theirs), and back to every request it shows 50, not the 100 seen.
            page.get_by_test_id("board-mine").check()
            expect(board).not_to_have_count(min(board_total, 100))
            expect(page.get_by_test_id("board-more")).to_have_count(0)
            page.get_by_test_id("board-mine").uncheck()
            expect(board).to_have_count(50)
        finally:
            staff.close()
    finally:
        context.close()
