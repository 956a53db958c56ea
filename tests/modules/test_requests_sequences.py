"""A sequence launched from a package (issue 14): `launchServiceRequest(input: {sequence:
true})` also launches the services waiting for the launched one, each waiting for its
previous request with its deadlines chained, and each starts when the previous is done."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest

from tests.support.firms import firm_today
from tests.support.ids import gid
from tests.support.requests import (
    REQUESTS,
    RequestsWorld,
    act,
    build_catalogs,
    launch,
    requests_world,
)

LATER = (firm_today() + timedelta(days=60)).isoformat()


@pytest.fixture(scope="module")
def world(db_engine, firms) -> Iterator[RequestsWorld]:  # type: ignore[no-untyped-def]
    yield from requests_world(db_engine, firms)


@pytest.fixture(scope="module")
def built() -> dict[str, Any]:
    return {}


@pytest.fixture
def catalogs(login: Any, firms: Any, world: RequestsWorld, built: dict[str, Any]) -> dict[str, Any]:
    if not built:
        built.update(build_catalogs(login, firms, world))
    return built


def test_a_sequence_launched_from_the_package_chains_its_requests_and_deadlines(
    login: Any, firms: Any, world: RequestsWorld, catalogs: dict[str, Any]
) -> None:
    a = firms["a"]
    client = login(a, world.requester_y)
    manager = login(a, world.drive.manager_a)
    report = catalogs["y"]["Подготовить отчёт"]
    first = launch(client, report["id"], LATER, sequence=True)
    assert first["status"] == "NEW" and first["waiting"] is False, first
    listed = client.execute(REQUESTS, {"o": gid("ClientOrganization", world.drive.org_y)})[
        "serviceRequests"
    ]
    followers = [r for r in listed if r["afterRequestId"] == first["id"]]
    assert [(r["title"], r["waiting"], r["status"]) for r in followers] == [
        ("Уточнённый отчёт", True, "NEW")
    ]
    follow = followers[0]
    # Its regulation (2 business days) counts from the previous one's due date.
    assert date.fromisoformat(follow["dueDate"]) >= date.fromisoformat(first["dueDate"]) + (
        timedelta(days=2)
    )
    assert follow["hardDueDate"] >= follow["dueDate"]
    # Without `sequence` only the launched service is launched.
    alone = launch(client, catalogs["y"]["Справка 2-НДФЛ"]["id"], LATER)
    again = client.execute(REQUESTS, {"o": gid("ClientOrganization", world.drive.org_y)})[
        "serviceRequests"
    ]
    assert [r for r in again if r["afterRequestId"] == alone["id"]] == []
    # The next one starts when the previous is done.
    assert act(manager, "review", follow["id"])["status"] == "UNDER_REVIEW"
    assert act(manager, "accept", follow["id"])["code"] == "WAITING_FOR_PREVIOUS"
    act(manager, "review", first["id"])
    act(manager, "accept", first["id"])
    act(manager, "complete", first["id"], reason="Сдано")
    assert act(manager, "accept", follow["id"])["status"] == "ACCEPTED"
