"""Service requests over GraphQL (issue 14): departments, a catalog template copied into
each organization's own catalog (a client sees only its own), a client's launch refused
below the regulation with the earliest date, every status transition and the refused ones,
the rejection's comment and system entry, checklists, sequences; no way to delete."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from tests.support.documents import PDF, b64, folders
from tests.support.firms import firm_today
from tests.support.ids import gid, pk
from tests.support.requests import (
    ADD_SERVICE,
    BOARD,
    CATALOG,
    DEPARTMENTS,
    EDIT,
    ONE,
    REQUESTS,
    SAVE_DEPARTMENT,
    UPDATE_SERVICE,
    RequestsWorld,
    act,
    build_catalogs,
    comment,
    launch,
    requests_world,
    statements,
)

EN = {"accept-language": "en"}
LATER = (firm_today() + timedelta(days=90)).isoformat()


@pytest.fixture(scope="module")
def world(db_engine, firms) -> Iterator[RequestsWorld]:  # type: ignore[no-untyped-def]
    yield from requests_world(db_engine, firms)


@pytest.fixture(scope="module")
def built() -> dict[str, Any]:
    return {}


@pytest.fixture
def catalogs(login: Any, firms: Any, world: RequestsWorld, built: dict[str, Any]) -> dict[str, Any]:
    """A template (a report with a checklist, then a correction waiting for it, a quick
    certificate) applied to X and Y: their services by name (built once per module)."""
    if not built:
        built.update(build_catalogs(login, firms, world))
    return built


def test_departments_are_seeded_renamed_added_with_a_staff_head(
    login: Any, firms: Any, world: RequestsWorld
) -> None:
    admin = login(firms["a"], world.drive.admin_a)
    seeded = {d["key"]: d for d in admin.execute(DEPARTMENTS)["requestDepartments"]}
    assert {k: (v["nameRu"], v["nameEn"]) for k, v in seeded.items() if k} == {
        "hr": ("Кадры", "HR"),
        "accounting": ("Бухгалтерия", "Accounting"),
        "consulting": ("Консалтинг", "Consulting"),
    }
    head = gid("Person", world.drive.manager_a)
    saved = admin.execute(
        SAVE_DEPARTMENT,
        {"id": seeded["hr"]["id"], "input": {"nameRu": "Кадры и зарплата", "headId": head}},
    )["saveDepartment"]
    assert (saved["nameRu"], saved["nameEn"], saved["head"]["id"]) == (
        "Кадры и зарплата",
        "HR",
        head,
    )
    # A client is no head: refused like an unknown person.
    client = gid("Person", world.requester_x)
    refused = admin.execute(
        SAVE_DEPARTMENT, {"id": seeded["hr"]["id"], "input": {"headId": client}}
    )["saveDepartment"]
    assert refused["__typename"] in ("ValidationError", "NotFoundError"), refused
    added = admin.execute(
        SAVE_DEPARTMENT, {"input": {"nameRu": "Юристы", "nameEn": "Legal", "headId": head}}
    )["saveDepartment"]
    assert (added["__typename"], added["key"], added["head"]["id"]) == ("Department", None, head)
    # Firm B does not see firm A's departments, and cannot name them.
    outsider = login(firms["b"], world.drive.admin_b)
    names_b = {d["nameRu"] for d in outsider.execute(DEPARTMENTS)["requestDepartments"]}
    assert "Юристы" not in names_b
    foreign = outsider.execute(SAVE_DEPARTMENT, {"id": added["id"], "input": {"nameRu": "X"}})
    assert foreign["saveDepartment"]["__typename"] == "NotFoundError"
    # A client has no `requests:read`.
    assert login(firms["a"], world.requester_x).raw(DEPARTMENTS)["errors"]


def test_a_client_sees_only_its_own_catalog(
    login: Any, firms: Any, world: RequestsWorld, catalogs: dict[str, Any]
) -> None:
    x = login(firms["a"], world.requester_x)
    org_x, org_y = (gid("ClientOrganization", o) for o in (world.drive.org_x, world.drive.org_y))
    own = x.execute(CATALOG, {"o": org_x})["serviceCatalog"]
    assert {s["id"] for s in own} >= {s["id"] for s in catalogs["x"].values()}
    assert all(s["organizationId"] == org_x for s in own)
    report = catalogs["x"]["Подготовить отчёт"]
    assert (report["plannedDays"], report["hardDays"], report["priceKind"]) == (5, 7, "PIECE")
    assert report["checklist"] == ["Сверить банк", "Проверить кассу"]
    # The copy's sequence points inside the copy.
    assert catalogs["x"]["Уточнённый отчёт"]["afterServiceId"] == report["id"]
    assert x.execute(CATALOG, {"o": org_y})["serviceCatalog"] == []
    # Without the grant: nothing.
    assert login(firms["a"], world.silent_x).execute(CATALOG, {"o": org_x})["serviceCatalog"] == []
    # X's client cannot launch Y's service.
    other = launch(x, catalogs["y"]["Справка 2-НДФЛ"]["id"], LATER)
    assert other["code"] == "NOT_FOUND", other
    # Editing the copy for X leaves Y's and the template alone.
    admin = login(firms["a"], world.drive.admin_a)
    edited = admin.execute(
        UPDATE_SERVICE,
        {"s": catalogs["x"]["Справка 2-НДФЛ"]["id"], "input": {"plannedDays": 2, "hardDays": 3}},
    )["updateCatalogService"]
    assert (edited["plannedDays"], edited["hardDays"]) == (2, 3)
    y_service = login(firms["a"], world.requester_y).execute(CATALOG, {"o": org_y})
    assert {s["name"]: s["plannedDays"] for s in y_service["serviceCatalog"]}["Справка 2-НДФЛ"] == 1


def test_a_due_date_below_the_regulation_is_refused_with_the_earliest_date(
    login: Any, firms: Any, world: RequestsWorld, catalogs: dict[str, Any]
) -> None:
    x = login(firms["a"], world.requester_x)
    service = catalogs["x"]["Подготовить отчёт"]["id"]
    today = firm_today().isoformat()
    refused = launch(x, service, today)
    assert refused["__typename"] == "DeadlineTooShortError", refused
    assert refused["message"] == "Указан срок меньше допустимого по регламенту (5 рабочих дней)"
    assert (refused["code"], refused["field"], refused["businessDays"]) == (
        "DEADLINE_TOO_SHORT",
        "dueDate",
        5,
    )
    earliest = date.fromisoformat(refused["minimumDate"])
    assert earliest >= firm_today() + timedelta(days=5)
    english = x.execute(
        """mutation($input: LaunchServiceRequestInput!) { launchServiceRequest(input: $input) {
          ... on DeadlineTooShortError { message minimumDate } } }""",
        {"input": {"serviceId": service, "dueDate": today}},
        headers=EN,
    )["launchServiceRequest"]
    assert english == {
        "message": "The due date is shorter than the regulation allows (5 business days)",
        "minimumDate": refused["minimumDate"],
    }
    day_before = (earliest - timedelta(days=1)).isoformat()
    assert launch(x, service, day_before)["__typename"] == "DeadlineTooShortError"
    taken = launch(x, service, earliest.isoformat(), description="Отчёт за ноябрь")
    assert taken["__typename"] == "ServiceRequest", taken
    assert (taken["status"], taken["dueDate"], taken["description"]) == (
        "NEW",
        earliest.isoformat(),
        "Отчёт за ноябрь",
    )
    assert taken["hardDueDate"] >= taken["dueDate"] and taken["sla"] == "ON_TRACK"
    one_day = launch(x, catalogs["x"]["Справка 2-НДФЛ"]["id"], today)
    assert one_day["message"].endswith("(2 рабочих дня)"), one_day


def test_every_status_transition_and_the_refused_ones(
    login: Any, firms: Any, world: RequestsWorld, catalogs: dict[str, Any]
) -> None:
    a = firms["a"]
    client = login(a, world.requester_x)
    manager = login(a, world.drive.manager_a)
    request = launch(client, catalogs["x"]["Подготовить отчёт"]["id"], LATER)
    rid = request["id"]
    assert [i["done"] for i in request["checklist"]] == [False, False]
    assert request["clientEditable"] is True
    # The client edits while it is new.
    edited = client.execute(EDIT, {"id": rid, "d": "Отчёт и пояснения"})["editServiceRequest"]
    assert edited["description"] == "Отчёт и пояснения"
    # A client cannot act as the performer (no `requests:write`).
    assert client.raw(
        "mutation($id: ID!) { reviewServiceRequest(id: $id) { __typename } }", {"id": rid}
    )["errors"]
    # Accept before review: refused.
    assert act(manager, "accept", rid)["code"] == "WRONG_STATUS"
    reviewed = act(manager, "review", rid)
    assert (reviewed["status"], reviewed["clientEditable"]) == ("UNDER_REVIEW", False)
    assert reviewed["performer"]["id"] == gid("Person", world.drive.manager_a)
    assert act(manager, "review", rid)["code"] == "WRONG_STATUS"
    # The edit lock: the client comments instead.
    locked = client.execute(EDIT, {"id": rid, "d": "Другое"})["editServiceRequest"]
    assert (locked["__typename"], locked["code"]) == ("ConflictError", "EDIT_LOCKED")
    assert comment(client, rid, "Добавил выписку")["side"] == "CLIENT"
    accepted = act(manager, "accept", rid)
    assert accepted["status"] == "ACCEPTED"
    # Done needs every checklist item, or a reason.
    assert act(manager, "complete", rid)["code"] == "CHECKLIST_OPEN"
    assert act(manager, "tick", rid, index=5)["code"] == "BAD_ITEM"
    ticked = act(manager, "tick", rid, index=0)
    assert [i["done"] for i in ticked["checklist"]] == [True, False]
    act(manager, "tick", rid, index=1)
    done = act(manager, "complete", rid)
    assert (done["status"], done["sla"]) == ("DONE", "CLOSED")
    assert act(manager, "reject", rid, comment="Поздно")["code"] == "WRONG_STATUS"
    assert act(manager, "accept", rid)["code"] == "WRONG_STATUS"
    # Done with a reason instead of the checklist.
    second = launch(client, catalogs["x"]["Справка 2-НДФЛ"]["id"], LATER)["id"]
    act(manager, "review", second)
    act(manager, "accept", second)
    assert act(manager, "complete", second, reason="Без чек-листа")["doneReason"] == (
        "Без чек-листа"
    )


def test_rejection_needs_a_comment_and_adds_the_system_entry(
    login: Any, firms: Any, world: RequestsWorld, catalogs: dict[str, Any]
) -> None:
    a = firms["a"]
    client = login(a, world.requester_x)
    manager = login(a, world.drive.manager_a)
    rid = launch(client, catalogs["x"]["Справка 2-НДФЛ"]["id"], LATER)["id"]
    act(manager, "review", rid)
    empty = act(manager, "reject", rid, comment="  ")
    assert (empty["code"], empty["message"], empty["field"]) == (
        "COMMENT_REQUIRED",
        "Оставьте комментарий",
        "comment",
    )
    rejected = act(manager, "reject", rid, comment="Нет данных по сотрудникам")
    assert rejected["status"] == "REJECTED"
    assert [(c["side"], c["body"]) for c in rejected["comments"]] == [
        ("STAFF", "Нет данных по сотрудникам"),
        ("SYSTEM", "Задача отклонена исполнителем"),
    ]
    english = client.execute(ONE, {"id": rid}, headers=EN)["serviceRequest"]
    assert english["comments"][1]["body"] == "The performer rejected the task"
    for name in ("accept", "review", "complete"):
        assert act(manager, name, rid)["code"] == "WRONG_STATUS", name
    # Nothing deletes a request.
    fields = client.execute('{ __type(name: "Mutation") { fields { name } } }')["__type"]
    assert not [
        f["name"]
        for f in fields["fields"]
        if "delete" in f["name"].lower() and "request" in f["name"].lower()
    ]


def test_a_service_waiting_for_the_previous_one_starts_when_it_is_done(
    login: Any, firms: Any, world: RequestsWorld, catalogs: dict[str, Any]
) -> None:
    a = firms["a"]
    client = login(a, world.requester_y)
    manager = login(a, world.drive.manager_a)
    first = launch(client, catalogs["y"]["Подготовить отчёт"]["id"], LATER)
    follow = launch(client, catalogs["y"]["Уточнённый отчёт"]["id"], LATER)
    assert (follow["waiting"], follow["afterRequestId"]) == (True, first["id"])
    act(manager, "review", follow["id"])
    assert act(manager, "accept", follow["id"])["code"] == "WAITING_FOR_PREVIOUS"
    act(manager, "review", first["id"])
    act(manager, "accept", first["id"])
    act(manager, "complete", first["id"], reason="Сдано")
    started = client.execute(ONE, {"id": follow["id"]})["serviceRequest"]
    assert started["waiting"] is False
    assert started["comments"][-1]["side"] == "SYSTEM"
    assert act(manager, "accept", follow["id"])["status"] == "ACCEPTED"


def test_a_client_sees_only_its_own_requests(
    login: Any, firms: Any, world: RequestsWorld, catalogs: dict[str, Any]
) -> None:
    a = firms["a"]
    x, y = login(a, world.requester_x), login(a, world.requester_y)
    mine = launch(x, catalogs["x"]["Справка 2-НДФЛ"]["id"], LATER)["id"]
    seen_y = {r["id"] for r in y.execute(REQUESTS)["serviceRequests"]}
    assert mine not in seen_y and seen_y
    assert y.execute(ONE, {"id": mine})["serviceRequest"]["code"] == "NOT_FOUND"
    assert comment(y, mine, "Чужое")["code"] == "NOT_FOUND"
    assert y.execute(EDIT, {"id": mine, "d": "Чужое"})["editServiceRequest"]["code"] == (
        "NOT_FOUND"
    )
    silent = login(a, world.silent_x)
    assert silent.execute(REQUESTS)["serviceRequests"] == []
    assert mine in {r["id"] for r in x.execute(REQUESTS)["serviceRequests"]}
    outsider = login(firms["b"], world.drive.admin_b)
    assert outsider.execute(ONE, {"id": mine})["serviceRequest"]["code"] == "NOT_FOUND"
    assert act(outsider, "review", mine)["code"] == "NOT_FOUND"


def test_the_board_costs_two_statements_whatever_its_size(
    login: Any,
    firms: Any,
    world: RequestsWorld,
    catalogs: dict[str, Any],
    live_server: Any,
    db_engine: sa.Engine,
) -> None:
    """Open requests overdue first, with their SLA state and performers: one statement for
    the page and one for the performers' cards, for 3 rows or 30."""
    a = firms["a"]
    client = login(a, world.requester_x)
    manager = login(a, world.drive.manager_a)
    for n in range(30):
        launched = launch(client, catalogs["x"]["Справка 2-НДФЛ"]["id"], LATER)
        if n % 3 == 0:
            act(manager, "review", launched["id"])
    # One overdue: its due date moved into the past directly (no API sets a past date).
    overdue = launch(client, catalogs["x"]["Справка 2-НДФЛ"]["id"], LATER)["id"]
    schema = "tenant_" + a.slug.replace("-", "_")
    with db_engine.begin() as conn:
        conn.execute(
            sa.text(
                f'UPDATE "{schema}".service_requests SET due_date = current_date - 3, '
                "performer_person_id = :p WHERE id = :id"
            ),
            {"p": world.drive.manager_a, "id": pk(overdue)},
        )
    engine = live_server.app.state.services.engine.sync_engine
    manager.execute(BOARD, {"first": 1})  # warm caches (policy, registry)
    counts = {}
    for size in (3, 30):
        with statements(engine) as seen:
            board = manager.execute(BOARD, {"first": size})["serviceRequestBoard"]
        assert len(board) == size
        assert (board[0]["id"], board[0]["sla"]) == (overdue, "OVERDUE")
        assert board[0]["performer"]["id"] == gid("Person", world.drive.manager_a)
        assert {r["status"] for r in board} <= {"NEW", "UNDER_REVIEW", "ACCEPTED"}
        # The page's and the performers' (the session's own lookup joins people too).
        data = [s for s in seen if "service_requests" in s or s.startswith("SELECT shared.people")]
        assert len(data) <= 2, data
        counts[size] = len(seen)
    assert counts[3] == counts[30], counts


def test_files_of_a_request_land_in_from_client_and_a_required_file_is_asked_for(
    login: Any, firms: Any, world: RequestsWorld, catalogs: dict[str, Any]
) -> None:
    a = firms["a"]
    admin = login(a, world.drive.admin_a)
    client = login(a, world.requester_x)
    needs_file = admin.execute(
        ADD_SERVICE,
        {
            "o": gid("ClientOrganization", world.drive.org_x),
            "input": {
                "category": "Бухгалтерия",
                "groupName": "Первичные документы",
                "name": "Провести авансовый отчёт",
                "plannedDays": 1,
                "fileRequired": True,
            },
        },
    )["addCatalogService"]
    assert needs_file["fileRequired"] is True, needs_file
    refused = launch(client, needs_file["id"], LATER)
    assert (refused["code"], refused["field"]) == ("FILE_REQUIRED", "files")
    files = [{"filename": "Авансовый отчёт.pdf", "contentBase64": b64(PDF)}]
    launched = launch(client, needs_file["id"], LATER, files=files)
    assert launched["__typename"] == "ServiceRequest", launched
    assert len(launched["fileIds"]) == 1
    node = client.execute(
        "query($id: ID!) { node(id: $id) { ... on DriveFile { name folderId } } }",
        {"id": launched["fileIds"][0]},
    )["node"]
    assert node == {
        "name": "Авансовый отчёт.pdf",
        "folderId": folders(client, world.drive.org_x)["FROM_CLIENT"],
    }
    # After review the client still attaches files (and comments), only never edits.
    manager = login(a, world.drive.manager_a)
    act(manager, "review", launched["id"])
    more = client.execute(
        """mutation($id: ID!, $files: [ServiceRequestFileInput!]) {
          attachServiceRequestFiles(id: $id, files: $files) { __typename
            ... on ServiceRequest { fileIds } ... on Error { code message } } }""",
        {"id": launched["id"], "files": [{"filename": "Чек.pdf", "contentBase64": b64(PDF)}]},
    )["attachServiceRequestFiles"]
    assert len(more["fileIds"]) == 2, more
