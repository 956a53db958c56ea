"""Shared GraphQL machinery: context, permissions, limits, errors, Relay helpers, the root."""
