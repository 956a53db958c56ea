"""Queries: `clientOrganizations` (Relay connection with search and filters),
`clientOrganization`, `viewerGrants`, `availableModules`, `assignableStaff`. Every read goes
through the row scope of the service.
"""

from __future__ import annotations

from collections.abc import Iterable

import strawberry
from strawberry import relay

from saas.core.actor import actor_of
from saas.core.ids import (
    IdRefused,
    filter_pk,
    pk_of,
)
from saas.core.people import PersonCardType, people_cards
from saas.modules.clients import service
from saas.modules.clients.graphql.types import (
    AvailableModuleType,
    ClientOrganizationLookup,
    ClientOrganizationType,
    OrganizationStatus,
    not_found_result,
    viewer_grants,
)
from saas.modules.clients.loaders import (
    OrganizationsByIdLoader,
)
from saas.modules.clients.models import ClientOrganization as OrganizationRow
from saas.modules.clients.policy import ClientModule
from saas.modules.clients.validation import TaxRegime
from saas.rbac.permissions import requires, requires_any
from saas.schema.context import Info
from saas.schema.errors import error_result
from saas.schema.relay import Connection, Keyset


@strawberry.type
class Query:
    @relay.connection(
        Connection[ClientOrganizationType],
        description="Client organizations, by name. Staff see the firm's; a client user only "
        "its own. `search` matches a part of the name or of the INN.",
        extensions=requires("clients", "read"),
    )
    def client_organizations(
        self,
        info: Info,
        search: str | None = None,
        status: OrganizationStatus | None = OrganizationStatus.ACTIVE,
        tax_regime: TaxRegime | None = None,
        responsible_manager_id: strawberry.ID | None = None,
    ) -> Iterable[ClientOrganizationType]:
        where = service.OrganizationFilter(
            search=search,
            status=status.value if status is not None else None,
            tax_regime=tax_regime.value if tax_regime is not None else None,
            # A filter of the firm's own rows: nobody else's person matches any.
            responsible_manager_id=None
            if responsible_manager_id is None
            else filter_pk(responsible_manager_id, "Person"),
        )
        statement = service.filtered_organizations(actor_of(info.context), where)
        return Keyset(  # type: ignore[return-value]
            statement,
            key=(OrganizationRow.name, OrganizationRow.id),
            node=ClientOrganizationType.of,
        )

    @strawberry.field(
        description="One client organization; NotFoundError when it does not exist or is not "
        "visible to the viewer.",
        extensions=requires("clients", "read"),
    )
    async def client_organization(self, info: Info, id: strawberry.ID) -> ClientOrganizationLookup:
        try:
            pk = await pk_of(info.context, "ClientOrganization", id, field="id")
        except IdRefused as exc:
            return error_result(info, exc)  # type: ignore[no-any-return]
        row = await info.context.loader(OrganizationsByIdLoader).load(pk)
        return ClientOrganizationType.of(row) if row else not_found_result(info)

    @strawberry.field(
        description="Modules the viewer may use in an organization (empty when it is not "
        "visible). Staff: every enabled module; a contact: its effective grants.",
        extensions=requires("clients", "read"),
    )
    async def viewer_grants(self, info: Info, organization_id: strawberry.ID) -> list[ClientModule]:
        try:
            pk = await pk_of(
                info.context, "ClientOrganization", organization_id, field="organizationId"
            )
        except IdRefused:
            return []  # documented: empty when the organization is not visible
        row = await info.context.loader(OrganizationsByIdLoader).load(pk)
        if row is None:
            return []
        return await viewer_grants(info, row.id, [ClientModule(m) for m in row.enabled_modules])

    @strawberry.field(
        description="The modules whose part of the cabinet is built, in order: what "
        "`enabledModules` and contacts' grants accept. A `ClientModule` value not listed here "
        "belongs to a module not built yet: enabling or granting it answers a ValidationError "
        "MODULE_NOT_AVAILABLE.",
        extensions=requires("clients", "read"),
    )
    def available_modules(self) -> list[AvailableModuleType]:
        return [AvailableModuleType.of(grant) for grant in service.offered_modules()]

    @strawberry.field(
        description="The firm's active staff, by name: who can be a client's responsible "
        "manager or a moderator (the pickers of the client card and the new-client form).",
        extensions=requires_any(("clients", "write"), ("clients", "manage")),
    )
    async def assignable_staff(self, info: Info) -> list[PersonCardType]:
        ctx = info.context
        ids = await service.active_staff_ids(ctx.shared, ctx.tenant.id)
        cards = await people_cards(info, ids)
        return sorted(cards, key=lambda c: ((c.display_name or c.email).lower(), c.pk))


# ---------------------------------------------------------------------------- mutation
