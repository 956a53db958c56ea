"""Permissions are declared on fields and mutations, never hand-checked in resolvers:

    @strawberry.mutation(extensions=requires("tokens", "manage"))

The requirement shows in the SDL as `@requiresPermission(object: "tokens", action: "manage")`
and in the field's description; the check asks the tenant's Casbin enforcer. A field open to
either of two permissions (the drive's access log: `documents:manage` or `audit:read`) uses
`requires_any(("documents", "manage"), ("audit", "read"))`, shown as
`@requiresAnyPermission(permissions: ["documents:manage", "audit:read"])`.
"""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.permission import BasePermission, PermissionExtension
from strawberry.schema_directive import Location

from saas.rbac.enforcer import is_allowed


@strawberry.schema_directive(
    locations=[Location.FIELD_DEFINITION],
    description="The caller needs this permission (Casbin object and action) in the firm.",
)
class RequiresPermission:
    object: str
    action: str


@strawberry.schema_directive(
    locations=[Location.FIELD_DEFINITION],
    description="The caller needs one of these permissions (`object:action`) in the firm.",
)
class RequiresAnyPermission:
    permissions: list[str]


@strawberry.schema_directive(
    locations=[Location.FIELD_DEFINITION], description="The caller must be logged in."
)
class RequiresLogin:
    pass


class Allowed(BasePermission):
    def __init__(self, obj: str, act: str):
        self.obj, self.act = obj, act
        # The catalog permissions this guard checks (any one lets the caller in): every
        # permission class of the schema that asks the policy declares them, and
        # tests/test_rbac_guards.py reads them against the catalog.
        self.guards = ((obj, act),)
        self.message = f"Permission denied: you need '{obj}:{act}' in this firm."
        self.error_extensions = {"code": "FORBIDDEN", "permission": f"{obj}:{act}"}
        # Per instance: each guarded field shows its own object and action.
        self._schema_directive = RequiresPermission(object=obj, action=act)  # type: ignore[misc]

    async def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        return await is_allowed(info.context, self.obj, self.act)


class AnyAllowed(BasePermission):
    """One of several (object, action) permissions."""

    def __init__(self, *alternatives: tuple[str, str]):
        self.alternatives = alternatives
        self.guards = alternatives
        keys = [f"{obj}:{act}" for obj, act in alternatives]
        self.message = "Permission denied: you need " + " or ".join(f"'{k}'" for k in keys) + "."
        self.error_extensions = {"code": "FORBIDDEN", "permission": " | ".join(keys)}
        self._schema_directive = RequiresAnyPermission(permissions=keys)  # type: ignore[misc]

    async def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        for obj, act in self.alternatives:
            if await is_allowed(info.context, obj, act):
                return True
        return False


class StaffOrCabinet(BasePermission):
    """A staff permission (`pair`) or a cabinet's (`cabinets`: a client user's, a performer's);
    the module's service then applies the grant or the person's own scope. A refusal names
    the staff permission. A module subclasses it per pair (`ChatReadable`...)."""

    pair: tuple[str, str]
    cabinets: tuple[tuple[str, str], ...] = (("client_cabinet", "read"),)
    error_extensions: dict[str, Any]

    def __init__(self) -> None:
        self.guards = (self.pair, *self.cabinets)
        self.message = f"Permission denied: you need '{self.pair[0]}:{self.pair[1]}' in this firm."
        self.error_extensions = {"code": "FORBIDDEN", "permission": ":".join(self.pair)}

    async def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        for obj, act in self.guards:
            if await is_allowed(info.context, obj, act):
                return True
        return False


class LoggedIn(BasePermission):
    message = "You need to log in."
    error_extensions = {"code": "UNAUTHENTICATED"}
    _schema_directive = RequiresLogin()

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        return bool(info.context.principal.authenticated)


def permission_note(obj: str, act: str, *more: tuple[str, str]) -> str:
    if more:
        keys = [f"`{o}:{a}`" for o, a in ((obj, act), *more)]
        return f"Requires permission {' or '.join(keys)}."
    return f"Requires permission `{obj}:{act}`."


class DocumentedPermission(PermissionExtension):
    """A PermissionExtension that also states the requirement in the field's description, so
    it reads in GraphiQL and in the printed schema, not only as a directive. `guards` lists
    the (object, action) pairs any of which lets the caller in."""

    def __init__(self, obj: str, act: str, *more: tuple[str, str]):
        permission = AnyAllowed((obj, act), *more) if more else Allowed(obj, act)
        super().__init__(permissions=[permission])
        self.guards: tuple[tuple[str, str], ...] = ((obj, act), *more)
        self.note = permission_note(obj, act, *more)

    def apply(self, field: Any) -> None:
        super().apply(field)
        description = field.description or ""
        # Idempotent: a field object is applied once per schema built in the process.
        if self.note not in description:
            field.description = (
                f"{description.rstrip()}\n\n{self.note}" if description else self.note
            )


def requires(obj: str, act: str) -> list[Any]:
    """Field extensions for a permission-guarded field or mutation."""
    return [DocumentedPermission(obj, act)]


def requires_any(first: tuple[str, str], *more: tuple[str, str]) -> list[Any]:
    """Field extensions for a field open to any of these permissions."""
    return [DocumentedPermission(*first, *more)]


def requires_login() -> list[Any]:
    return [PermissionExtension(permissions=[LoggedIn()])]
