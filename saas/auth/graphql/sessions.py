"""The viewer's login sessions (`activeSessions`, `endSession`, `endOtherSessions`) and the
firm's security settings (`securitySettings`, `updateSessionIdleTimeout`; the staff TOTP rule
is set in `totp`). Thin: the rules live in saas.auth.service.sessions."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry import relay

from saas.auth import idle
from saas.auth.cookies import clear_session_cookies, cookies_secure
from saas.auth.graphql.audit import audit, request_actor
from saas.auth.graphql.request import request_language
from saas.auth.models import LoginSession
from saas.auth.service import sessions
from saas.auth.service.errors import Refused
from saas.core.ids import IdRefused, node_pks, pk_of, resolved_by
from saas.rbac.permissions import requires, requires_login
from saas.schema.context import Info
from saas.schema.errors import (
    DomainError,
    ForbiddenError,
    NotFoundError,
    ValidationError,
    error_result,
    typed_error,
)


@strawberry.type(description="The firm's security rules.")
class SecuritySettings:
    require_staff_totp: bool
    session_idle_minutes: int = strawberry.field(
        description="A session unused for longer than this stops working (minutes; the "
        "14-day expiry after login applies too)."
    )

    @classmethod
    def of(cls, settings: dict[str, Any]) -> SecuritySettings:
        minutes = settings.get(idle.SETTING)
        return cls(
            require_staff_totp=bool(settings.get("require_staff_totp")),
            session_idle_minutes=minutes if isinstance(minutes, int) else idle.DEFAULT_IDLE_MINUTES,
        )


@strawberry.type(description="One of the viewer's login sessions at this address.")
class ActiveSession(relay.Node):
    id: relay.NodeID[int]
    device: str | None = strawberry.field(
        description="Browser and system read from the user agent, e.g. 'Chrome 120 · "
        "Windows 10'; null when it names none (a script)."
    )
    user_agent: str | None
    address: str | None = strawberry.field(description="The address it was last used from.")
    created_at: datetime = strawberry.field(description="When it was opened (the login).")
    last_used_at: datetime = strawberry.field(description="Its last use (to the minute).")
    ends_at: datetime = strawberry.field(
        description="When it stops working unless used again: its 14-day expiry or the firm's "
        "idle timeout after its last use, whichever comes first."
    )
    current: bool = strawberry.field(description="The session this request was made with.")

    @classmethod
    def of(cls, row: LoginSession, info: Info) -> ActiveSession:
        return cls(
            id=row.id,
            device=sessions.device_of(row.user_agent),
            user_agent=row.user_agent,
            address=row.ip,
            created_at=row.created_at,
            last_used_at=row.last_seen_at,
            ends_at=idle.ends_at(row, info.context.tenant_or_none),
            current=row.id == info.context.principal.session_id,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[ActiveSession | None]:
        pks = node_pks(list(node_ids))
        by_id = {r.id: r for r in await _own(info, [pk for pk in pks if pk is not None])}
        return [ActiveSession.of(by_id[pk], info) if pk in by_id else None for pk in pks]


async def _own(ctx_or_info: Any, ids: list[int] | None = None) -> list[LoginSession]:
    """The caller's working sessions at this host (none for an API token)."""
    ctx = getattr(ctx_or_info, "context", ctx_or_info)
    principal = ctx.principal
    if principal.kind != "person" or principal.person_id is None:
        return []
    return await sessions.sessions_of(ctx.shared, principal.person_id, ctx.tenant_or_none, ids)


@resolved_by("ActiveSession")
async def sessions_of_viewer(ctx: Any, pks: list[int]) -> set[int]:
    return {row.id for row in await _own(ctx, pks)}


@strawberry.type(description="The sessions were ended: they no longer work anywhere.")
class SessionsEnded:
    ended: int = strawberry.field(description="How many sessions were ended.")
    sessions: list[ActiveSession] = strawberry.field(description="The sessions left.")


EndSessionResult = Annotated[
    SessionsEnded | NotFoundError | ForbiddenError, strawberry.union("EndSessionResult")
]
EndOtherSessionsResult = Annotated[
    SessionsEnded | ForbiddenError, strawberry.union("EndOtherSessionsResult")
]
SessionIdleTimeoutResult = Annotated[
    SecuritySettings | ValidationError, strawberry.union("SessionIdleTimeoutResult")
]


def _not_a_session(info: Info) -> ForbiddenError | None:
    principal = info.context.principal
    if principal.kind == "person" and principal.session_id is not None:
        return None
    return typed_error(Refused("NOT_A_SESSION"), request_language(info))  # type: ignore[return-value]


async def _ended(info: Info, session: Any, ended: list[int]) -> None:
    """The firm's audit log notes the ended sessions (in the same transaction)."""
    tenant = info.context.tenant_or_none
    if tenant is None or not ended:
        return
    binding = info.context.binding
    await audit(
        session,
        info,
        tenant,
        "session.end",
        "person",
        binding.principal.person_id,
        {"sessions": ended},
    )


async def _result(info: Info, ended: list[int]) -> SessionsEnded:
    if info.context.principal.session_id in ended and info.context.response is not None:
        secure = cookies_secure(info.context.request, info.context.services.settings)
        clear_session_cookies(info.context.response, secure=secure)
    left = [] if info.context.principal.session_id in ended else await _own(info)
    return SessionsEnded(ended=len(ended), sessions=[ActiveSession.of(r, info) for r in left])


@strawberry.type
class Query:
    @strawberry.field(
        description="The firm's security rules.", extensions=requires("firm", "manage")
    )
    def security_settings(self, info: Info) -> SecuritySettings:
        return SecuritySettings.of(info.context.tenant.settings or {})

    @strawberry.field(
        description="The viewer's working login sessions at this address, last used first "
        "(empty for an API token).",
        extensions=requires_login(),
    )
    async def active_sessions(self, info: Info) -> list[ActiveSession]:
        return [ActiveSession.of(row, info) for row in await _own(info)]


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="End one of the viewer's sessions at this address (the current one too: "
        "that logs out). Its open WebSockets are closed with 4403.",
        extensions=requires_login(),
    )
    async def end_session(self, info: Info, id: relay.GlobalID) -> EndSessionResult:
        if refused := _not_a_session(info):
            return refused
        principal = info.context.principal
        try:
            pk = await pk_of(info.context, "ActiveSession", id, field="id")
        except IdRefused:
            return error_result(info, Refused("NOT_FOUND"))  # type: ignore[no-any-return]
        assert principal.person_id is not None
        async with info.context.unit_of_work(shared=True) as session:
            ended = await sessions.end_session(
                session, principal.person_id, principal.tenant_id, pk
            )
            await _ended(info, session, ended)
        return await _result(info, ended)

    @strawberry.mutation(
        description="End every session of the viewer at this address but this one. Their open "
        "WebSockets are closed with 4403.",
        extensions=requires_login(),
    )
    async def end_other_sessions(self, info: Info) -> EndOtherSessionsResult:
        if refused := _not_a_session(info):
            return refused
        principal = info.context.principal
        assert principal.person_id is not None and principal.session_id is not None
        async with info.context.unit_of_work(shared=True) as session:
            ended = await sessions.end_other_sessions(
                session, principal.person_id, principal.tenant_id, principal.session_id
            )
            await _ended(info, session, ended)
        return await _result(info, ended)

    @strawberry.mutation(
        description="How long a session of this firm may stay unused before it stops working "
        f"(minutes, {idle.MIN_IDLE_MINUTES}..{idle.MAX_IDLE_MINUTES}; default "
        f"{idle.DEFAULT_IDLE_MINUTES}).",
        extensions=requires("firm", "manage"),
    )
    async def update_session_idle_timeout(
        self, info: Info, minutes: int
    ) -> SessionIdleTimeoutResult:
        tenant = info.context.tenant
        try:
            async with info.context.unit_of_work(shared=True) as session:
                settings = await sessions.set_idle_timeout(
                    session, tenant, minutes, by=request_actor(info, tenant)
                )
        except DomainError as exc:
            refused = Refused(
                exc.code, field=exc.field, low=idle.MIN_IDLE_MINUTES, high=idle.MAX_IDLE_MINUTES
            )
            return error_result(info, refused)  # type: ignore[no-any-return]
        # This process sees it at once; the others on the NOTIFY delivered at commit.
        info.context.services.registry.invalidate()
        return SecuritySettings.of(settings)
