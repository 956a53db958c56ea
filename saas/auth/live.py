"""Revocation reaches live connections (WebSockets), in every API process, within a second.

A change that takes a right away announces itself on `NOTIFY kabinet_auth` in the writing
transaction (PostgreSQL delivers it at commit, to every process): `session:<id>`,
`person:<id>`, `token:<id>`, `tenant:<id>` (anything about the firm), `grants:<tenant id>`
(client grants, contacts, organizations). Firm-wide changes that already notify
(`kabinet_tenants`: suspension, client cabinet, second factor; `kabinet_policy`: a role's
permissions) are heard too.

- `end_sessions(session, *where)` ends login sessions (logout, password reset, "end this
  one", "end all others", a deactivated contact) and announces each; `announce(session,
  *keys)` announces anything else (`token_key`, `person_key`, `grants_key`).
- `SocketGuard` (one per WebSocket, saas.schema.view) re-authenticates the socket's principal
  before every operation, exactly as an HTTP request would be, and again whenever an
  announcement names it. Nothing left (credential ended, firm suspended, client cabinet off,
  second factor now owed, no role left): the socket is closed with code 4403 and the refusal's
  code as reason. Something left but less: each running subscription is re-authorized against
  its field's permissions and ended with an `error` message (FORBIDDEN) if it no longer may
  run; client grants narrow the events themselves (hooks in `GRANTS_CHANGED_HOOKS`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from graphql import FieldNode, GraphQLError, OperationDefinitionNode, OperationType, parse
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.permission import PermissionExtension

from saas.auth.authenticate import EXPIRES_AT, AuthRefused, reauthenticate
from saas.auth.models import LoginSession
from saas.auth.principal import Principal
from saas.rbac.cache import POLICY_CHANGED
from saas.tenants.registry import TENANTS_CHANGED

if TYPE_CHECKING:
    from saas.services import Services

log = logging.getLogger(__name__)

AUTH_CHANGED = "kabinet_auth"
# graphql-transport-ws: "Forbidden" (the protocol's own code for a refused connection).
CLOSE_FORBIDDEN = 4403
# NOTIFY payloads are limited to 8000 bytes.
MAX_PAYLOAD = 7000

# Called with (services, tenant id or None for every firm) when client grants may have
# narrowed: caches of who may see what are dropped (reports' LiveGrants).
GrantsHook = Callable[["Services", int | None], None]
GRANTS_CHANGED_HOOKS: list[GrantsHook] = []


def session_key(session_id: int) -> str:
    return f"session:{session_id}"


def person_key(person_id: int) -> str:
    return f"person:{person_id}"


def token_key(token_id: int) -> str:
    return f"token:{token_id}"


def tenant_key(tenant_id: int) -> str:
    return f"tenant:{tenant_id}"


def grants_key(tenant_id: int) -> str:
    return f"grants:{tenant_id}"


async def announce(session: AsyncSession, *keys: str) -> None:
    """NOTIFY every process that the credentials or rights named by `keys` changed; sent by
    PostgreSQL when (and only if) the caller's transaction commits."""
    batch: list[str] = []
    for key in keys:
        if batch and sum(len(k) + 1 for k in batch) + len(key) > MAX_PAYLOAD:
            await session.execute(select(func.pg_notify(AUTH_CHANGED, ",".join(batch))))
            batch = []
        batch.append(key)
    if batch:
        await session.execute(select(func.pg_notify(AUTH_CHANGED, ",".join(batch))))


async def end_sessions(session: AsyncSession, *where: Any) -> list[int]:
    """End the open login sessions matching `where` (SQLAlchemy conditions on LoginSession):
    they stop working over HTTP at once, and their live WebSockets are closed (4403) in every
    process when the caller's transaction commits. Returns the ended sessions' ids.

    The one way sessions end: logout (`service.revoke_session`), password reset, a session
    replaced at login, a deactivated contact, and the sessions list's "end this one"/"end all
    others"."""
    ended = list(
        (
            await session.execute(
                update(LoginSession)
                .where(LoginSession.revoked_at.is_(None), *where)
                .values(revoked_at=func.now())
                .returning(LoginSession.id)
            )
        ).scalars()
    )
    if ended:
        await announce(session, *(session_key(i) for i in ended))
    return ended


# ---------------------------------------------------------------------- the socket's guard


def _keys_of(principal: Principal, tenant_id: int | None) -> set[str]:
    keys = {tenant_key(tenant_id)} if tenant_id is not None else set()
    if principal.session_id is not None:
        keys.add(session_key(principal.session_id))
    if principal.person_id is not None:
        keys.add(person_key(principal.person_id))
    if principal.token_id is not None:
        keys.add(token_key(principal.token_id))
    return keys


def _lost_everything(before: Principal, after: Principal) -> str | None:
    """The refusal code when `after` keeps nothing `before` had (the socket is closed)."""
    if not before.authenticated:
        return None
    if after.mfa_pending and not before.mfa_pending:
        return "TOTP_REQUIRED"
    if before.tenant_id is None:
        return "FORBIDDEN" if before.is_platform_admin and not after.is_platform_admin else None
    if before.roles and not after.roles:
        return "FORBIDDEN"
    return None


class SocketGuard:
    """Keeps one WebSocket's principal current (see the module doc). `handler` is the
    graphql-transport-ws handler (saas.schema.view.TransportWSHandler)."""

    def __init__(self, handler: Any, services: Services):
        self.handler = handler
        self.services = services
        self.closed = False
        self._lock = asyncio.Lock()
        self._expiry: asyncio.TimerHandle | None = None

    @property
    def keys(self) -> set[str]:
        binding = self.handler.context.binding
        return _keys_of(binding.principal, binding.tenant.id if binding.tenant else None)

    async def check(self, *, policy_changed: bool = False) -> bool:
        """Re-authenticate now; False (and the socket closed) when nothing is left. With
        `policy_changed` (a role's permissions were edited: same role names, other rights),
        running subscriptions are re-authorized even if the principal looks the same."""
        if self.closed:
            return False
        async with self._lock:
            if self.closed:
                return False
            context = self.handler.context
            before = context.binding.principal
            try:
                principal, tenant = await reauthenticate(
                    self.services, before, context.binding.tenant
                )
            except AuthRefused as exc:
                await self.close(exc.code)
                return False
            if code := _lost_everything(before, principal):
                await self.close(code)
                return False
            if principal != before or tenant != context.binding.tenant or policy_changed:
                context.binding = replace(context.binding, principal=principal, tenant=tenant)
                context.loaders.clear()  # nothing read for the old rights is reused
                await self._narrow()
            self._check_at_expiry(principal)
            return True

    def _check_at_expiry(self, principal: Principal) -> None:
        """An expiring token or session: check again (and close) when it expires."""
        if self._expiry is not None:
            self._expiry.cancel()
            self._expiry = None
        expires = principal.extra.get(EXPIRES_AT)
        if expires is None:
            return
        delay = (datetime.fromisoformat(expires) - datetime.now(UTC)).total_seconds()
        loop = asyncio.get_running_loop()
        self._expiry = loop.call_later(
            max(delay, 0) + 0.05, lambda: live_sockets(self.services).recheck([self])
        )

    def stop(self) -> None:
        """The socket ended: no more checks."""
        self.closed = True
        if self._expiry is not None:
            self._expiry.cancel()

    async def close(self, code: str) -> None:
        """Stop every operation of the socket, then close it with 4403 (reason: the code)."""
        self.stop()
        operations = list(self.handler.operations.values())
        self.handler.operations.clear()
        for operation in operations:
            operation.completed = True
            if operation.task is not None:
                operation.task.cancel()
        with contextlib.suppress(Exception):
            await self.handler.websocket.close(code=CLOSE_FORBIDDEN, reason=code)

    async def _narrow(self) -> None:
        """End the running subscriptions the new principal may no longer run."""
        for operation in list(self.handler.operations.values()):
            refusal = await self._refusal_of(operation)
            if refusal is None or self.handler.operations.get(operation.id) is not operation:
                continue
            del self.handler.operations[operation.id]
            operation.completed = True
            if operation.task is not None:
                operation.task.cancel()
            with contextlib.suppress(Exception):
                await self.handler.send_message(
                    {"id": operation.id, "type": "error", "payload": [refusal.formatted]}
                )

    async def _refusal_of(self, operation: Any) -> GraphQLError | None:
        try:
            document = parse(operation.query)
        except GraphQLError:
            return None
        definitions = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        chosen = [
            d
            for d in definitions
            if operation.operation_name is None
            or (d.name is not None and d.name.value == operation.operation_name)
        ]
        if len(chosen) != 1 or chosen[0].operation != OperationType.SUBSCRIPTION:
            return None  # queries and mutations were authorized when they started
        root = self.handler.schema._schema.subscription_type
        info: Any = SimpleNamespace(context=self.handler.context)
        for selection in chosen[0].selection_set.selections:
            if not isinstance(selection, FieldNode) or root is None:
                continue
            field = root.fields.get(selection.name.value)
            definition = field.extensions.get("strawberry-definition") if field else None
            for extension in getattr(definition, "extensions", ()):
                if not isinstance(extension, PermissionExtension):
                    continue
                for permission in extension.permissions:
                    allowed = permission.has_permission(None, info)
                    if asyncio.iscoroutine(allowed):
                        allowed = await allowed
                    if not allowed:
                        return GraphQLError(
                            permission.message or "Permission denied.",
                            extensions=dict(permission.error_extensions or {"code": "FORBIDDEN"}),
                        )
        return None


# ----------------------------------------------------------------- the process's sockets


class LiveSockets:
    """The process's guarded sockets; rechecks those an announcement names."""

    def __init__(self, services: Services):
        self.services = services
        self.guards: set[SocketGuard] = set()
        self._tasks: set[asyncio.Future[Any]] = set()

    def add(self, guard: SocketGuard) -> None:
        self.guards.add(guard)

    def discard(self, guard: SocketGuard) -> None:
        guard.stop()
        self.guards.discard(guard)

    def on_auth(self, payload: str) -> None:
        keys = {key for key in payload.split(",") if key}
        firms = {int(key[7:]) for key in keys if key.startswith("grants:") and key[7:].isdigit()}
        firms |= {int(key[7:]) for key in keys if key.startswith("tenant:") and key[7:].isdigit()}
        if not keys:  # the hub reconnected: anything may have changed meanwhile
            self._grants_changed(None)
            self.recheck(self.guards)
            return
        for firm in firms:
            self._grants_changed(firm)
        self.recheck(guard for guard in self.guards if guard.keys & keys)

    def on_firm(self, payload: str) -> None:
        """kabinet_tenants: the firm's id (or a slug, or '': every firm)."""
        if payload.isdigit():
            self.on_auth(tenant_key(int(payload)))
        else:
            self.on_auth("")

    def on_policy(self, payload: str) -> None:
        """kabinet_policy: a firm's roles changed (its id, or '': every firm)."""
        key = tenant_key(int(payload)) if payload.isdigit() else None
        self.recheck(
            (guard for guard in self.guards if key is None or key in guard.keys),
            policy_changed=True,
        )

    def _grants_changed(self, tenant_id: int | None) -> None:
        for hook in list(GRANTS_CHANGED_HOOKS):
            try:
                hook(self.services, tenant_id)
            except Exception:
                log.exception("a grants-changed hook failed")

    def recheck(self, guards: Iterable[SocketGuard], *, policy_changed: bool = False) -> None:
        for guard in list(guards):
            task = asyncio.ensure_future(self._safe_check(guard, policy_changed))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _safe_check(self, guard: SocketGuard, policy_changed: bool) -> None:
        try:
            await guard.check(policy_changed=policy_changed)
        except Exception:
            log.exception("re-checking a live connection failed; closing it")
            await guard.close("INTERNAL")


EXTRAS_KEY = "auth.live_sockets"


def install_live_sockets(services: Services) -> LiveSockets:
    """Create the process's registry and LISTEN for revocations. Called while the services
    are built (after the tenant registry and the enforcer cache subscribed: they drop their
    copies first), before the notification hub starts."""
    found: LiveSockets | None = services.extras.get(EXTRAS_KEY)
    if found is None:
        found = services.extras[EXTRAS_KEY] = LiveSockets(services)
        services.hub.subscribe(AUTH_CHANGED, found.on_auth)
        services.hub.subscribe(TENANTS_CHANGED, found.on_firm)
        services.hub.subscribe(POLICY_CHANGED, found.on_policy)
    return found


def live_sockets(services: Services) -> LiveSockets:
    found: LiveSockets | None = services.extras.get(EXTRAS_KEY)
    return found if found is not None else install_live_sockets(services)
