"""Service requests paged by cursors (issue 14): `serviceRequestsConnection` (a client's own
and staff's, newest first) and `serviceRequestBoardConnection` (open requests, overdue first)
give, page after page, exactly the rows of the whole list, nothing of another organization,
refuse cursors of another list, and cost the board two statements a page whatever its size."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from tests.support.client import GraphQLClient
from tests.support.firms import firm_today
from tests.support.ids import gid, pk
from tests.support.requests import (
    RequestsWorld,
    act,
    build_catalogs,
    launch,
    requests_world,
    statements,
)

LATER = (firm_today() + timedelta(days=90)).isoformat()
NODE = """id status dueDate sla organizationName performer { id displayName }"""
LIST = f"""query($o: ID, $first: Int, $after: String) {{
  serviceRequestsConnection(organizationId: $o, first: $first, after: $after) {{
    totalCount pageInfo {{ hasNextPage endCursor }} edges {{ cursor node {{ {NODE} }} }} }} }}"""
BOARD = f"""query($first: Int, $after: String) {{
  serviceRequestBoardConnection(first: $first, after: $after) {{
    totalCount pageInfo {{ hasNextPage endCursor }} edges {{ node {{ {NODE} }} }} }} }}"""
PLAIN_LIST = """query($o: ID) { serviceRequests(organizationId: $o, first: 200) { id } }"""
PLAIN_BOARD = """query { serviceRequestBoard(first: 200) { id } }"""


@pytest.fixture(scope="module")
def world(db_engine, firms) -> Iterator[RequestsWorld]:  # type: ignore[no-untyped-def]
    yield from requests_world(db_engine, firms)


@pytest.fixture(scope="module")
def built() -> dict[str, Any]:
    return {}


@pytest.fixture
def catalogs(login: Any, firms: Any, world: RequestsWorld, built: dict[str, Any]) -> dict[str, Any]:
    if not built:  # once per module
        built.update(build_catalogs(login, firms, world))
    return built


def walk(
    c: GraphQLClient, query: str, field: str, size: int, **variables: Any
) -> tuple[list[dict[str, Any]], list[int]]:
    """Every node of a connection, page by page of `size`: the nodes and each page's total."""
    nodes: list[dict[str, Any]] = []
    totals: list[int] = []
    after = None
    for _ in range(100):
        page = c.execute(query, {**variables, "first": size, "after": after})[field]
        nodes += [e["node"] for e in page["edges"]]
        totals.append(page["totalCount"])
        assert len(page["edges"]) <= size
        if not page["pageInfo"]["hasNextPage"]:
            return nodes, totals
        assert len(page["edges"]) == size
        after = page["pageInfo"]["endCursor"]
    raise AssertionError("the connection never ended")


def test_a_client_pages_through_its_own_requests_newest_first(
    login: Any, firms: Any, world: RequestsWorld, catalogs: dict[str, Any]
) -> None:
    a = firms["a"]
    x, y = login(a, world.requester_x), login(a, world.requester_y)
    mine = [launch(x, catalogs["x"]["Справка 2-НДФЛ"]["id"], LATER)["id"] for _ in range(5)]
    theirs = [launch(y, catalogs["y"]["Справка 2-НДФЛ"]["id"], LATER)["id"] for _ in range(2)]

    nodes, totals = walk(x, LIST, "serviceRequestsConnection", 2)
    ids = [n["id"] for n in nodes]
    assert ids == [r["id"] for r in x.execute(PLAIN_LIST)["serviceRequests"]]
    assert ids == sorted(ids, key=pk, reverse=True)  # newest first
    assert len(set(ids)) == len(ids) == totals[0]
    assert set(mine) <= set(ids) and not set(theirs) & set(ids)
    assert {n["organizationName"] for n in nodes} == {nodes[0]["organizationName"]}

    # Staff filter one organization; a foreign organization's id matches nothing.
    admin = login(a, world.drive.admin_a)
    y_org = gid("ClientOrganization", world.drive.org_y)
    staff, _ = walk(admin, LIST, "serviceRequestsConnection", 1, o=y_org)
    assert set(theirs) <= {n["id"] for n in staff}
    assert not set(mine) & {n["id"] for n in staff}
    stranger = login(firms["b"], world.drive.admin_b)
    foreign, totals = walk(stranger, LIST, "serviceRequestsConnection", 50, o=y_org)
    assert (foreign, totals) == ([], [0])


def test_the_board_pages_overdue_first_in_two_statements_a_page(
    login: Any,
    firms: Any,
    world: RequestsWorld,
    catalogs: dict[str, Any],
    live_server: Any,
    db_engine: sa.Engine,
) -> None:
    a = firms["a"]
    client = login(a, world.requester_x)
    manager = login(a, world.drive.manager_a)
    for n in range(31):
        launched = launch(client, catalogs["x"]["Справка 2-НДФЛ"]["id"], LATER)
        if n % 4 == 0:
            act(manager, "review", launched["id"])
    overdue = launch(client, catalogs["x"]["Справка 2-НДФЛ"]["id"], LATER)["id"]
    schema = "tenant_" + a.slug.replace("-", "_")
    with db_engine.begin() as conn:  # no API sets a past date
        conn.execute(
            sa.text(
                f'UPDATE "{schema}".service_requests SET due_date = current_date - 300, '
                "performer_person_id = :p WHERE id = :id"
            ),
            {"p": world.drive.manager_a, "id": pk(overdue)},
        )

    nodes, totals = walk(manager, BOARD, "serviceRequestBoardConnection", 7)
    ids = [n["id"] for n in nodes]
    assert ids == [r["id"] for r in manager.execute(PLAIN_BOARD)["serviceRequestBoard"]]
    assert len(set(ids)) == len(ids) == totals[0] >= 32
    assert (nodes[0]["id"], nodes[0]["sla"]) == (overdue, "OVERDUE")
    assert nodes[0]["performer"]["id"] == gid("Person", world.drive.manager_a)
    dues = [n["dueDate"] for n in nodes[1:]]
    assert dues == sorted(dues)
    assert {n["status"] for n in nodes} <= {"NEW", "UNDER_REVIEW", "ACCEPTED"}

    engine = live_server.app.state.services.engine.sync_engine
    counts = {}
    for size in (3, 30):
        with statements(engine) as seen:
            page = manager.execute(BOARD, {"first": size, "after": None})
        edges = page["serviceRequestBoardConnection"]["edges"]
        assert len(edges) == size
        # The page, the performers' cards and the total (the session's own lookup joins
        # people too).
        data = [s for s in seen if "service_requests" in s or s.startswith("SELECT shared.people")]
        assert len(data) <= 3, data
        counts[size] = len(seen)
    assert counts[3] == counts[30], counts


def test_cursors_of_another_list_and_pages_too_large_are_refused(
    login: Any, firms: Any, world: RequestsWorld, catalogs: dict[str, Any]
) -> None:
    manager = login(firms["a"], world.drive.manager_a)
    launch(login(firms["a"], world.requester_x), catalogs["x"]["Справка 2-НДФЛ"]["id"], LATER)
    listed = manager.execute(LIST, {"first": 1})["serviceRequestsConnection"]
    cursor = listed["pageInfo"]["endCursor"]
    for query, after in ((BOARD, cursor), (LIST, "not-a-cursor")):
        refused = manager.raw(query, {"first": 5, "after": after})
        assert refused["errors"][0]["extensions"]["code"] == "INVALID_CURSOR", refused
    too_many = manager.raw(LIST, {"first": 101})
    assert too_many["errors"][0]["extensions"]["code"] == "PAGE_TOO_LARGE", too_many
