"""Notifications: signed webhooks for integrators (endpoints, deliveries, retries, redelivery)
and the in-app inbox (notifications of report events, read state, e-mail preferences, the
batched e-mail). Sub-domains `webhooks`, `inbox`, `preferences` in service/ and graphql/."""
