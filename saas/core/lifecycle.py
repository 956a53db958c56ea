"""What other modules do when a client organization comes into being.

The clients module creates organizations and calls `organization_created(session, org_id)` in
that transaction; a module that keeps something per organization (the chat's conversation)
registers a hook in `ON_ORGANIZATION_CREATED` from its `policy.py`, which `saas.core.modules`
loads in every process before the first organization is made (its grants decide the new
organization's modules). So clients never imports the modules that follow it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

# (tenant-bound session, organization id) -> None, inside the creating transaction.
OrganizationHook = Callable[[Any, int], Awaitable[None]]
ON_ORGANIZATION_CREATED: list[OrganizationHook] = []


def on_organization_created(hook: OrganizationHook) -> OrganizationHook:
    """Register `hook` once (a module imported again registers nothing new)."""
    if hook not in ON_ORGANIZATION_CREATED:
        ON_ORGANIZATION_CREATED.append(hook)
    return hook


async def organization_created(session: Any, org_id: int) -> None:
    for hook in list(ON_ORGANIZATION_CREATED):
        await hook(session, org_id)
