"""The viewer (`viewer`) and its cabinets at every firm (`Viewer.cabinets`, `openCabinet`)."""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum
from typing import Annotated

import strawberry
from strawberry import relay

from saas.auth.models import Person
from saas.auth.service import cabinets as service
from saas.auth.service.errors import Refused
from saas.auth.service.totp import recovery_codes_left
from saas.core.actor import permissions_of
from saas.rbac.permissions import requires_login
from saas.schema.context import Info
from saas.schema.errors import NotFoundError, error_result
from saas.tenants.graphql import Firm


@strawberry.enum(description="What a person is in a cabinet.")
class CabinetKind(Enum):
    STAFF = "staff"
    CLIENT = "client"
    PERFORMER = "performer"


@strawberry.type(
    description="One cabinet a person can open: a firm workspace, a client organization's "
    "cabinet, or a performer's."
)
class Cabinet:
    key: str = strawberry.field(
        description="Stable key to pass to openCabinet, e.g. 'firm-a:staff' or 'firm-a:client:12'."
    )
    kind: CabinetKind
    firm: Firm
    organization_id: int | None = strawberry.field(
        description="The client organization (client cabinets)."
    )
    organization_name: str | None
    roles: list[str]
    url: str = strawberry.field(description="The firm's address (absolute URL).")

    @classmethod
    def of(cls, entry: service.CabinetEntry) -> Cabinet:
        return cls(
            key=entry.key,
            kind=CabinetKind(entry.kind),
            firm=Firm.of(entry.tenant),
            organization_id=entry.client_org_id,
            organization_name=entry.organization_name,
            roles=list(entry.roles),
            url=entry.url,
        )


@strawberry.type(description="Open this URL in the browser (valid for one minute, once).")
class CabinetOpened:
    url: str
    cabinet: Cabinet


OpenCabinetResult = Annotated[CabinetOpened | NotFoundError, strawberry.union("OpenCabinetResult")]


@strawberry.type(description="The person who is logged in.")
class Viewer(relay.Node):
    id: relay.NodeID[int]
    email: str
    display_name: str
    locale: str
    totp_enabled: bool
    mfa_pending: bool = strawberry.field(
        default=False,
        description="The firm requires TOTP and this session has not set it up yet: only "
        "enrollment is allowed until then.",
    )

    @classmethod
    def of(cls, person: Person, *, mfa_pending: bool = False) -> Viewer:
        return cls(
            id=person.id,
            email=person.email,
            display_name=person.display_name,
            locale=person.locale,
            totp_enabled=person.totp_enabled,
            mfa_pending=mfa_pending,
        )

    @strawberry.field(
        description="What the viewer may do in the firm of this host: every catalog permission "
        "(`object:action`, as in `permissionCatalog`) its roles hold here, sorted; empty at "
        "the platform's own host. Without `clients:read_all`, staff work on the organizations "
        "assigned to them only: per organization, see `ClientOrganization.viewerPermissions`."
    )
    async def permissions(self, info: Info) -> list[str]:
        if info.context.tenant_or_none is None:
            return []
        return sorted(await permissions_of(info.context))

    @strawberry.field(
        description="How many of the viewer's TOTP recovery codes are still unused (0 without "
        "TOTP): regenerate them (`regenerateRecoveryCodes`) before they run out."
    )
    async def recovery_codes_left(self, info: Info) -> int:
        if not self.totp_enabled:
            return 0
        return await recovery_codes_left(info.context.shared, int(self.id))

    @strawberry.field(description="Every cabinet of this person at every firm.")
    async def cabinets(self, info: Info) -> list[Cabinet]:
        entries = await service.cabinets_of(
            info.context.services, info.context.shared, int(self.id)
        )
        return [Cabinet.of(e) for e in entries]

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Viewer | None]:
        out: list[Viewer | None] = []
        for node_id in node_ids:
            out.append(
                await viewer_of(info) if str(info.context.principal.person_id) == node_id else None
            )
        return out


async def viewer_of(info: Info) -> Viewer | None:
    principal = info.context.principal
    if principal.kind != "person" or principal.person_id is None:
        return None
    person = await info.context.shared.get(Person, principal.person_id)
    return Viewer.of(person, mfa_pending=principal.mfa_pending) if person else None


@strawberry.type
class Query:
    @strawberry.field(
        description="The person who is logged in; null when anonymous or called with an API token."
    )
    async def viewer(self, info: Info) -> Viewer | None:
        return await viewer_of(info)


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="A one-minute, single-use link that opens one of the viewer's cabinets at "
        "its firm's address.",
        extensions=requires_login(),
    )
    async def open_cabinet(self, info: Info, key: str) -> OpenCabinetResult:
        person_id = info.context.principal.person_id
        issued = None
        if person_id is not None and service.parse_cabinet_key(key):
            issued = await service.issue_handoff(info.context.services, person_id, key)
        if issued is None:
            return error_result(info, Refused("CABINET_NOT_FOUND"))  # type: ignore[no-any-return]
        entry, url = issued
        return CabinetOpened(url=url, cabinet=Cabinet.of(entry))
