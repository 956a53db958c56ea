"""Types of the clients module: organizations, contacts, people cards, enums and results."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry import relay

from saas.core.actor import actor_of, permissions_of
from saas.core.ids import (
    node_pks,
    resolved_by,
    tenant_rows,
)
from saas.core.modules import Grant
from saas.core.people import PeopleByIdLoader, PersonCardType, people_cards
from saas.modules.clients import service
from saas.modules.clients.graphql.enums import ContactStatus, OrganizationStatus
from saas.modules.clients.loaders import (
    ContactMembershipLoader,
    ContactsByIdLoader,
    ContactsByOrganizationLoader,
    GrantsByContactLoader,
    ModeratorsByOrganizationLoader,
    OrganizationsByIdLoader,
    ViewerGrantsLoader,
)
from saas.modules.clients.models import ClientContact as ContactRow
from saas.modules.clients.models import ClientOrganization as OrganizationRow
from saas.modules.clients.policy import ClientModule
from saas.modules.clients.validation import LegalForm, TaxRegime
from saas.rbac.enforcer import is_allowed
from saas.schema.context import Info, viewer_language
from saas.schema.errors import ConflictError, NotFoundError, ValidationError

# Objects of the catalog whose permissions concern one organization's work
# (`ClientOrganization.viewerPermissions`).
ORGANIZATION_OBJECTS = frozenset(
    {"clients", "client_contacts", "client_cabinet", "reports", "documents"}
)

# ------------------------------------------------------------------------------- ids


@resolved_by("ClientOrganization")
async def visible_organizations(ctx: Any, pks: list[int]) -> set[int]:
    """Organizations of the firm the caller may see (a client user: its granted ones)."""
    rows = await ctx.loader(OrganizationsByIdLoader).load_many(pks)
    return {row.id for row in rows if row is not None}


tenant_rows("ClientContact")


# ----------------------------------------------------------------------------- types


@strawberry.type(
    name="AvailableModule",
    description="A part of the client cabinet that is built: a firm can enable it for an "
    "organization and grant it to contacts.",
)
class AvailableModuleType:
    module: ClientModule
    name_ru: str
    name_en: str
    enabled_by_default: bool = strawberry.field(
        description="Enabled for a new organization created without `enabledModules`; the "
        "cabinet ticks it in advance for a new contact."
    )

    @classmethod
    def of(cls, grant: Grant) -> AvailableModuleType:
        return cls(
            module=ClientModule(grant.name),
            name_ru=grant.ru,
            name_en=grant.en,
            enabled_by_default=grant.default,
        )


@strawberry.type(
    name="ClientOrganization", description="A company or sole proprietor the firm serves."
)
class ClientOrganizationType(relay.Node):
    id: relay.NodeID[int]
    name: str
    legal_form: LegalForm
    inn: str = strawberry.field(description="ИНН: 10 digits (legal entity) or 12 (individual).")
    kpp: str | None = strawberry.field(description="КПП; legal entities only.")
    ogrn: str = strawberry.field(description="ОГРН (13 digits) or ОГРНИП (15 digits).")
    tax_regime: TaxRegime
    status: OrganizationStatus
    enabled_modules: list[ClientModule] = strawberry.field(
        description="Modules the firm offers this organization; contacts' grants stay within them."
    )
    has_employees: bool | None = strawberry.field(
        description="The employer status the firm stated (null: derived from the legal form)."
    )
    is_employer: bool = strawberry.field(
        description="Whether the tax calendar treats the organization as an employer."
    )
    created_at: datetime
    updated_at: datetime
    archived_at: datetime | None
    manager_pk: strawberry.Private[int | None]

    @classmethod
    def of(cls, row: OrganizationRow) -> ClientOrganizationType:
        return cls(
            id=row.id,
            name=row.name,
            legal_form=LegalForm(row.legal_form),
            inn=row.inn,
            kpp=row.kpp,
            ogrn=row.ogrn,
            tax_regime=TaxRegime(row.tax_regime),
            status=OrganizationStatus(row.status),
            enabled_modules=[m for m in ClientModule if m.value in row.enabled_modules],
            has_employees=row.has_employees,
            is_employer=service.is_employer(row.legal_form, row.has_employees),
            created_at=row.created_at,
            updated_at=row.updated_at,
            archived_at=row.archived_at,
            manager_pk=row.responsible_manager_person_id,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[ClientOrganizationType | None]:
        # `node(id:)` carries no permission of its own: the type's read permission applies.
        ids = list(node_ids)
        if not await is_allowed(info.context, "clients", "read"):
            return [None for _ in ids]
        keys = [pk or -1 for pk in node_pks(ids)]
        rows = await info.context.loader(OrganizationsByIdLoader).load_many(keys)
        return [cls.of(r) if r is not None else None for r in rows]

    @strawberry.field(description="The staff member responsible for this client.")
    async def responsible_manager(self, info: Info) -> PersonCardType | None:
        if self.manager_pk is None:
            return None
        card = await info.context.loader(PeopleByIdLoader).load(self.manager_pk)
        return PersonCardType.of(card) if card else None

    @strawberry.field(description="Staff co-managing this client besides the responsible manager.")
    async def moderators(self, info: Info) -> list[PersonCardType]:
        ids = await info.context.loader(ModeratorsByOrganizationLoader).load(self.id)
        return await people_cards(info, ids)

    @strawberry.field(
        description="Contact persons. Staff see all; a client admin the contacts of its "
        "organization; any other contact only itself."
    )
    async def contacts(
        self, info: Info, include_deactivated: bool = False
    ) -> list[ClientContactType]:
        rows = await info.context.loader(ContactsByOrganizationLoader).load(self.id)
        return [
            ClientContactType.of(r) for r in rows if include_deactivated or r.status == "active"
        ]

    @strawberry.field(
        description="Modules the viewer may use in this organization: every enabled module for "
        "firm staff, the effective grants for a contact person."
    )
    async def viewer_grants(self, info: Info) -> list[ClientModule]:
        return await viewer_grants(info, self.id, self.enabled_modules)

    @strawberry.field(
        description="What the viewer may do with this organization: the catalog permissions "
        "(`object:action`) of its roles that concern an organization's work (clients, "
        "client_contacts, client_cabinet, reports, documents), sorted. An organization the "
        "viewer can read is one it works on (staff without `clients:read_all`: assigned to "
        "it), so these apply to it. A contact person holds `client_contacts:manage` only "
        "where it is a client admin; its modules are `viewerGrants`."
    )
    async def viewer_permissions(self, info: Info) -> list[str]:
        held = [
            p
            for p in sorted(await permissions_of(info.context))
            if p.partition(":")[0] in ORGANIZATION_OBJECTS
        ]
        actor = actor_of(info.context)
        if actor.staff or "client_contacts:manage" not in held:
            return held
        contacts = await info.context.loader(ContactsByOrganizationLoader).load(self.id)
        admin = any(
            c.person_id == actor.person_id and c.status == "active" and c.is_client_admin
            for c in contacts
        )
        return held if admin else [p for p in held if p != "client_contacts:manage"]


async def viewer_grants(
    info: Info, org_pk: int, enabled: Iterable[ClientModule]
) -> list[ClientModule]:
    if actor_of(info.context).staff:
        return sorted(enabled, key=lambda m: list(ClientModule).index(m))
    granted = await info.context.loader(ViewerGrantsLoader).load(org_pk)
    return [m for m in ClientModule if m.value in granted]


@strawberry.type(name="ClientContact", description="A person representing a client organization.")
class ClientContactType(relay.Node):
    id: relay.NodeID[int]
    status: ContactStatus
    is_client_admin: bool = strawberry.field(
        description="Manages the contacts of its organization, within the modules the firm enabled."
    )
    created_at: datetime
    deactivated_at: datetime | None
    organization_pk: strawberry.Private[int]
    person_pk: strawberry.Private[int]

    @classmethod
    def of(cls, row: ContactRow) -> ClientContactType:
        return cls(
            id=row.id,
            status=ContactStatus(row.status),
            is_client_admin=row.is_client_admin,
            created_at=row.created_at,
            deactivated_at=row.deactivated_at,
            organization_pk=row.organization_id,
            person_pk=row.person_id,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[ClientContactType | None]:
        ids = list(node_ids)
        if not await is_allowed(info.context, "clients", "read"):
            return [None for _ in ids]
        keys = [pk or -1 for pk in node_pks(ids)]
        rows = await info.context.loader(ContactsByIdLoader).load_many(keys)
        return [cls.of(r) if r is not None else None for r in rows]

    @strawberry.field
    async def person(self, info: Info) -> PersonCardType | None:
        card = await info.context.loader(PeopleByIdLoader).load(self.person_pk)
        return PersonCardType.of(card) if card else None

    @strawberry.field
    async def organization(self, info: Info) -> ClientOrganizationType | None:
        row = await info.context.loader(OrganizationsByIdLoader).load(self.organization_pk)
        return ClientOrganizationType.of(row) if row else None

    @strawberry.field(
        description="Modules this contact may use in its organization: granted, and enabled "
        "by the firm there. A grant of a module the firm switched off for the organization "
        "is kept (it counts again if the module is switched back on) but not listed."
    )
    async def grants(self, info: Info) -> list[ClientModule]:
        modules = set(await info.context.loader(GrantsByContactLoader).load(self.id))
        row = await info.context.loader(OrganizationsByIdLoader).load(self.organization_pk)
        if row is not None:
            modules &= set(row.enabled_modules or ())
        return [m for m in ClientModule if m.value in modules]

    @strawberry.field(
        description="False until the person accepts the invitation (or after deactivation)."
    )
    async def invitation_accepted(self, info: Info) -> bool:
        return bool(
            await info.context.loader(ContactMembershipLoader).load(
                (self.person_pk, self.organization_pk)
            )
        )


# ----------------------------------------------------------------------------- results

ClientOrganizationResult = Annotated[
    ClientOrganizationType | ValidationError | NotFoundError | ConflictError,
    strawberry.union("ClientOrganizationResult"),
]
ClientOrganizationLookup = Annotated[
    ClientOrganizationType | NotFoundError, strawberry.union("ClientOrganizationLookup")
]
ClientContactResult = Annotated[
    ClientContactType | ValidationError | NotFoundError | ConflictError,
    strawberry.union("ClientContactResult"),
]


def not_found_result(info: Info) -> NotFoundError:
    exc = service.not_found()
    return NotFoundError(code=exc.code, message=exc.message_in(viewer_language(info)))


# ------------------------------------------------------------------------------ inputs
