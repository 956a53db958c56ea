"""GraphQL of roles and members for firm admins: thin, the rules are in service.py.

Queries: `roles`, `permissionCatalog`, `members` (Relay connection).
Mutations: `createRole`, `updateRole`, `deleteRole`, `assignRoles`.
Policy writes run in one shared-schema transaction; after commit this process drops the
firm's enforcer and `NOTIFY kabinet_policy` tells the others; an audit entry follows in
the firm's log.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import Enum
from typing import Annotated, Any

import strawberry
from strawberry import relay

from saas.auth.models import Membership
from saas.core.actor import actor_of
from saas.core.ids import IdRefused, node_pks, pk_of, resolved_by
from saas.rbac import service
from saas.rbac.cache import enforcer_cache
from saas.rbac.catalog import CATALOG_INDEX, PERMISSION_CATALOG, PLATFORM_OBJECTS
from saas.rbac.enforcer import is_allowed
from saas.rbac.permissions import requires
from saas.rbac.service import MemberView, RolesError, RoleView
from saas.rbac.store import notify_policy_changed
from saas.schema.context import Context, Info, viewer_language
from saas.schema.errors import ConflictError, NotFoundError, ValidationError, error_result
from saas.schema.relay import Connection, Keyset

# ------------------------------------------------------------------------------ types


@strawberry.type(name="Permission", description="A permission: an action on an object of the firm.")
class PermissionType:
    object: str = strawberry.field(description="What it is about, e.g. `reports`.")
    action: str = strawberry.field(
        description="What may be done: `read`, `write`, `manage`; `*` is any."
    )
    description: str = strawberry.field(description="What it allows, in the viewer's language.")

    @classmethod
    def of(cls, obj: str, act: str, language: str) -> PermissionType:
        known = CATALOG_INDEX.get((obj, act))
        if known is not None:
            text = known.description(language)
        elif obj == "*":
            text = "Every permission" if language == "en" else "Все права"
        elif act == "*":
            text = f"Every action on {obj}" if language == "en" else f"Все действия: {obj}"
        else:
            text = f"{obj}: {act}"
        return cls(object=obj, action=act, description=text)


@strawberry.input(description="A permission to grant: one entry of `permissionCatalog`.")
class PermissionInput:
    object: str
    action: str


@strawberry.type(
    name="Role", description="A role of the firm: built in, or created by a firm admin."
)
class RoleType:
    name: str = strawberry.field(description="Unique in the firm; what `assignRoles` takes.")
    description: str = strawberry.field(description="Built-in roles: in the viewer's language.")
    builtin: bool = strawberry.field(description="Built-in roles cannot be changed or deleted.")
    permissions: list[PermissionType] = strawberry.field(
        description="Granted directly by this role."
    )
    inherits: list[str] = strawberry.field(
        description="Roles whose permissions this role also has."
    )

    @classmethod
    def of(cls, view: RoleView, language: str) -> RoleType:
        return cls(
            name=view.name,
            description=view.description(language),
            builtin=view.builtin,
            permissions=[PermissionType.of(o, a, language) for o, a in view.permissions],
            inherits=list(view.inherits),
        )


@strawberry.type(description="The role was deleted.")
class RoleDeleted:
    name: str


@strawberry.enum(name="MemberKind", description="How a person belongs to the firm.")
class MemberKind(Enum):
    STAFF = "staff"
    CLIENT = "client"
    PERFORMER = "performer"


@strawberry.type(
    name="Member",
    description="A person's membership in the firm: staff, client contact or performer.",
)
class MemberType(relay.Node):
    id: relay.NodeID[int]
    email: str
    name: str = strawberry.field(description="Display name; may be empty.")
    kind: MemberKind
    roles: list[str] = strawberry.field(
        description="Role names held in the firm through this membership."
    )
    status: str = strawberry.field(description="`active`, or why the membership no longer works.")
    created_at: datetime
    totp_enabled: bool = strawberry.field(
        default=False,
        description="The person logs in with a TOTP second factor (a firm admin may reset it: "
        "`resetStaffTotp`).",
    )
    label: str = strawberry.field(
        default="",
        description="The firm's contact card for the person: label (position); empty when none "
        "(written with `setContactCard`, shown only inside this firm).",
    )
    phone: str = strawberry.field(
        default="", description="The firm's contact card: phone number; empty when none."
    )
    note: str = strawberry.field(
        default="", description="The firm's contact card: internal note; empty when none."
    )
    person_pk: strawberry.Private[int] = 0
    client_org_pk: strawberry.Private[int | None] = None

    @strawberry.field(
        description="Global id of the person (type `Person`): the `personId` of `setContactCard`."
    )
    def person_id(self) -> strawberry.ID:
        return strawberry.ID(str(relay.GlobalID("Person", str(self.person_pk))))

    @strawberry.field(
        description="Client contacts: the client organization (a `ClientOrganization` id)."
    )
    def client_organization_id(self) -> strawberry.ID | None:
        if self.client_org_pk is None:
            return None
        return strawberry.ID(str(relay.GlobalID("ClientOrganization", str(self.client_org_pk))))

    @classmethod
    def of(cls, view: MemberView) -> MemberType:
        kind = (
            MemberKind(view.kind)
            if view.kind in MemberKind._value2member_map_
            else MemberKind.STAFF
        )
        return cls(
            id=view.id,
            email=view.email,
            name=view.display_name,
            kind=kind,
            roles=list(view.roles),
            status=view.status,
            created_at=view.created_at,
            totp_enabled=view.totp_enabled,
            label=view.contact_label,
            phone=view.contact_phone,
            note=view.contact_note,
            person_pk=view.person_id,
            client_org_pk=view.client_org_id,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[MemberType | None]:
        # `node(id:)` bypasses field guards: the same permission and the firm's scope apply.
        ids = node_pks(list(node_ids))
        ctx = info.context
        if ctx.tenant_or_none is None or not await is_allowed(ctx, "members", "read"):
            return [None for _ in ids]
        found = await service.get_members(
            ctx.shared, ctx.tenant.id, [i for i in ids if i is not None]
        )
        return [MemberType.of(found[i]) if i in found else None for i in ids]


RoleResult = Annotated[
    RoleType | ValidationError | NotFoundError | ConflictError, strawberry.union("RoleResult")
]
DeleteRoleResult = Annotated[
    RoleDeleted | NotFoundError | ConflictError, strawberry.union("DeleteRoleResult")
]
AssignRolesResult = Annotated[
    MemberType | ValidationError | NotFoundError | ConflictError,
    strawberry.union("AssignRolesResult"),
]


def member_not_found(field: str | None) -> IdRefused:
    ru, en = service.MESSAGES["MEMBER_NOT_FOUND"]
    return IdRefused("not_found", "MEMBER_NOT_FOUND", ru, en, field)


@resolved_by("Member", refusal=member_not_found)
async def memberships_of_firm(ctx: Any, pks: list[int]) -> set[int]:
    return set(await service.get_members(ctx.shared, ctx.tenant.id, pks))


def announce_policy_change(ctx: Context, tenant_id: int) -> None:
    """After commit: drop this process's copy at once, then tell every process."""

    async def announce() -> None:
        enforcer_cache(ctx.services).invalidate(str(tenant_id))
        await notify_policy_changed(ctx.services.engine, tenant_id)

    ctx.after_commit(announce)


def _pairs(permissions: Iterable[PermissionInput]) -> list[tuple[str, str]]:
    return [(p.object, p.action) for p in permissions]


# ---------------------------------------------------------------------------- queries


@strawberry.type
class Query:
    @strawberry.field(
        description="The firm's roles: built-in first, then custom ones by name.",
        extensions=requires("roles", "read"),
    )
    async def roles(self, info: Info) -> list[RoleType]:
        ctx = info.context
        language = viewer_language(info)
        return [
            RoleType.of(v, language) for v in await service.list_roles(ctx.shared, ctx.tenant.id)
        ]

    @strawberry.field(
        description="Every permission a custom role may be granted, with what it allows.",
        extensions=requires("roles", "read"),
    )
    def permission_catalog(self, info: Info) -> list[PermissionType]:
        language = viewer_language(info)
        return [
            PermissionType.of(p.object, p.action, language)
            for p in PERMISSION_CATALOG
            if p.object not in PLATFORM_OBJECTS
        ]

    @relay.connection(
        Connection[MemberType],
        description="People of the firm: staff, client contacts and performers, oldest first; "
        "`search` keeps those whose e-mail or name contains the text.",
        extensions=requires("members", "read"),
    )
    def members(
        self, info: Info, kind: MemberKind | None = None, search: str | None = None
    ) -> Iterable[MemberType]:
        ctx = info.context
        statement = service.members_statement(ctx.tenant.id, kind.value if kind else None, search)
        return Keyset(
            statement,
            key=(Membership.id,),
            node=lambda row: MemberType.of(service.member_of(row)),
            session=ctx.shared,
        )


# -------------------------------------------------------------------------- mutations


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Create a custom role from permissions of `permissionCatalog` and, optionally, "
        "roles it inherits. The name is 3-40 lowercase latin letters, digits or _, and not a "
        "built-in role's.",
        extensions=requires("roles", "manage"),
    )
    async def create_role(
        self,
        info: Info,
        name: str,
        permissions: list[PermissionInput],
        description: str | None = None,
        inherits: list[str] | None = None,
    ) -> RoleResult:
        ctx = info.context
        tenant_id = ctx.tenant.id
        try:
            async with ctx.unit_of_work(shared=True) as session:
                view = await service.create_role(
                    session,
                    ctx.tenant,
                    actor_of(ctx),
                    name,
                    description,
                    _pairs(permissions),
                    inherits or (),
                )
                announce_policy_change(ctx, tenant_id)
        except RolesError as exc:
            return error_result(info, exc)
        return RoleType.of(view, viewer_language(info))

    @strawberry.mutation(
        description="Change a custom role. Given lists replace the current ones; omitted "
        "arguments stay as they are. Built-in roles cannot be changed.",
        extensions=requires("roles", "manage"),
    )
    async def update_role(
        self,
        info: Info,
        name: str,
        description: str | None = None,
        permissions: list[PermissionInput] | None = None,
        inherits: list[str] | None = None,
    ) -> RoleResult:
        ctx = info.context
        tenant_id = ctx.tenant.id
        try:
            async with ctx.unit_of_work(shared=True) as session:
                view = await service.update_role(
                    session,
                    ctx.tenant,
                    actor_of(ctx),
                    name,
                    description=description,
                    permissions=_pairs(permissions) if permissions is not None else None,
                    inherits=inherits,
                )
                announce_policy_change(ctx, tenant_id)
        except RolesError as exc:
            return error_result(info, exc)
        return RoleType.of(view, viewer_language(info))

    @strawberry.mutation(
        description="Delete a custom role. Refused for built-in roles and for a role still held "
        "by a member, a live API token, an open invitation or inherited by another role.",
        extensions=requires("roles", "manage"),
    )
    async def delete_role(self, info: Info, name: str) -> DeleteRoleResult:
        ctx = info.context
        tenant_id = ctx.tenant.id
        try:
            async with ctx.unit_of_work(shared=True) as session:
                await service.delete_role(session, ctx.tenant, actor_of(ctx), name)
                announce_policy_change(ctx, tenant_id)
        except RolesError as exc:
            return error_result(info, exc)  # type: ignore[return-value]
        return RoleDeleted(name=name)

    @strawberry.mutation(
        description="Replace the roles of a staff or performer membership (client contacts' roles "
        "follow their contact card). Only a firm admin gives or takes away `firm_admin`, and the "
        "firm's last admin keeps it. Takes effect on the member's next request.",
        extensions=requires("members", "manage"),
    )
    async def assign_roles(
        self, info: Info, membership_id: strawberry.ID, roles: list[str]
    ) -> AssignRolesResult:
        ctx = info.context
        tenant_id = ctx.tenant.id
        try:
            pk = await pk_of(ctx, "Member", membership_id, field="membershipId")
            async with ctx.unit_of_work(shared=True) as session:
                view = await service.assign_roles(session, ctx.tenant, actor_of(ctx), pk, roles)
                announce_policy_change(ctx, tenant_id)
        except (RolesError, IdRefused) as exc:
            return error_result(info, exc)
        return MemberType.of(view)


TYPES = (MemberType,)
