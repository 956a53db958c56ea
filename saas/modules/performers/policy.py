"""Who may do what with the performers module.

Two layers, as in the chat and the requests:
- Casbin (saas.rbac.defaults.DEFAULT_POLICY): staff see performers, orders, contracts,
  payments and statistics with `performers:read`, act on a client's behalf (mark a registry
  paid) with `performers:write`, set up customers and agency documents with
  `performers:manage`. A customer (client contact) needs `client_cabinet:read`, a performer
  `performer_cabinet:read` (the `performer` role).
- Grants and scope (service/scope.py): staff see the organizations the core's
  `organization_filter` lets them see; a customer those granting it 'performers' (off by
  default: the firm enables the agency service per organization); a performer open orders
  and their own work.
"""

from __future__ import annotations

from typing import Any

from strawberry.permission import PermissionExtension

from saas.core.actor import Actor, actor_with
from saas.core.modules import register_grant
from saas.rbac.permissions import StaffOrCabinet, requires

PERFORMERS_GRANT = register_grant(
    "performers",
    ru="Самозанятые исполнители",
    en="Self-employed performers",
    default=False,
    module="performers",
)

PERFORMERS_PERMISSIONS = (
    ("performers", "read"),
    ("performers", "write"),
    ("performers", "manage"),
    ("client_cabinet", "read"),
    ("performer_cabinet", "read"),
)

READ_NOTE = (
    "Requires `performers:read` (firm staff: the organizations they see), `client_cabinet:read` "
    "for a customer (a client contact of an organization granting it 'performers'), or "
    "`performer_cabinet:read` for a performer (open orders and their own work)."
)
CUSTOMER_NOTE = (
    "Requires `client_cabinet:read` and the 'performers' grant of the organization (a "
    "customer), or `performers:write` for firm staff acting on the client's behalf."
)
PERFORMER_NOTE = "Requires `performer_cabinet:read` (a performer)."
MANAGE_NOTE = "Requires `performers:manage`."


# Staff with the module's permission, a customer (the grant) or a performer (their own scope).
CABINETS = (("client_cabinet", "read"), ("performer_cabinet", "read"))


class PerformersReadable(StaffOrCabinet):
    pair = ("performers", "read")
    cabinets = CABINETS


class PerformersWritable(StaffOrCabinet):
    pair = ("performers", "write")
    cabinets = CABINETS


def reads_performers() -> list[Any]:
    return [PermissionExtension(permissions=[PerformersReadable()])]


def writes_performers() -> list[Any]:
    return [PermissionExtension(permissions=[PerformersWritable()])]


def performer_only() -> list[Any]:
    return requires("performer_cabinet", "read")


def manages() -> list[Any]:
    return requires("performers", "manage")


async def viewer_of(ctx: Any) -> Actor:
    """The request's actor with the module's permissions checked (once per request)."""
    return await actor_with(ctx, *PERFORMERS_PERMISSIONS)
