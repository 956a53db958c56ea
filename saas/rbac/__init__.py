"""Roles and permissions: Casbin RBAC with domains, one enforcer per tenant."""
