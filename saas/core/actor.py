"""Who acts: the one `Actor` every module, service and job uses.

An `Actor` is built from the request's principal inside one firm (`actor_of(ctx)`, cached per
request; `Actor.of(principal, tenant_id)` where there is no GraphQL context, e.g. a job or the
demo; `Actor.system(tenant_id, name)` for the platform's own writes). It carries:

- who: `subject` (the audit and Casbin subject: `person:7`, `token:3`, `job:<id>`), whose
  prefix is its `kind`, `person_id` / `token_id`, and where from (`ip`, `user_agent`);
- the firm (`tenant_id`) and the roles held there (`roles`); `staff` says whether the roles
  make the actor the firm's staff (any role besides the client and performer roles; the
  firm's API tokens act for the firm), `firm_admin` whether it holds the admin role;
- for a client user, the organizations it may act for (`client_org_ids`);
- for staff, whether it sees the whole firm (`firm_wide`: its roles hold `clients:read_all`,
  as the firm admin's do) or only the organizations assigned to it (responsible manager,
  moderator). `organization_filter(actor, column)` is the one WHERE clause every module puts
  on its organization column (the clients module's organizations, reports, drives, the
  access log; the live feed asks `assigned_organizations`), so an id of an organization
  outside it is NOT_FOUND like a missing one.

What needs a query is read once per request, on demand:
- `await actor_with(ctx, ("documents", "read"), ...)`: the actor with those permissions
  checked, for services that decide by them (`actor.may("documents", "read")`);
- `await permissions_of(ctx)`: every catalog permission (`"reports:write"`) the actor holds;
- `await assigned_organizations_of(ctx)`: for staff, the organizations assigned to it
  (responsible manager, moderator), provided by the clients module through
  `ASSIGNMENT_PROVIDERS` (the core never imports a module): each provider gives a SELECT of
  organization ids, so the scope stays inside the caller's statement;
- client grants per organization: the clients module's `grants_for` / `ViewerGrantsLoader`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Select, false, union

from saas.rbac.cache import enforcer_cache
from saas.rbac.catalog import PERMISSION_CATALOG, grantable_in_firm
from saas.rbac.defaults import CLIENT_ROLES
from saas.rbac.enforcer import is_allowed

if TYPE_CHECKING:
    from saas.auth.principal import Principal

# The tenant_id of an actor at the platform's own host (no firm has id 0): someone logging in
# to pick a cabinet, or a platform admin.
PLATFORM_HOST = 0

# Roles that never make their holder firm staff (performers work *for* client organizations).
NON_STAFF_ROLES = frozenset(CLIENT_ROLES) | {"performer"}
FIRM_ADMIN = "firm_admin"
# The permission that lets staff see every organization of the firm, not only their own.
FIRM_WIDE = ("clients", "read_all")

log = logging.getLogger(__name__)


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
    # Staff seeing every organization of the firm (`clients:read_all`); other staff see the
    # organizations assigned to them (see `organization_filter`).
    firm_wide: bool = False

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
        policy: Any = None,
    ) -> Actor:
        """The actor of `principal` in firm `tenant_id`: a credential of another firm (or of
        the platform host) holds no roles, no staff rights and no organizations here. With
        the firm's `policy` (saas.rbac.policy.TenantPolicy), staff whose roles hold
        `clients:read_all` are `firm_wide`; without it nobody is."""
        bound = principal.authenticated and principal.tenant_id == tenant_id
        staff = bound and is_firm_staff(principal)
        roles = tuple(principal.roles) if bound else ()
        return cls(
            tenant_id=tenant_id,
            subject=principal.subject,
            person_id=principal.person_id,
            staff=staff,
            client_org_ids=frozenset(principal.client_org_ids) if bound else frozenset(),
            roles=roles,
            ip=ip,
            user_agent=user_agent,
            firm_wide=staff and policy is not None and policy.allows(roles, *FIRM_WIDE),
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

    def acting(self) -> dict[str, Any]:
        """What a job needs to act within this actor's organizations (`Actor.of_job`): jobs
        get ids, never objects."""
        return {"person_id": self.person_id, "firm_wide": self.firm_wide}

    @classmethod
    def of_job(cls, tenant_id: int, job_id: Any, acting: dict[str, Any] | None) -> Actor:
        """A job's actor: staff seeing the organizations its submitter saw (`acting()`); a job
        submitted before the scope was recorded acts for the whole firm, as it did then."""
        acting = acting or {"person_id": None, "firm_wide": True}
        return cls(
            tenant_id=tenant_id,
            subject=f"job:{job_id}",
            person_id=acting.get("person_id"),
            staff=True,
            firm_wide=bool(acting.get("firm_wide")),
        )

    @classmethod
    def system(cls, tenant_id: int, name: str = "system") -> Actor:
        """The platform itself acting in a firm (demo data, jobs): staff of the whole firm,
        no person."""
        return cls(tenant_id=tenant_id, subject=name, staff=True, firm_wide=True)

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

    @property
    def scoped(self) -> bool:
        """Staff that sees only the organizations assigned to it."""
        return self.staff and not self.firm_wide


_ACTOR = "core.actor"
_PERMISSIONS = "core.actor.permissions"
_ASSIGNED = "core.actor.assigned"
_CHECKED = "core.actor.checked"
_POLICY = "core.actor.policy"


def _cache(ctx: Any) -> dict[str, Any]:
    found = getattr(ctx, "core_cache", None)
    if found is None:
        found = {}
        ctx.core_cache = found
    return found


def _policy_of(ctx: Any) -> Any:
    """The firm's policy as the process holds it now, else the one read at the start of the
    operation (`prepare_actor`)."""
    services = getattr(ctx, "services", None)
    current = enforcer_cache(services).cached(ctx.tenant.id) if services is not None else None
    return current if current is not None else _cache(ctx).get(_POLICY)


async def prepare_actor(ctx: Any) -> None:
    """Read the firm's policy before an operation runs (saas.schema.extensions.ActorPolicy),
    so the synchronous `actor_of` can tell firm-wide staff from assigned-only staff."""
    tenant, principal = ctx.tenant_or_none, ctx.principal
    if tenant is None or not principal.authenticated or principal.tenant_id != tenant.id:
        return
    _cache(ctx)[_POLICY] = await enforcer_cache(ctx.services).get(tenant.id)


def actor_of(ctx: Any) -> Actor:
    """The request's actor in its firm (built once per request, principal and policy)."""
    cache = _cache(ctx)
    principal = ctx.principal
    policy = _policy_of(ctx) if principal.authenticated else None
    if policy is None and principal.authenticated and principal.tenant_id == ctx.tenant.id:
        log.warning("actor_of without the firm's policy: staff see assigned organizations only")
    found = cache.get(_ACTOR)
    if found is not None and found[0] is principal and found[1] is policy:
        return found[2]
    binding = getattr(ctx, "binding", None)
    actor = Actor.of(
        principal,
        ctx.tenant.id,
        ip=getattr(binding, "ip", None),
        user_agent=getattr(binding, "user_agent", None),
        policy=policy,
    )
    # What was read for other rights is read again.
    for key in (_PERMISSIONS, _ASSIGNED, _CHECKED):
        cache.pop(key, None)
    cache[_ACTOR] = (principal, policy, actor)
    return actor


async def permissions_of(ctx: Any) -> frozenset[str]:
    """The catalog permissions (`object:action`) the request's actor holds in its firm (the
    platform's own never: a firm admin's `*` does not reach them)."""
    actor = actor_of(ctx)
    cache = _cache(ctx)
    if _PERMISSIONS not in cache:
        held = set()
        for permission in PERMISSION_CATALOG:
            if not grantable_in_firm(permission.object, permission.action):
                continue
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
        for pair in wanted:
            if pair not in checked:
                checked[pair] = bool(actor.roles) and await is_allowed(ctx, *pair)
    held = frozenset(f"{o}:{a}" for (o, a), yes in checked.items() if yes and (o, a) in wanted)
    return replace(actor, permissions=held)


# actor -> a SELECT of the ids of the organizations assigned to a staff actor; registered by
# the module that owns organizations (clients), so the core needs no import of it.
AssignmentProvider = Callable[[Actor], Select]
ASSIGNMENT_PROVIDERS: list[AssignmentProvider] = []


def _assigned_statement(actor: Actor) -> Any:
    if not actor.staff or actor.person_id is None or not ASSIGNMENT_PROVIDERS:
        return None
    statements = [provider(actor) for provider in ASSIGNMENT_PROVIDERS]
    return statements[0] if len(statements) == 1 else union(*statements)


def organization_filter(actor: Actor, column: Any) -> ColumnElement[bool] | None:
    """The one WHERE clause on a column of client organization ids (an organization's id,
    a report's or a drive entry's organization): None when the actor sees every organization
    of the firm (firm-wide staff, the platform's own jobs); the assigned ones for other staff
    (nothing for a token without `clients:read_all`); a client user's own organizations (the
    clients module narrows these further to active contacts and grants)."""
    if actor.staff:
        if actor.firm_wide:
            return None
        assigned = _assigned_statement(actor)
        return false() if assigned is None else column.in_(assigned.scalar_subquery())
    if actor.person_id is None or not actor.client_org_ids:
        return false()
    return column.in_(sorted(actor.client_org_ids))


async def assigned_organizations(session: Any, actor: Actor) -> frozenset[int]:
    """The organizations assigned to a staff actor (responsible manager, moderator): empty for
    anyone else."""
    statement = _assigned_statement(actor)
    if statement is None:
        return frozenset()
    return frozenset(int(pk) for pk in (await session.execute(statement)).scalars())


async def assigned_organizations_of(ctx: Any) -> frozenset[int]:
    """`assigned_organizations` of the request's actor, read once per request."""
    actor = actor_of(ctx)
    cache = _cache(ctx)
    if _ASSIGNED not in cache:
        cache[_ASSIGNED] = await assigned_organizations(ctx.db, actor)
    return frozenset(cache[_ASSIGNED])
