"""The firm's API tokens for integrators: `apiTokens`, `createApiToken`, `revokeApiToken`."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry import relay

from saas.auth.graphql.audit import request_actor
from saas.auth.graphql.errors import domain_error, not_found
from saas.auth.graphql.request import request_language
from saas.auth.models import ApiToken as ApiTokenRow
from saas.auth.service import api_tokens as service
from saas.core.ids import IdRefused, node_pks, pk_of, resolved_by
from saas.rbac.enforcer import is_allowed
from saas.rbac.permissions import requires
from saas.schema.context import Info
from saas.schema.errors import DomainError, NotFoundError, ValidationError


@strawberry.type(
    description="An integrator's API token of this firm (the secret is never shown again)."
)
class ApiToken(relay.Node):
    id: relay.NodeID[int]
    name: str
    role: str
    prefix: str = strawberry.field(
        description="The first characters of the secret, to recognize it."
    )
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def of(cls, row: ApiTokenRow) -> ApiToken:
        return cls(
            id=row.id,
            name=row.name,
            role=row.role,
            prefix=row.prefix,
            created_at=row.created_at,
            expires_at=row.expires_at,
            last_used_at=row.last_used_at,
            revoked_at=row.revoked_at,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[ApiToken | None]:
        ids = list(node_ids)
        tenant = info.context.tenant_or_none
        if tenant is None or not await is_allowed(info.context, "tokens", "manage"):
            return [None for _ in ids]
        pks = node_pks(ids)
        rows = await service.api_tokens_of(
            info.context.shared, tenant, [pk for pk in pks if pk is not None]
        )
        by_id = {r.id: r for r in rows}
        return [ApiToken.of(by_id[pk]) if pk in by_id else None for pk in pks]


@strawberry.type(description="The new token: copy `token` now, it is shown only once.")
class ApiTokenCreated:
    token: str
    api_token: ApiToken


@strawberry.type(description="The token is refused from now on.")
class ApiTokenRevoked:
    api_token: ApiToken


CreateApiTokenResult = Annotated[
    ApiTokenCreated | ValidationError, strawberry.union("CreateApiTokenResult")
]
RevokeApiTokenResult = Annotated[
    ApiTokenRevoked | NotFoundError, strawberry.union("RevokeApiTokenResult")
]


@resolved_by("ApiToken")
async def api_tokens_of_firm(ctx: Any, pks: list[int]) -> set[int]:
    return {row.id for row in await service.api_tokens_of(ctx.shared, ctx.tenant, pks)}


@strawberry.type
class Query:
    @strawberry.field(
        description="The firm's API tokens, newest first.", extensions=requires("tokens", "manage")
    )
    async def api_tokens(self, info: Info) -> list[ApiToken]:
        rows = await service.api_tokens_of(info.context.shared, info.context.tenant)
        return [ApiToken.of(r) for r in rows]


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Create an API token for an integrator; the secret is in the result only.",
        extensions=requires("tokens", "manage"),
    )
    async def create_api_token(
        self, info: Info, name: str, role: str = "integrator", expires_in_days: int = 365
    ) -> CreateApiTokenResult:
        tenant = info.context.tenant
        try:
            async with info.context.unit_of_work(shared=True) as session:
                row, secret = await service.create_api_token(
                    session,
                    tenant,
                    info.context.principal.person_id,
                    name,
                    role,
                    expires_in_days,
                    by=request_actor(info, tenant),
                )
        except DomainError as exc:
            return domain_error(exc, request_language(info))  # type: ignore[return-value]
        return ApiTokenCreated(token=secret, api_token=ApiToken.of(row))

    @strawberry.mutation(
        description="Revoke an API token of this firm at once.",
        extensions=requires("tokens", "manage"),
    )
    async def revoke_api_token(self, info: Info, id: relay.GlobalID) -> RevokeApiTokenResult:
        tenant = info.context.tenant
        try:
            pk = await pk_of(info.context, "ApiToken", id, field="id")
        except IdRefused:
            return not_found(request_language(info))
        async with info.context.unit_of_work(shared=True) as session:
            row = await service.revoke_api_token(
                session, tenant, pk, by=request_actor(info, tenant)
            )
        if row is None:
            return not_found(request_language(info))
        return ApiTokenRevoked(api_token=ApiToken.of(row))
