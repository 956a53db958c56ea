"""What the clients module adds to the permission model.

Two layers, checked independently:
- Casbin lines (role, object, action): may a role use an operation at all. These lines are
  part of `saas.rbac.defaults.DEFAULT_POLICY` (a test keeps the two in step).
- Grants: which modules of which client organization a contact person may use. Firm staff
  are not limited by grants; client users are (see `service.grants_for`, `requires_grant`).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import strawberry
from strawberry.permission import BasePermission, PermissionExtension
from strawberry.schema_directive import Location

from saas.core.actor import is_firm_staff
from saas.core.ids import InvalidId, decode


class ClientModule(StrEnum):
    """The parts of the cabinet a contact person can be granted, per organization: the API's
    vocabulary. Which of them can be given is decided by the modules that are built
    (saas.core.modules); the others keep their names for integrators until their module
    registers its grant."""

    REPORTS = "reports"
    DOCUMENTS = "documents"
    UPLOAD = "upload"
    CHAT = "chat"
    ORDER_SERVICES = "order_services"
    APPROVE = "approve"
    REQUESTS = "requests"
    PERFORMERS = "performers"


# How a refusal names a value whose module has not registered (yet): its module's words
# come with its registration.
PLANNED_LABELS: dict[ClientModule, tuple[str, str]] = {
    ClientModule.ORDER_SERVICES: ("Заказ услуг", "Order services"),
    ClientModule.APPROVE: ("Согласование", "Approvals"),
}

# Objects and actions used by the clients module's fields:
#   clients:read          list and read organizations (client users: only their own, scoped)
#   clients:write         create, edit, archive organizations, set managers and moderators
#   client_contacts:manage invite contacts, set grants, deactivate (client admins: own org only)
POLICY: tuple[tuple[str, str, str], ...] = (
    ("department_head", "client_contacts", "manage"),
    ("manager", "client_contacts", "manage"),
    ("client_admin", "clients", "read"),
    ("client_member", "clients", "read"),
    ("client_admin", "client_contacts", "manage"),
)


# ------------------------------------------------------------------- enforcing grants


@strawberry.schema_directive(
    locations=[Location.FIELD_DEFINITION],
    description="A client user needs this module granted in the organization concerned "
    "(firm staff are not limited by grants).",
)
class RequiresGrant:
    module: str


class GrantRequired(BasePermission):
    """Refuses a client user lacking `module` in the organization the field concerns: the
    argument `organization_argument` (a ClientOrganization global id or number), else the
    parent object's `organization_id` (or its `id` when the parent is an organization)."""

    def __init__(self, module: str | ClientModule, organization_argument: str = "organization_id"):
        self.module = ClientModule(module).value
        self.organization_argument = organization_argument
        self.message = f"Permission denied: your organization has not granted you '{self.module}'."
        self.error_extensions = {"code": "FORBIDDEN", "grant": self.module}
        self._schema_directive = RequiresGrant(module=self.module)  # type: ignore[misc]

    async def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        # The loader reads through the service, which imports ClientModule from here.
        from saas.modules.clients.loaders import ViewerGrantsLoader  # noqa: PLC0415 - a cycle

        ctx = info.context
        principal, tenant = ctx.principal, ctx.tenant_or_none
        if tenant is None or not principal.authenticated or principal.tenant_id != tenant.id:
            return False
        if is_firm_staff(principal):
            return True
        org_id = organization_of(source, kwargs, self.organization_argument)
        if org_id is None or org_id not in principal.client_org_ids:
            return False
        return self.module in await ctx.loader(ViewerGrantsLoader).load(org_id)


def organization_of(source: Any, kwargs: dict[str, Any], argument: str) -> int | None:
    if argument in kwargs:
        return _organization_number(kwargs[argument])
    if _graphql_name(source) == "ClientOrganization":  # the organization itself
        return int(source.id)
    value = getattr(source, "organization_id", None)
    if value is None:
        value = getattr(source, "organization_pk", None)
    return _organization_number(value) if value is not None else None


def _graphql_name(source: Any) -> str | None:
    definition = getattr(type(source), "__strawberry_definition__", None)
    return getattr(definition, "name", None)


def _organization_number(value: Any) -> int | None:
    # A malformed id grants nothing (the resolver's pk_of then answers INVALID_ID).
    if isinstance(value, int):
        return value
    try:
        return decode(value, "ClientOrganization")
    except InvalidId:
        return None


def requires_grant(
    module: str | ClientModule, organization_argument: str = "organization_id"
) -> list[Any]:
    """Field extensions for a field a client user may use only with `module` granted:

        @strawberry.field(extensions=requires("documents", "read") + requires_grant("documents"))

    Combine with `requires(...)`: the role says whether the operation exists for the viewer,
    the grant says whether this contact may use it in this organization."""
    return [PermissionExtension(permissions=[GrantRequired(module, organization_argument)])]
