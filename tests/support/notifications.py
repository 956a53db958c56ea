"""Notifications for tests: the in-app inbox (list, unread count) and webhook endpoints over
GraphQL.

    endpoint, secret = create_endpoint(world, receiver_url)   # world: tests/support/reports
"""

from __future__ import annotations

from typing import Any

from tests.support.client import GraphQLClient
from tests.support.reports import World

# ------------------------------------------------------------------------------- inbox

LIST = """query($first: Int, $after: String, $unread: Boolean) {
  notifications(first: $first, after: $after, unreadOnly: $unread) {
    pageInfo { hasNextPage endCursor }
    edges { node { id kind title body link read readAt createdAt text reasonCode
                   organizationId organizationName report { id status } } } } }"""
COUNT = "{ unreadNotificationCount }"


def nodes(c: GraphQLClient, **variables: Any) -> list[dict[str, Any]]:
    """The first 100 notifications of the client's person (LIST's variables)."""
    data = c.execute(LIST, {"first": 100, **variables})["notifications"]
    return [e["node"] for e in data["edges"]]


def unread(c: GraphQLClient) -> int:
    return int(c.execute(COUNT)["unreadNotificationCount"])


# ---------------------------------------------------------------------------- webhooks

CREATE_ENDPOINT = """mutation($input: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) {
    __typename ... on WebhookEndpointCreated { secret endpoint { id url topics active } }
    ... on ValidationError { code field } } }"""
DELETE_ENDPOINT = """mutation($id: ID!) { deleteWebhookEndpoint(id: $id) { __typename
  ... on WebhookEndpointDeleted { id } ... on NotFoundError { code } } }"""


def create_endpoint(world: World, url: str) -> tuple[str, str]:
    """Firm A's admin adds an endpoint for report.status_changed: (its id, its secret)."""
    made = world.admin_a.execute(
        CREATE_ENDPOINT, {"input": {"url": url, "topics": ["report.status_changed"]}}
    )["createWebhookEndpoint"]
    assert made["__typename"] == "WebhookEndpointCreated", made
    assert made["secret"].startswith("whsec_") and made["endpoint"]["active"] is True
    return made["endpoint"]["id"], made["secret"]
