"""Casbin domains: where a policy line applies.

A firm's lines live in `tenant:<id>`. Policies for one client organization of a firm would
live in `tenant:<id>/org:<org_id>`; they are loaded together with the firm's lines (the
filter takes the firm's domain and everything under it), so adding them needs no change to
storage or caching.
"""

from __future__ import annotations

PLATFORM_DOMAIN = "platform"


def tenant_domain(tenant_id: int) -> str:
    return f"tenant:{tenant_id}"


def org_domain(tenant_id: int, org_id: int) -> str:
    return f"{tenant_domain(tenant_id)}/org:{org_id}"


def tenant_of_domain(domain: str) -> int | None:
    """The tenant id a domain belongs to (None for the platform or a malformed domain)."""
    head = domain.split("/", 1)[0]
    if not head.startswith("tenant:"):
        return None
    try:
        return int(head.removeprefix("tenant:"))
    except ValueError:
        return None
