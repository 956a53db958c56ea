"""Grants: a contact may use a module of an organization when it holds the grant and the firm
has that module enabled for the organization (`grants_for`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, false, func, select

from saas.core.actor import Actor, organization_filter
from saas.core.modules import Grant, offered_grant, registered_grants
from saas.modules.clients.models import (
    ClientContact,
    ClientGrant,
    ClientOrganization,
)
from saas.modules.clients.policy import PLANNED_LABELS, ClientModule
from saas.modules.clients.service.errors import ClientsError

log = logging.getLogger(__name__)


def _effective_grants(
    columns: Sequence[Any], person: ColumnElement[bool], org_ids: Iterable[int]
) -> Select:
    """The effective grants (an active contact of an active organization, the module enabled
    by the firm there) of the people `person` selects, among organizations `org_ids`."""
    return (
        select(*columns)
        .select_from(ClientGrant)
        .join(ClientContact, ClientContact.id == ClientGrant.contact_id)
        .join(ClientOrganization, ClientOrganization.id == ClientContact.organization_id)
        .where(
            person,
            ClientContact.organization_id.in_(sorted(set(org_ids))),
            ClientContact.status == "active",
            ClientOrganization.status == "active",
            ClientGrant.module == func.any(ClientOrganization.enabled_modules),
        )
    )


def grants_statement(person_id: int, org_ids: Iterable[int]) -> Select:
    """(organization id, module) of the effective grants of a person."""
    return _effective_grants(
        (ClientContact.organization_id, ClientGrant.module),
        ClientContact.person_id == person_id,
        org_ids,
    )


def granted_organizations(person_id: int, org_ids: Iterable[int], module: str) -> Any:
    """The organizations among `org_ids` granting `person_id` `module` (a scalar subquery)."""
    return (
        grants_statement(person_id, org_ids)
        .where(ClientGrant.module == module)
        .with_only_columns(ClientOrganization.id)
        .scalar_subquery()
    )


def granted_scope(actor: Actor, column: Any, module: str) -> ColumnElement[bool] | None:
    """The one clause a module limits a column of organization ids with (None: every one):
    staff see the organizations of the core's `organization_filter` (firm-wide with
    `clients:read_all`, else those assigned to them); a client user those granting it
    `module` (an active contact, the module enabled for the organization); anyone else
    none."""
    if actor.staff:
        return organization_filter(actor, column)
    if actor.person_id is None or not actor.client_org_ids:
        return false()
    return column.in_(granted_organizations(actor.person_id, actor.client_org_ids, module))


def people_grants_statement(person_ids: Iterable[int], org_ids: Iterable[int]) -> Select:
    """(person id, organization id, module) of the effective grants of several people, in
    one statement (e.g. every live subscriber of a firm at once)."""
    return _effective_grants(
        (ClientContact.person_id, ClientContact.organization_id, ClientGrant.module),
        ClientContact.person_id.in_(sorted(set(person_ids))),
        org_ids,
    )


async def grants_for(ctx_or_session: Any, person_id: int | None, org_id: int) -> set[str]:
    """The modules `person_id` may use in organization `org_id` of the bound firm: granted to
    its active contact there and enabled by the firm for that organization. Accepts the
    GraphQL context (reads through ctx.db) or a tenant-bound session."""
    if person_id is None:
        return set()
    session = getattr(ctx_or_session, "db", ctx_or_session)
    rows = await session.execute(grants_statement(person_id, [org_id]))
    return {module for _, module in rows}


MODULE_ORDER = {m.value: i for i, m in enumerate(ClientModule)}


def offered_modules() -> list[Grant]:
    """The grants of built modules (saas.core.modules) the API can name, in the order of
    ClientModule: what a firm can enable and grant."""
    grants = (g for g in registered_grants() if g.name in MODULE_ORDER)
    return sorted(grants, key=lambda g: MODULE_ORDER[g.name])


def default_modules() -> list[str]:
    """Enabled for a new organization (and pre-ticked for a new contact by the cabinet)."""
    return [g.name for g in offered_modules() if g.default]


def _planned_label(module: str, language: int) -> str:
    words = PLANNED_LABELS.get(ClientModule(module))
    return words[language] if words else module


def check_modules(modules: Iterable[str], allowed: Iterable[str], field: str) -> list[str]:
    """The modules, known, built and within `allowed`, in the canonical order of
    ClientModule."""
    wanted = sorted(set(modules), key=lambda m: (MODULE_ORDER.get(m, len(MODULE_ORDER)), m))
    unknown = [m for m in wanted if m not in MODULE_ORDER]
    if unknown:
        raise ClientsError(
            "validation",
            "UNKNOWN_MODULE",
            f"Неизвестный раздел: {', '.join(unknown)}.",
            f"Unknown module: {', '.join(unknown)}.",
            field,
        )
    not_built = [m for m in wanted if offered_grant(m) is None]
    if not_built:
        raise ClientsError(
            "validation",
            "MODULE_NOT_AVAILABLE",
            "Раздел пока недоступен: " + ", ".join(_planned_label(m, 0) for m in not_built) + ".",
            "Not available yet: " + ", ".join(_planned_label(m, 1) for m in not_built) + ".",
            field,
        )
    outside = [m for m in wanted if m not in set(allowed)]
    if outside:
        raise ClientsError(
            "validation",
            "MODULE_DISABLED",
            f"Разделы отключены фирмой для этой организации: {', '.join(outside)}.",
            f"Modules disabled by the firm for this organization: {', '.join(outside)}.",
            field,
        )
    return wanted
