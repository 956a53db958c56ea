"""Client organizations: create, update, archive and restore, and the filtered list."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from saas.auth.live import announce, grants_key
from saas.auth.models import Membership
from saas.core.actor import Actor
from saas.core.audit import audit
from saas.core.lifecycle import organization_created
from saas.core.search import contains_pattern
from saas.modules.clients.models import (
    ClientOrganization,
    ClientOrgModerator,
)
from saas.modules.clients.validation import (
    InvalidField,
    LegalForm,
    Requisites,
    TaxRegime,
    validate_requisites,
)

if TYPE_CHECKING:
    pass
from saas.modules.clients.service.errors import ClientsError
from saas.modules.clients.service.grants import check_modules, default_modules, offered_modules
from saas.modules.clients.service.scope import access_organization, scope_organizations

log = logging.getLogger(__name__)


@dataclass
class OrganizationInput:
    name: str
    legal_form: LegalForm
    inn: str
    kpp: str | None
    ogrn: str
    tax_regime: TaxRegime
    responsible_manager_id: int | None = None
    moderator_ids: Sequence[int] = ()
    enabled_modules: Sequence[str] | None = None
    # The employer status (the tax calendar's 6-НДФЛ/РСВ); None: derived from the legal form.
    has_employees: bool | None = None


INDIVIDUAL_FORMS = frozenset({"ip", "kfh"})  # individual entrepreneurs


def is_employer(legal_form: str, has_employees: bool | None) -> bool:
    """The employer status (6-НДФЛ, РСВ): as the firm stated it, else derived from the legal
    form: an organization always is (its director is insured), an individual entrepreneur
    only with employees."""
    return has_employees if has_employees is not None else legal_form not in INDIVIDUAL_FORMS


UNSET_EMPLOYER: Any = object()  # OrganizationChanges.has_employees left as it is


@dataclass
class OrganizationChanges:
    """A partial update: None leaves a field as it is (`kpp=""` clears the KPP)."""

    name: str | None = None
    legal_form: LegalForm | None = None
    inn: str | None = None
    kpp: str | None = None
    ogrn: str | None = None
    tax_regime: TaxRegime | None = None
    enabled_modules: Sequence[str] | None = None
    # UNSET_EMPLOYER leaves it; None clears it (derived from the legal form again).
    has_employees: bool | None = UNSET_EMPLOYER


def _validated(*args: Any) -> Requisites:
    try:
        return validate_requisites(*args)
    except InvalidField as exc:
        raise ClientsError.invalid(exc) from exc


async def _ensure_unique(
    session: AsyncSession, requisites: Requisites, exclude_id: int | None = None
) -> None:
    stmt = select(ClientOrganization.id).where(
        ClientOrganization.status == "active",
        ClientOrganization.inn == requisites.inn,
        ClientOrganization.kpp.is_not_distinct_from(requisites.kpp),
    )
    if exclude_id is not None:
        stmt = stmt.where(ClientOrganization.id != exclude_id)
    if await session.scalar(stmt.limit(1)) is not None:
        raise _duplicate(requisites)


def _duplicate(requisites: Requisites) -> ClientsError:
    kpp = f" / КПП {requisites.kpp}" if requisites.kpp else ""
    kpp_en = f" / KPP {requisites.kpp}" if requisites.kpp else ""
    return ClientsError(
        "conflict",
        "DUPLICATE_INN",
        f"ИНН {requisites.inn}{kpp}: такая организация уже обслуживается.",
        f"INN {requisites.inn}{kpp_en}: an active organization with these numbers already exists.",
        "inn",
    )


async def staff_person_ids(
    shared: AsyncSession, tenant_id: int, person_ids: Iterable[int]
) -> set[int]:
    """Which of these people are active staff of the firm (shared schema)."""
    ids = sorted(set(person_ids))
    if not ids:
        return set()
    rows = (
        await shared.execute(
            select(Membership.person_id).where(
                Membership.tenant_id == tenant_id,
                Membership.kind == "staff",
                Membership.status == "active",
                Membership.person_id.in_(ids),
            )
        )
    ).scalars()
    return set(rows)


async def active_staff_ids(shared: AsyncSession, tenant_id: int) -> list[int]:
    """Every active staff member of the firm (shared schema)."""
    rows = await shared.execute(
        select(Membership.person_id)
        .where(
            Membership.tenant_id == tenant_id,
            Membership.kind == "staff",
            Membership.status == "active",
        )
        .distinct()
    )
    return sorted(rows.scalars())


async def check_staff(shared: AsyncSession, actor: Actor, ids: Sequence[int], field: str) -> None:
    missing = sorted(set(ids) - await staff_person_ids(shared, actor.tenant_id, ids))
    if missing:
        raise ClientsError(
            "validation",
            "NOT_STAFF",
            "Ответственным или модератором может быть только сотрудник фирмы.",
            "Only active staff of the firm can be the responsible manager or a moderator.",
            field,
        )


async def _flush_unique(session: AsyncSession, requisites: Requisites) -> None:
    """The partial unique index settles races between two concurrent creations."""
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:
        if "uq_client_organizations_inn_kpp_active" in str(exc.orig):
            raise _duplicate(requisites) from exc
        raise


async def _creator_as_manager(shared: AsyncSession, actor: Actor) -> int | None:
    """The responsible manager when none is named: the staff person creating the
    organization, so a manager without `clients:read_all` keeps sight of it. An API token
    (or a job) names nobody: the organization stays without a manager, as before."""
    if actor.kind != "person" or actor.person_id is None or not actor.staff:
        return None
    staff = await staff_person_ids(shared, actor.tenant_id, [actor.person_id])
    return actor.person_id if actor.person_id in staff else None


async def create_organization(
    session: AsyncSession, shared: AsyncSession, actor: Actor, data: OrganizationInput
) -> ClientOrganization:
    requisites = _validated(
        data.name, data.legal_form, data.inn, data.kpp, data.ogrn, data.tax_regime
    )
    modules = check_modules(
        default_modules() if data.enabled_modules is None else data.enabled_modules,
        [g.name for g in offered_modules()],
        "enabledModules",
    )
    manager_id = data.responsible_manager_id
    if manager_id is not None:
        await check_staff(shared, actor, [manager_id], "responsibleManagerId")
    else:
        manager_id = await _creator_as_manager(shared, actor)
    await check_staff(shared, actor, data.moderator_ids, "moderatorIds")
    await _ensure_unique(session, requisites)
    org = ClientOrganization(
        name=requisites.name,
        legal_form=requisites.legal_form.value,
        inn=requisites.inn,
        kpp=requisites.kpp,
        ogrn=requisites.ogrn,
        tax_regime=requisites.tax_regime.value,
        enabled_modules=modules,
        responsible_manager_person_id=manager_id,
        has_employees=data.has_employees,
        status="active",
    )
    session.add(org)
    await _flush_unique(session, requisites)
    for person_id in sorted(set(data.moderator_ids)):
        session.add(ClientOrgModerator(organization_id=org.id, person_id=person_id))
    await organization_created(session, org.id)
    await audit(
        session,
        actor,
        "client_organization.create",
        "client_organization",
        org.id,
        inn=org.inn,
        name=org.name,
    )
    await session.flush()
    return org


async def update_organization(
    session: AsyncSession, actor: Actor, org_id: int | None, changes: OrganizationChanges
) -> ClientOrganization:
    org = await access_organization(session, actor, org_id)
    if org.status != "active":
        raise ClientsError(
            "conflict",
            "ARCHIVED",
            "Организация в архиве: сначала восстановите её.",
            "The organization is archived; restore it first.",
        )
    requisites = _validated(
        org.name if changes.name is None else changes.name,
        LegalForm(org.legal_form) if changes.legal_form is None else changes.legal_form,
        org.inn if changes.inn is None else changes.inn,
        org.kpp if changes.kpp is None else changes.kpp,
        org.ogrn if changes.ogrn is None else changes.ogrn,
        TaxRegime(org.tax_regime) if changes.tax_regime is None else changes.tax_regime,
    )
    if (requisites.inn, requisites.kpp) != (org.inn, org.kpp):
        await _ensure_unique(session, requisites, exclude_id=org.id)
    if changes.enabled_modules is not None:
        offered = [g.name for g in offered_modules()]
        org.enabled_modules = check_modules(changes.enabled_modules, offered, "enabledModules")
        await announce(session, grants_key(actor.tenant_id))  # live subscribers re-read grants
    before: dict[str, Any] = {
        "name": org.name,
        "inn": org.inn,
        "kpp": org.kpp,
        "tax_regime": org.tax_regime,
    }
    if changes.has_employees is not UNSET_EMPLOYER:
        before["has_employees"] = org.has_employees
        org.has_employees = changes.has_employees
    org.name, org.legal_form, org.inn = requisites.name, requisites.legal_form.value, requisites.inn
    org.kpp, org.ogrn, org.tax_regime = requisites.kpp, requisites.ogrn, requisites.tax_regime.value
    org.updated_at = datetime.now(UTC)
    await _flush_unique(session, requisites)
    await audit(
        session, actor, "client_organization.update", "client_organization", org.id, before=before
    )
    return org


def _requisites_of(org: ClientOrganization) -> Requisites:
    return Requisites(
        org.name, LegalForm(org.legal_form), org.inn, org.kpp, org.ogrn, TaxRegime(org.tax_regime)
    )


async def set_organization_status(
    session: AsyncSession, actor: Actor, org_id: int | None, status: str
) -> ClientOrganization:
    """Archive (status='archived') or restore (status='active') an organization."""
    org = await access_organization(session, actor, org_id)
    if org.status == status:
        return org
    if status == "active":
        await _ensure_unique(session, _requisites_of(org), exclude_id=org.id)
    org.status = status
    org.archived_at = datetime.now(UTC) if status == "archived" else None
    await announce(session, grants_key(actor.tenant_id))  # live subscribers re-read grants
    org.updated_at = datetime.now(UTC)
    await _flush_unique(session, _requisites_of(org))
    action = "archive" if status == "archived" else "restore"
    await audit(session, actor, f"client_organization.{action}", "client_organization", org.id)
    return org


@dataclass
class OrganizationFilter:
    search: str | None = None
    status: str | None = None
    tax_regime: str | None = None
    responsible_manager_id: int | None = None


def filtered_organizations(actor: Actor, where: OrganizationFilter) -> Select:
    stmt = scope_organizations(select(ClientOrganization), actor)
    if where.search and where.search.strip():
        needle = where.search.strip()
        stmt = stmt.where(
            or_(
                ClientOrganization.name.ilike(contains_pattern(needle)),
                ClientOrganization.inn.like(contains_pattern(needle)),
            )
        )
    if where.status is not None:
        stmt = stmt.where(ClientOrganization.status == where.status)
    if where.tax_regime is not None:
        stmt = stmt.where(ClientOrganization.tax_regime == where.tax_regime)
    if where.responsible_manager_id is not None:
        stmt = stmt.where(
            ClientOrganization.responsible_manager_person_id == where.responsible_manager_id
        )
    return stmt
