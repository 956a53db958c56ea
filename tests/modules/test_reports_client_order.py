"""The client's home lists what needs the client first (CLIENT_ATTENTION: a clarification
requested, a rejection with its follow-up open), then the rest, each group newest first; the
staff feed (ATTENTION) keeps its groups in date order too (issue 12)."""

from __future__ import annotations

import pytest

from tests.support.client import GraphQLClient
from tests.support.reports import World, at, build_world, new_report, record

FEED = """query($org: ID!, $order: ReportOrder!, $first: Int, $after: String) {
  reports(organizationId: $org, orderBy: $order, first: $first, after: $after) {
    pageInfo { hasNextPage endCursor } edges { node { id status } } } }"""


@pytest.fixture(scope="module")
def world(db_engine, firms, live_server) -> World:  # type: ignore[no-untyped-def]
    return build_world(db_engine, firms, live_server.url)


def feed(c: GraphQLClient, org: str, order: str, first: int = 20) -> list[str]:
    """Every report id of the feed, read page by page."""
    ids: list[str] = []
    after = None
    while True:
        page = c.execute(FEED, {"org": org, "order": order, "first": first, "after": after})
        ids += [e["node"]["id"] for e in page["reports"]["edges"]]
        if not page["reports"]["pageInfo"]["hasNextPage"]:
            return ids
        after = page["reports"]["pageInfo"]["endCursor"]


def test_the_client_sees_what_needs_them_first(world: World) -> None:
    c = world.admin_a
    # Recorded in this order, so each is updated after the one before.
    prepared = new_report(c, world.org1)
    record(c, prepared["id"], "PREPARED", at(1))
    clarify = new_report(c, world.org1)
    record(c, clarify["id"], "SENT", at(2))
    record(c, clarify["id"], "CLARIFICATION_REQUESTED", at(3))
    rejected = new_report(c, world.org1)
    assert record(c, rejected["id"], "REJECTED", at(4))["report"]["beingFixed"] is True
    accepted = new_report(c, world.org1)
    record(c, accepted["id"], "ACCEPTED", at(5))
    failed = new_report(c, world.org1)
    record(c, failed["id"], "PROCESSING_ERROR", at(6))

    # The client: rejected (open follow-up) and clarification first, newest first; then the
    # rest newest first (a processing error is the firm's to handle). The same across pages.
    expected = [rejected["id"], clarify["id"], failed["id"], accepted["id"], prepared["id"]]
    assert feed(world.client1, world.org1, "CLIENT_ATTENTION") == expected
    assert feed(world.client1, world.org1, "CLIENT_ATTENTION", first=2) == expected
    # Staff: everything the firm must act on first, each group in date order.
    staff = [failed["id"], rejected["id"], clarify["id"], accepted["id"], prepared["id"]]
    assert feed(c, world.org1, "ATTENTION", first=2) == staff
    assert feed(world.client1, world.org1, "UPDATED_DESC") == [
        failed["id"],
        accepted["id"],
        rejected["id"],
        clarify["id"],
        prepared["id"],
    ]
