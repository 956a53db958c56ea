"""What the reports module adds to the permission model.

Casbin lines, already part of saas.rbac.defaults.DEFAULT_POLICY:
  reports:read   staff and integrator tokens: the feed, a report, counts, the subscription
  reports:write  staff and integrator tokens: create reports, record events
Client users never hold `reports:read` (a staff permission over every client): they read
through their cabinet (`client_cabinet:read`) and the row scope keeps them to organizations
granting them 'reports' (service.reports_scope). They change nothing.
"""

from __future__ import annotations

from typing import Any

from strawberry.permission import BasePermission, PermissionExtension

from saas.core.modules import register_grant
from saas.rbac.enforcer import is_allowed

# What a firm grants client contacts: the status feed of their organization's reports.
REPORTS_GRANT = register_grant(
    "reports", ru="Отчётность", en="Reports", default=True, module="reports"
)

READ_NOTE = (
    "Requires permission `reports:read` (firm staff, integrators), or `client_cabinet:read` "
    "for a client user, who then sees only organizations granting it 'reports'."
)


class ReportsReadable(BasePermission):
    message = "Permission denied: you need 'reports:read' in this firm."
    error_extensions = {"code": "FORBIDDEN", "permission": "reports:read"}
    guards = (("reports", "read"), ("client_cabinet", "read"))

    async def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        ctx = info.context
        return await is_allowed(ctx, "reports", "read") or await is_allowed(
            ctx, "client_cabinet", "read"
        )


def reads_reports() -> list[Any]:
    return [PermissionExtension(permissions=[ReportsReadable()])]
