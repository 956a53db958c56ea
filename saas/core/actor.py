"""Who acts: the one `Actor` every module, service and job uses.

An `Actor` is built from the request's principal inside one firm (`actor_of(ctx)`, cached per
request; `Actor.of(principal, tenant_id)` where there is no GraphQL context, e.g. a job or the
demo; `Actor.system(tenant_id, name)` for the platform's own writes). It carries:

- who: `subject` (the audit and Casbin subject: `person:7`, `token:3`, `job:<id>`), whose
  prefix is its `kind`, `person_id` / `token_id`, and where from (`ip`, `user_agent`);
- the firm (`tenant_id`) and the roles held there (`roles`); `staff` says whether the roles
  make the actor the firm's staff (any role besides the client and performer roles; the
  firm's API tokens act for the firm), `firm_admin` whether it holds the admin role;
- for a client user, the organizations it may act for (`client_org_ids`).

What needs a query is read once per request, on demand:
- `await actor_with(ctx, ("documents", "read"), ...)`: the actor with those permissions
  checked, for services that decide by them (`actor.may("documents", "read")`);
- `await permissions_of(ctx)`: every catalog permission (`"reports:write"`) the actor holds;
- `await assigned_organizations_of(ctx)`: for staff, the organizations assigned to it
  (responsible manager, moderator), provided by the clients module through
  `ASSIGNMENT_PROVIDERS` (the core never imports a module);
- client grants per organization: the clients module's `grants_for` / `ViewerGrantsLoader`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from saas.rbac.defaults import CLIENT_ROLES

if TYPE_CHECKING:
    from saas.auth.principal import Principal

# The tenant_id of an actor at the platform's own host (no firm has id 0): someone logging in
# to pick a cabinet, or a platform admin.
PLATFORM_HOST = 0

# Roles that never make their holder firm staff (performers work *for* client organizations).
NON_STAFF_ROLES = frozenset(CLIENT_ROLES) | {"performer"}
FIRM_ADMIN = "firm_admin"


def is_firm_staff(principal: Principal) -> bool:
    """Staff hold any role besides the client and performer roles; the firm's own API tokens
    act for the firm."""
    if principal.kind == "token":
        return True
    return principal.kind == "person" and any(r not in NON_STAFF_ROLES for r in principal.roles)


@dataclass(frozen=True)
class Actor:
    """Who acts in one firm (see the module docstring)."""

    tenant_id: int
    subject: str
    person_id: int | None = None
    staff: bool = False
    client_org_ids: frozenset[int] = field(default_factory=frozenset)
    roles: tuple[str, ...] = ()
    ip: str | None = None
    user_agent: str | None = None
    # `object:action` permissions checked for this operation and held (`actor_with`).
    permissions: frozenset[str] = field(default_factory=frozenset)

    def may(self, obj: str, act: str) -> bool:
        """Holds `obj:act`: answered for the permissions asked of `actor_with` (or set by the
        caller, e.g. a job or a test); False for any other."""
        return f"{obj}:{act}" in self.permissions

    @property
    def kind(self) -> str:
        """person, token, anonymous, or what the platform named itself (job, system...)."""
        return self.subject.partition(":")[0]

    @property
    def token_id(self) -> int | None:
        kind, _, number = self.subject.partition(":")
        return int(number) if kind == "token" and number.isdigit() else None

    @classmethod
    def of(
        cls,
        principal: Principal,
        tenant_id: int,
        *,
        ip: str | None = None,
        user_agent: str | None = None,
    ) -> Actor:
        """The actor of `principal` in firm `tenant_id`: a credential of another firm (or of
        the platform host) holds no roles, no staff rights and no organizations here."""
        bound = principal.authenticated and principal.tenant_id == tenant_id
        return cls(
            tenant_id=tenant_id,
            subject=principal.subject,
            person_id=principal.person_id,
            staff=bound and is_firm_staff(principal),
            client_org_ids=frozenset(principal.client_org_ids) if bound else frozenset(),
            roles=tuple(principal.roles) if bound else (),
            ip=ip,
            user_agent=user_agent,
        )

    @classmethod
    def of_request(cls, binding: Any) -> Actor:
        """The actor of a request at any host (`saas.request.RequestBinding`): at the platform
        host its `tenant_id` is PLATFORM_HOST. Login, accepting an invitation and the cabinet
        hand-off use its origin (`address`, `user_agent`) before anyone is logged in."""
        tenant = binding.tenant
        return cls.of(
            binding.principal,
            tenant.id if tenant is not None else PLATFORM_HOST,
            ip=binding.ip,
            user_agent=binding.user_agent,
        )

    @classmethod
    def system(cls, tenant_id: int, name: str = "system") -> Actor:
        """The platform itself acting in a firm (demo data, jobs): staff, no person."""
        return cls(tenant_id=tenant_id, subject=name, staff=True)

    @property
    def address(self) -> str:
        """Where the request came from, for attempt logs and session records."""
        return self.ip or "unknown"

    @property
    def firm_admin(self) -> bool:
        return FIRM_ADMIN in self.roles

    @property
    def is_client(self) -> bool:
        """A client user (a contact of client organizations), not staff."""
        return not self.staff and self.person_id is not None and bool(self.client_org_ids)


_ACTOR = "core.actor"
_PERMISSIONS = "core.actor.permissions"
_ASSIGNED = "core.actor.assigned"
_CHECKED = "core.actor.checked"


def _cache(ctx: Any) -> dict[str, Any]:
    found = getattr(ctx, "core_cache", None)
    if found is None:
        found = {}
        ctx.core_cache = found
    return found


def actor_of(ctx: Any) -> Actor:
    """The request's actor in its firm (built once per request and principal)."""
    cache = _cache(ctx)
    principal = ctx.principal
    found = cache.get(_ACTOR)
    if found is not None and found[0] is principal:
        return found[1]
    binding = getattr(ctx, "binding", None)
    actor = Actor.of(
        principal,
        ctx.tenant.id,
        ip=getattr(binding, "ip", None),
        user_agent=getattr(binding, "user_agent", None),
    )
    cache[_ACTOR] = (principal, actor)
    cache.pop(_PERMISSIONS, None)
    cache.pop(_ASSIGNED, None)
    cache.pop(_CHECKED, None)
    return actor


async def permissions_of(ctx: Any) -> frozenset[str]:
    """The catalog permissions (`object:action`) the request's actor holds in its firm."""
    actor = actor_of(ctx)
    cache = _cache(ctx)
    if _PERMISSIONS not in cache:
        from saas.rbac.catalog import PERMISSION_CATALOG
        from saas.rbac.enforcer import is_allowed

        held = set()
        for permission in PERMISSION_CATALOG:
            if actor.roles and await is_allowed(ctx, permission.object, permission.action):
                held.add(permission.key)
        cache[_PERMISSIONS] = frozenset(held)
    return frozenset(cache[_PERMISSIONS])


async def actor_with(ctx: Any, *wanted: tuple[str, str]) -> Actor:
    """The request's actor with the `wanted` (object, action) permissions checked against the
    firm's policy (each at most once per request), so services can ask `actor.may(...)`."""
    actor = actor_of(ctx)
    cache = _cache(ctx)
    checked: dict[tuple[str, str], bool] = cache.setdefault(_CHECKED, {})
    if wanted:
        from saas.rbac.enforcer import is_allowed

        for pair in wanted:
            if pair not in checked:
                checked[pair] = bool(actor.roles) and await is_allowed(ctx, *pair)
    held = frozenset(f"{o}:{a}" for (o, a), yes in checked.items() if yes and (o, a) in wanted)
    return replace(actor, permissions=held)


# (session, actor) -> ids of the organizations assigned to a staff actor; registered by the
# module that owns organizations (clients), so the core needs no import of it.
AssignmentProvider = Callable[[Any, Actor], Awaitable[set[int]]]
ASSIGNMENT_PROVIDERS: list[AssignmentProvider] = []


async def assigned_organizations(session: Any, actor: Actor) -> frozenset[int]:
    """The organizations assigned to a staff actor (responsible manager, moderator): empty for
    anyone else."""
    if not actor.staff or actor.person_id is None:
        return frozenset()
    found: set[int] = set()
    for provider in ASSIGNMENT_PROVIDERS:
        found |= await provider(session, actor)
    return frozenset(found)


async def assigned_organizations_of(ctx: Any) -> frozenset[int]:
    """`assigned_organizations` of the request's actor, read once per request."""
    actor = actor_of(ctx)
    cache = _cache(ctx)
    if _ASSIGNED not in cache:
        cache[_ASSIGNED] = await assigned_organizations(ctx.db, actor)
    return frozenset(cache[_ASSIGNED])
