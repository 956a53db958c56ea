"""GraphQL of notifications, thin: the rules are in saas.modules.notifications.service. By
sub-domain, the same names on both sides:

- webhooks (firm admins: `webhooks:manage`): queries `webhookEndpoints`,
  `webhookDeliveries(endpointId, first)` (the delivery log with every attempt); mutations
  `createWebhookEndpoint` (the only answer carrying the secret), `updateWebhookEndpoint`
  (url, topics, active), `deleteWebhookEndpoint`, `redeliverWebhook`;
- inbox: the viewer's own in-app notifications (`notifications`, `unreadNotificationCount`,
  `markNotificationsRead`);
- preferences: their e-mail choices (`notificationPreferences`,
  `updateNotificationPreferences`).
"""

from strawberry.tools import merge_types

from saas.modules.notifications.graphql import inbox, preferences, webhooks

# In this order: Query's and Mutation's fields keep their order in schema.graphql.
PARTS = (webhooks, inbox, preferences)

Query = merge_types("Query", tuple(part.Query for part in PARTS))
Mutation = merge_types("Mutation", tuple(part.Mutation for part in PARTS))

__all__ = ["Mutation", "Query"]
