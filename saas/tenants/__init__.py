"""Tenants: the registry, provisioning, host -> tenant resolution, firm settings."""
