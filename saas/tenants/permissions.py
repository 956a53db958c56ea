"""Who may manage firms: a platform admin, at the platform's own host (never at a firm's).
The guard names its catalog permission (`platform:read` to list firms, `platform:manage` to
create, suspend and resume them), checked against the platform's policy."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.permission import BasePermission, PermissionExtension
from strawberry.schema_directive import Location

from saas.rbac.enforcer import is_allowed


@strawberry.schema_directive(
    locations=[Location.FIELD_DEFINITION],
    description="The caller must be a platform admin, calling at the platform's own address.",
)
class RequiresPlatformAdmin:
    pass


class PlatformAdmin(BasePermission):
    message = "Only platform administrators may do this, at the platform's own address."
    error_extensions = {"code": "FORBIDDEN"}
    _schema_directive = RequiresPlatformAdmin()

    def __init__(self, action: str) -> None:
        self.guards = (("platform", action),)

    async def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        context = info.context
        # A firm's host never serves platform administration, even to a platform admin.
        return context.tenant_or_none is None and await is_allowed(context, *self.guards[0])


def requires_platform_admin(action: str = "manage") -> list[Any]:
    return [PermissionExtension(permissions=[PlatformAdmin(action)])]
