"""Service requests for tests: their personas (`requests_world`: the drive's world plus
contacts holding the 'requests' grant) and their GraphQL calls.

    @pytest.fixture(scope="module")
    def world(db_engine, firms) -> Iterator[RequestsWorld]:
        yield from requests_world(db_engine, firms)
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from tests.support.announcements import announced
from tests.support.client import GraphQLClient
from tests.support.documents import World, drive_world, make_contact
from tests.support.ids import gid


@dataclass(frozen=True)
class RequestsWorld:
    drive: World
    requester_x: int  # requests + documents + upload in X
    requester_y: int  # requests + documents + upload in Y
    silent_x: int  # documents only in X: no requests


def requests_world(db_engine: sa.Engine, firms: dict[str, Any]) -> Iterator[RequestsWorld]:
    a = firms["a"]
    grants = ["requests", "documents", "upload"]
    for drive in drive_world(db_engine, firms):
        yield RequestsWorld(
            drive=drive,
            requester_x=make_contact(db_engine, a, drive.org_x, grants),
            requester_y=make_contact(db_engine, a, drive.org_y, grants),
            silent_x=make_contact(db_engine, a, drive.org_x, ["documents", "upload"]),
        )


BASE_ERR = "... on Error { code message } ... on ValidationError { field }"
ERR = f"""{BASE_ERR}
  ... on DeadlineTooShortError {{ field minimumDate businessDays }}"""
SERVICE = """id name category groupName description plannedDays hardDays fileRequired
  checklist regulationLinks afterServiceId organizationId templateId priceKind price"""
REQUEST = """id title description status dueDate hardDueDate waiting sla clientEditable
  organizationId organizationName afterRequestId doneReason checklist { text done }
  comments { side body author { id } } fileIds performer { id }"""
TEMPLATE = f"""mutation($name: String!) {{ createServiceCatalogTemplate(name: $name) {{
  __typename ... on ServiceCatalogTemplate {{ id name }} {BASE_ERR} }} }}"""
ADD_SERVICE = f"""mutation($t: ID, $o: ID, $input: CatalogServiceInput!) {{
  addCatalogService(templateId: $t, organizationId: $o, input: $input) {{
    __typename ... on CatalogService {{ {SERVICE} }} {BASE_ERR} }} }}"""
UPDATE_SERVICE = f"""mutation($s: ID!, $input: CatalogServiceInput!) {{
  updateCatalogService(serviceId: $s, input: $input) {{
    __typename ... on CatalogService {{ {SERVICE} }} {BASE_ERR} }} }}"""
APPLY = f"""mutation($t: ID!, $o: ID!) {{ applyServiceCatalogTemplate(templateId: $t,
  organizationId: $o) {{ __typename ... on ServiceCatalog {{ organizationId
    services {{ {SERVICE} }} }} {BASE_ERR} }} }}"""
CATALOG = f"""query($o: ID!) {{ serviceCatalog(organizationId: $o) {{ {SERVICE} }} }}"""
LAUNCH = f"""mutation($input: LaunchServiceRequestInput!) {{ launchServiceRequest(input: $input)
  {{ __typename ... on ServiceRequest {{ {REQUEST} }} {ERR} }} }}"""
EDIT = f"""mutation($id: ID!, $d: String, $due: Date) {{ editServiceRequest(id: $id,
  description: $d, dueDate: $due) {{ __typename ... on ServiceRequest {{ {REQUEST} }} {ERR} }} }}"""
REQUESTS = f"""query($o: ID, $s: ServiceRequestStatus) {{ serviceRequests(organizationId: $o,
  status: $s, first: 20) {{ {REQUEST} }} }}"""
ONE = f"""query($id: ID!) {{ serviceRequest(id: $id) {{ __typename
  ... on ServiceRequest {{ {REQUEST} }} {BASE_ERR} }} }}"""
DEPARTMENTS = "{ requestDepartments { id key name nameRu nameEn head { id } } }"
SAVE_DEPARTMENT = f"""mutation($id: ID, $input: DepartmentInput!) {{ saveDepartment(id: $id,
  input: $input) {{ __typename ... on Department {{ id key nameRu nameEn head {{ id }} }}
  {BASE_ERR} }} }}"""


def act(c: GraphQLClient, name: str, request: str, **args: Any) -> dict[str, Any]:
    """One of the performer's / client's mutations on a request: review, accept, reject,
    complete, tickChecklist (name without `ServiceRequest`)."""
    params = {"comment": "String!", "reason": "String", "index": "Int!", "done": "Boolean"}
    decl = "".join(f", ${k}: {params[k]}" for k in args)
    call = "".join(f", {k}: ${k}" for k in args)
    field = f"{name}ServiceRequest" if name != "tick" else "tickServiceRequestChecklist"
    query = f"""mutation($id: ID!{decl}) {{ {field}(id: $id{call}) {{ __typename
      ... on ServiceRequest {{ {REQUEST} }} {ERR} }} }}"""
    return c.execute(query, {"id": request, **args})[field]


def launch(c: GraphQLClient, service: str, due: str, **extra: Any) -> dict[str, Any]:
    return c.execute(LAUNCH, {"input": {"serviceId": service, "dueDate": due, **extra}})[
        "launchServiceRequest"
    ]


def comment(c: GraphQLClient, request: str, body: str) -> dict[str, Any]:
    return c.execute(
        """mutation($id: ID!, $b: String!) { commentServiceRequest(id: $id, body: $b) {
          __typename ... on ServiceRequestComment { id side body } ... on Error { code } } }""",
        {"id": request, "b": body},
    )["commentServiceRequest"]


BOARD = """query($first: Int) { serviceRequestBoard(first: $first) { id status dueDate sla
  breachedAt awaitingClientSince slaBusinessHoursLeft organizationName title
  performer { id displayName } } }"""


@contextmanager
def statements(engine: sa.Engine) -> Iterator[list[str]]:
    """Every SQL statement the engine runs meanwhile (as tests/modules/test_clients_queries.py
    counts them); the announcements of the writes answered before (issue 15: the answers do not
    wait for them) are over before it listens."""
    announced()
    seen: list[str] = []
    lock = threading.Lock()

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        with lock:
            seen.append(statement)

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


def build_catalogs(login: Any, firms: Any, world: RequestsWorld) -> dict[str, Any]:
    """A template (a report with a checklist, then a correction waiting for it, a quick
    certificate) applied to X and Y: their services by name."""
    admin = login(firms["a"], world.drive.admin_a)
    template = admin.execute(TEMPLATE, {"name": f"Пакет {uuid.uuid4().hex[:6]}"})[
        "createServiceCatalogTemplate"
    ]
    assert template["__typename"] == "ServiceCatalogTemplate", template

    def add(**spec: Any) -> dict[str, Any]:
        added = admin.execute(ADD_SERVICE, {"t": template["id"], "input": spec})[
            "addCatalogService"
        ]
        assert added["__typename"] == "CatalogService", added
        return added

    report = add(
        category="Бухгалтерия",
        groupName="Отчётность",
        name="Подготовить отчёт",
        description="Подготовить отчёт за период",
        plannedDays=5,
        hardDays=7,
        checklist=["Сверить банк", "Проверить кассу"],
        regulationLinks=["https://example.com/reglament"],
        priceKind="PIECE",
        price="1500.00",
    )
    add(
        category="Бухгалтерия",
        groupName="Отчётность",
        name="Уточнённый отчёт",
        plannedDays=2,
        afterServiceId=report["id"],
    )
    add(category="Кадры", groupName="Справки", name="Справка 2-НДФЛ", plannedDays=1)
    out: dict[str, Any] = {"template": template["id"]}
    for key, org in (("x", world.drive.org_x), ("y", world.drive.org_y)):
        applied = admin.execute(APPLY, {"t": template["id"], "o": gid("ClientOrganization", org)})[
            "applyServiceCatalogTemplate"
        ]
        assert applied["__typename"] == "ServiceCatalog", applied
        out[key] = {s["name"]: s for s in applied["services"]}
    return out
