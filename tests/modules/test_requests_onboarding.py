"""Onboarding a client organization to departments (issue 14): a task for each department's
head, who appoints the project manager of that direction and names the project; the main
department's manager becomes the organization's responsible manager, another's a moderator."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from tests.support.documents import make_org
from tests.support.ids import gid
from tests.support.requests import SAVE_DEPARTMENT, RequestsWorld, requests_world

ERR = "... on Error { code message }"
TASK = """id organizationId organizationName departmentId departmentName main done projectName
  head { id } manager { id }"""
ONBOARD = f"""mutation($o: ID!, $d: [ID!]!, $m: ID) {{ onboardClientOrganization(
  organizationId: $o, departmentIds: $d, mainDepartmentId: $m) {{ __typename
  ... on OnboardingTasksPayload {{ tasks {{ {TASK} }} }} {ERR} }} }}"""
TASKS = f"{{ onboardingTasks {{ {TASK} }} }}"
COMPLETE = f"""mutation($t: ID!, $m: ID!, $p: String!) {{ completeOnboardingTask(taskId: $t,
  managerId: $m, projectName: $p) {{ __typename ... on OnboardingTask {{ {TASK} }} {ERR} }} }}"""
ORG = """query($id: ID!) { clientOrganization(id: $id) { __typename
  ... on ClientOrganization { responsibleManager { id } moderators { id } } } }"""


@pytest.fixture(scope="module")
def world(db_engine, firms) -> Iterator[RequestsWorld]:  # type: ignore[no-untyped-def]
    yield from requests_world(db_engine, firms)


def _department(admin: Any, head: int) -> str:
    name = f"Отдел {uuid.uuid4().hex[:6]}"
    saved = admin.execute(
        SAVE_DEPARTMENT,
        {"input": {"nameRu": name, "nameEn": name, "headId": gid("Person", head)}},
    )["saveDepartment"]
    assert saved["__typename"] == "Department", saved
    return str(saved["id"])


def test_onboarding_creates_a_task_per_head_who_appoints_the_project_managers(
    db_engine: sa.Engine, login: Any, firms: Any, world: RequestsWorld
) -> None:
    a, b = firms["a"], firms["b"]
    admin = login(a, world.drive.admin_a)
    org = gid("ClientOrganization", make_org(db_engine, a.slug, "ООО «Новый клиент»"))
    hr = _department(admin, world.drive.staff_a)
    accounting = _department(admin, world.drive.manager_a)
    made = admin.execute(ONBOARD, {"o": org, "d": [hr, accounting], "m": accounting})[
        "onboardClientOrganization"
    ]
    assert made["__typename"] == "OnboardingTasksPayload", made
    assert [(t["departmentId"], t["main"], t["head"]["id"]) for t in made["tasks"]] == [
        (hr, False, gid("Person", world.drive.staff_a)),
        (accounting, True, gid("Person", world.drive.manager_a)),
    ]
    # Onboarding again keeps the open tasks.
    again = admin.execute(ONBOARD, {"o": org, "d": [hr, accounting], "m": accounting})
    ids = [t["id"] for t in again["onboardClientOrganization"]["tasks"]]
    assert ids == [t["id"] for t in made["tasks"]]
    # Each head sees its own task.
    head_hr, head_accounting = login(a, world.drive.staff_a), login(a, world.drive.manager_a)
    mine = [t for t in head_hr.execute(TASKS)["onboardingTasks"] if t["organizationId"] == org]
    assert [(t["departmentId"], t["done"], t["organizationName"]) for t in mine] == [
        (hr, False, "ООО «Новый клиент»")
    ]
    hr_task, accounting_task = made["tasks"][0]["id"], made["tasks"][1]["id"]
    # Not the head's task: not found; a bad project name: refused.
    other = head_hr.execute(
        COMPLETE, {"t": accounting_task, "m": gid("Person", world.drive.staff_a), "p": "Кадры"}
    )["completeOnboardingTask"]
    assert other["code"] == "NOT_FOUND", other
    blank = head_hr.execute(
        COMPLETE, {"t": hr_task, "m": gid("Person", world.drive.staff_a), "p": "  "}
    )["completeOnboardingTask"]
    assert blank["code"] == "PROJECT_NAME", blank
    # The main department's manager is the responsible manager, the other a moderator.
    main = head_accounting.execute(
        COMPLETE,
        {"t": accounting_task, "m": gid("Person", world.drive.moderator_a), "p": "Бухучёт 2027"},
    )["completeOnboardingTask"]
    assert (main["done"], main["projectName"], main["manager"]["id"]) == (
        True,
        "Бухучёт 2027",
        gid("Person", world.drive.moderator_a),
    )
    done = head_hr.execute(
        COMPLETE, {"t": hr_task, "m": gid("Person", world.drive.staff_a), "p": "Кадры 2027"}
    )["completeOnboardingTask"]
    assert done["__typename"] == "OnboardingTask", done
    team = admin.execute(ORG, {"id": org})["clientOrganization"]
    assert team["responsibleManager"]["id"] == gid("Person", world.drive.moderator_a)
    assert [m["id"] for m in team["moderators"]] == [gid("Person", world.drive.staff_a)]
    twice = head_hr.execute(
        COMPLETE, {"t": hr_task, "m": gid("Person", world.drive.staff_a), "p": "Ещё"}
    )["completeOnboardingTask"]
    assert twice["code"] == "ALREADY_DONE", twice
    # Another firm names none of it; a client cannot onboard.
    foreign = login(b, world.drive.admin_b)
    refused = foreign.execute(ONBOARD, {"o": org, "d": [hr], "m": None})
    assert refused["onboardClientOrganization"]["code"] == "NOT_FOUND", refused
    assert foreign.execute(TASKS)["onboardingTasks"] == []
    client = login(a, world.requester_x)
    denied = client.raw(ONBOARD, {"o": org, "d": [hr], "m": None})
    assert denied.get("errors"), denied
