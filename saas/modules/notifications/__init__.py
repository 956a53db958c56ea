"""Notifications: signed webhooks for integrators (endpoints, deliveries, retries, redelivery)."""
