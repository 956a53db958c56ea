"""Domain rules of client organizations and their contact persons. No GraphQL here.

Two ideas carry the module:
- Row scoping (NetBox style): `scope_organizations` is the one hook on the base query.
  Firm staff (and the firm's API tokens) see every organization of the firm; a client user
  sees only the active organizations it is an active contact of. Lists, `access_organization`
  (the only way to load one by id for an actor, Zulip style), loaders and nested fields all go
  through it, so an organization outside the scope is simply not found.
- Grants: a contact may use a module of an organization when it holds the grant and the firm
  has that module enabled for the organization (`grants_for`).

Functions take (session, actor, ...) and flush, never commit: the caller owns the unit of
work. Operations that write both schemas (inviting, deactivating) take a `Cabinet` (the
GraphQL context satisfies it) and commit the shared part first: a failure in between leaves
access revoked rather than granted.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import ColumnElement, Select, and_, exists, false, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from saas.auth.live import announce, end_sessions, grants_key, person_key, token_key
from saas.auth.models import ApiToken, Invitation, LoginSession, Membership, Person
from saas.core.actor import Actor
from saas.core.audit import audit
from saas.core.commit import after_commit
from saas.modules.clients.models import (
    ClientContact,
    ClientGrant,
    ClientOrganization,
    ClientOrgModerator,
)
from saas.modules.clients.policy import ALL_MODULES, ClientModule
from saas.modules.clients.validation import (
    InvalidField,
    LegalForm,
    Requisites,
    TaxRegime,
    validate_requisites,
)
from saas.schema.errors import DomainError, LocalizedError, PublicError

if TYPE_CHECKING:
    from saas.tenants.registry import TenantRef

log = logging.getLogger(__name__)

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


# ---------------------------------------------------------------------------------- errors


class ClientsError(LocalizedError):
    """An expected refusal of the clients module (and of modules built on it)."""

    @classmethod
    def invalid(cls, exc: InvalidField) -> ClientsError:
        return cls("validation", exc.code, exc.text.ru, exc.text.en, exc.field)


def not_found(
    ru: str = "Организация не найдена или недоступна.",
    en: str = "Organization not found or not visible to you.",
) -> ClientsError:
    return ClientsError("not_found", "NOT_FOUND", ru, en)


def forbidden(en: str) -> PublicError:
    return PublicError(en, code="FORBIDDEN")


# ------------------------------------------------------------------------------- scoping


def organization_scope(actor: Actor) -> ColumnElement[bool] | None:
    """The WHERE clause limiting organizations to what `actor` may see (None: everything)."""
    if actor.staff:
        return None
    if actor.person_id is None or not actor.client_org_ids:
        return false()
    # An alias: the clause is also used in queries whose FROM already holds client_contacts.
    own = aliased(ClientContact)
    active_contact = exists().where(
        own.organization_id == ClientOrganization.id,
        own.person_id == actor.person_id,
        own.status == "active",
    )
    return and_(
        ClientOrganization.id.in_(sorted(actor.client_org_ids)),
        ClientOrganization.status == "active",
        active_contact,
    )


def scope_organizations(stmt: Select, actor: Actor) -> Select:
    """The one hook on every query of organizations."""
    clause = organization_scope(actor)
    return stmt if clause is None else stmt.where(clause)


def scope_contacts(stmt: Select, actor: Actor) -> Select:
    """Contacts visible to the actor: staff see all; a client admin sees the contacts of the
    organizations it administers; any other contact sees itself. Always within the visible
    organizations."""
    stmt = stmt.join(ClientOrganization, ClientOrganization.id == ClientContact.organization_id)
    stmt = scope_organizations(stmt, actor)
    if actor.staff:
        return stmt
    admin = aliased(ClientContact)
    administered = (
        select(admin.organization_id)
        .where(
            admin.person_id == actor.person_id,
            admin.status == "active",
            admin.is_client_admin.is_(True),
        )
        .scalar_subquery()
    )
    return stmt.where(
        or_(
            ClientContact.person_id == actor.person_id,
            ClientContact.organization_id.in_(administered),
        )
    )


async def access_organization(
    session: AsyncSession, actor: Actor, org_id: int | None
) -> ClientOrganization:
    """The only way to load one organization by id for an actor."""
    if org_id is None:
        raise not_found()
    org = (
        await session.execute(
            scope_organizations(
                select(ClientOrganization).where(ClientOrganization.id == org_id), actor
            )
        )
    ).scalar_one_or_none()
    if org is None:
        raise not_found()
    return org


async def access_contact(
    session: AsyncSession, actor: Actor, contact_id: int | None, *, manage: bool = False
) -> tuple[ClientContact, ClientOrganization]:
    """A contact the actor may see; with manage=True, one it may also manage (staff, or a
    client admin of that organization)."""
    missing = not_found(
        "Контактное лицо не найдено или недоступно.", "Contact not found or not visible to you."
    )
    if contact_id is None:
        raise missing
    row = (
        await session.execute(
            scope_contacts(
                select(ClientContact, ClientOrganization).where(ClientContact.id == contact_id),
                actor,
            )
        )
    ).one_or_none()
    if row is None:
        raise missing
    contact, org = row[0], row[1]
    if manage and not actor.staff and not await is_client_admin_of(session, actor, org.id):
        raise forbidden(
            "Only the firm or a client admin of this organization manages its contacts."
        )
    return contact, org


async def is_client_admin_of(session: AsyncSession, actor: Actor, org_id: int) -> bool:
    if actor.person_id is None or org_id not in actor.client_org_ids:
        return False
    return bool(
        await session.scalar(
            select(
                exists().where(
                    ClientContact.organization_id == org_id,
                    ClientContact.person_id == actor.person_id,
                    ClientContact.status == "active",
                    ClientContact.is_client_admin.is_(True),
                )
            )
        )
    )


# -------------------------------------------------------------------------------- grants


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


def check_modules(modules: Iterable[str], allowed: Iterable[str], field: str) -> list[str]:
    """The modules, known and within `allowed`, in the canonical order of ClientModule."""
    wanted = sorted(set(modules), key=lambda m: (MODULE_ORDER.get(m, len(MODULE_ORDER)), m))
    unknown = [m for m in wanted if m not in ALL_MODULES]
    if unknown:
        raise ClientsError(
            "validation",
            "UNKNOWN_MODULE",
            f"Неизвестный раздел: {', '.join(unknown)}.",
            f"Unknown module: {', '.join(unknown)}.",
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


# ------------------------------------------------------------------------- organizations


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


async def _check_staff(shared: AsyncSession, actor: Actor, ids: Sequence[int], field: str) -> None:
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


async def create_organization(
    session: AsyncSession, shared: AsyncSession, actor: Actor, data: OrganizationInput
) -> ClientOrganization:
    requisites = _validated(
        data.name, data.legal_form, data.inn, data.kpp, data.ogrn, data.tax_regime
    )
    modules = check_modules(
        ALL_MODULES if data.enabled_modules is None else data.enabled_modules,
        ALL_MODULES,
        "enabledModules",
    )
    if data.responsible_manager_id is not None:
        await _check_staff(shared, actor, [data.responsible_manager_id], "responsibleManagerId")
    await _check_staff(shared, actor, data.moderator_ids, "moderatorIds")
    await _ensure_unique(session, requisites)
    org = ClientOrganization(
        name=requisites.name,
        legal_form=requisites.legal_form.value,
        inn=requisites.inn,
        kpp=requisites.kpp,
        ogrn=requisites.ogrn,
        tax_regime=requisites.tax_regime.value,
        enabled_modules=modules,
        responsible_manager_person_id=data.responsible_manager_id,
        status="active",
    )
    session.add(org)
    await _flush_unique(session, requisites)
    for person_id in sorted(set(data.moderator_ids)):
        session.add(ClientOrgModerator(organization_id=org.id, person_id=person_id))
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
        org.enabled_modules = check_modules(changes.enabled_modules, ALL_MODULES, "enabledModules")
        await announce(session, grants_key(actor.tenant_id))  # live subscribers re-read grants
    before = {"name": org.name, "inn": org.inn, "kpp": org.kpp, "tax_regime": org.tax_regime}
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


async def set_managers(
    session: AsyncSession,
    shared: AsyncSession,
    actor: Actor,
    org_id: int | None,
    responsible_manager_id: int | None,
    moderator_ids: Sequence[int] | None,
) -> ClientOrganization:
    """Set the responsible manager (None: nobody) and, when given, replace the moderators."""
    org = await access_organization(session, actor, org_id)
    if responsible_manager_id is not None:
        await _check_staff(shared, actor, [responsible_manager_id], "responsibleManagerId")
    org.responsible_manager_person_id = responsible_manager_id
    if moderator_ids is not None:
        await _check_staff(shared, actor, moderator_ids, "moderatorIds")
        current = set(
            (
                await session.execute(
                    select(ClientOrgModerator.person_id).where(
                        ClientOrgModerator.organization_id == org.id
                    )
                )
            ).scalars()
        )
        wanted = set(moderator_ids)
        for person_id in current - wanted:
            await session.delete(await session.get(ClientOrgModerator, (org.id, person_id)))
        for person_id in sorted(wanted - current):
            session.add(ClientOrgModerator(organization_id=org.id, person_id=person_id))
    org.updated_at = datetime.now(UTC)
    await session.flush()
    await audit(
        session,
        actor,
        "client_organization.managers",
        "client_organization",
        org.id,
        responsible_manager=responsible_manager_id,
        moderators=sorted(moderator_ids or []),
    )
    return org


# --------------------------------------------------------------------------- pagination


@dataclass
class OrganizationFilter:
    search: str | None = None
    status: str | None = None
    tax_regime: str | None = None
    responsible_manager_id: int | None = None


def _like(text: str) -> str:
    return "%" + re.sub(r"([\\%_])", r"\\\1", text) + "%"


def filtered_organizations(actor: Actor, where: OrganizationFilter) -> Select:
    stmt = scope_organizations(select(ClientOrganization), actor)
    if where.search and where.search.strip():
        needle = where.search.strip()
        stmt = stmt.where(
            or_(
                ClientOrganization.name.ilike(_like(needle)),
                ClientOrganization.inn.like(_like(needle)),
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


# ------------------------------------------------------------------------------ contacts


class Cabinet(Protocol):
    """What a two-schema operation needs; the GraphQL context provides it."""

    @property
    def db(self) -> Any: ...

    @property
    def shared(self) -> Any: ...

    @property
    def tenant(self) -> TenantRef: ...

    def unit_of_work(self, *, shared: bool = False) -> AbstractAsyncContextManager[Any]: ...


@dataclass
class Invited:
    contact: ClientContact
    organization: ClientOrganization
    invitation_id: int | None


def normalize_email(email: str) -> str:
    email = email.strip()
    if not EMAIL_RE.match(email) or len(email) > 254:
        raise ClientsError(
            "validation",
            "INVALID_EMAIL",
            "E-mail: проверьте адрес.",
            "E-mail: the address is not valid.",
            "email",
        )
    return email


async def _person_for_email(shared: AsyncSession, email: str, locale: str) -> int:
    """The person with this e-mail; created (without a password) when new, so that grants can
    be recorded before the invitation is accepted, which then sets the password. ON CONFLICT:
    two invitations of the same new address at once make one person."""
    await shared.execute(
        pg_insert(Person)
        .values(email=email, display_name="", locale=locale)
        .on_conflict_do_nothing(index_elements=[func.lower(Person.email)])
    )
    found = await shared.scalar(select(Person.id).where(func.lower(Person.email) == email.lower()))
    assert found is not None
    return int(found)


def contact_roles(is_client_admin: bool) -> list[str]:
    return ["client_admin"] if is_client_admin else ["client_member"]


async def _membership_active(
    shared: AsyncSession, tenant_id: int, person_id: int, org_id: int
) -> bool:
    return bool(
        await shared.scalar(
            select(
                exists().where(
                    Membership.person_id == person_id,
                    Membership.tenant_id == tenant_id,
                    Membership.kind == "client",
                    Membership.client_org_id == org_id,
                    Membership.status == "active",
                )
            )
        )
    )


async def invite_contact(
    cabinet: Cabinet,
    actor: Actor,
    org_id: int | None,
    email: str,
    grants: Iterable[str],
    is_client_admin: bool,
    *,
    send_invitation: Any,
    language: str = "ru",
) -> Invited:
    """Record a contact (with its grants) and send the invitation link.

    `send_invitation(shared, tenant, email, org_id, roles, invited_by)` creates the shared
    invitation row and queues the e-mail (saas.auth.service.create_invitation); it returns the
    invitation id. A contact that is already an active member of the organization is a
    conflict; inviting a contact that has not accepted yet, or was deactivated, sends a new link.
    """
    db, shared = cabinet.db, cabinet.shared
    org = await access_organization(db, actor, org_id)
    if org.status != "active":
        raise ClientsError(
            "conflict", "ARCHIVED", "Организация в архиве.", "The organization is archived."
        )
    if not actor.staff:
        if not await is_client_admin_of(db, actor, org.id):
            raise forbidden(
                "Only the firm or a client admin of this organization invites its contacts."
            )
        if is_client_admin:
            raise ClientsError(
                "validation",
                "NOT_ALLOWED",
                "Назначать администраторов клиента может только фирма.",
                "Only the firm appoints client admins.",
                "isClientAdmin",
            )
    address = normalize_email(email)
    modules = check_modules(grants, org.enabled_modules, "grants")
    tenant = cabinet.tenant

    existing_person = await shared.scalar(
        select(Person.id).where(func.lower(Person.email) == address.lower())
    )
    contact: ClientContact | None = None
    if existing_person is not None:
        contact = await db.scalar(
            select(ClientContact).where(
                ClientContact.organization_id == org.id, ClientContact.person_id == existing_person
            )
        )
        if (
            contact is not None
            and contact.status == "active"
            and await _membership_active(shared, tenant.id, int(existing_person), org.id)
        ):
            raise ClientsError(
                "conflict",
                "ALREADY_CONTACT",
                f"{address} уже контактное лицо этой организации.",
                f"{address} is already a contact of this organization.",
                "email",
            )

    async with cabinet.unit_of_work(shared=True) as s:
        person_id = await _person_for_email(s, address, language)

    async with cabinet.unit_of_work() as s:
        if contact is None:
            contact = ClientContact(
                organization_id=org.id, person_id=person_id, invited_by=actor.person_id
            )
            s.add(contact)
        contact.status, contact.deactivated_at = "active", None
        contact.is_client_admin = bool(is_client_admin) or (
            contact.is_client_admin and not actor.staff
        )
        contact.updated_at = datetime.now(UTC)
        await s.flush()
        await _replace_grants(s, contact.id, modules)
        await audit(
            s,
            actor,
            "client_contact.invite",
            "client_contact",
            contact.id,
            organization_id=org.id,
            person_id=person_id,
            grants=modules,
            client_admin=contact.is_client_admin,
        )

    async with cabinet.unit_of_work(shared=True) as s:
        invitation_id = await send_invitation(
            s, tenant, address, org.id, contact_roles(contact.is_client_admin), actor.person_id
        )
    return Invited(contact, org, invitation_id)


async def _replace_grants(session: AsyncSession, contact_id: int, modules: Sequence[str]) -> None:
    current = set(
        (
            await session.execute(
                select(ClientGrant.module).where(ClientGrant.contact_id == contact_id)
            )
        ).scalars()
    )
    for module in current - set(modules):
        await session.delete(await session.get(ClientGrant, (contact_id, module)))
    for module in sorted(set(modules) - current):
        session.add(ClientGrant(contact_id=contact_id, module=module))
    await session.flush()


async def set_contact_grants(
    session: AsyncSession, actor: Actor, contact_id: int | None, grants: Iterable[str]
) -> ClientContact:
    """Replace a contact's grants. A client admin manages the contacts of its own organization
    only, and nobody grants a module the firm disabled for that organization."""
    contact, org = await access_contact(session, actor, contact_id, manage=True)
    modules = check_modules(grants, org.enabled_modules, "grants")
    await _replace_grants(session, contact.id, modules)
    await announce(session, grants_key(actor.tenant_id))  # live subscribers re-read grants
    contact.updated_at = datetime.now(UTC)
    await audit(
        session, actor, "client_contact.grants", "client_contact", contact.id, grants=modules
    )
    await session.flush()
    return contact


async def set_contact_client_admin(
    cabinet: Cabinet, actor: Actor, contact_id: int | None, is_client_admin: bool
) -> ClientContact:
    """Firm staff appoint or remove a client admin; the membership's role follows."""
    contact, org = await access_contact(cabinet.db, actor, contact_id, manage=True)
    if not actor.staff:
        raise forbidden("Only the firm appoints client admins.")
    async with cabinet.unit_of_work(shared=True) as s:
        await s.execute(
            update(Membership)
            .where(
                Membership.person_id == contact.person_id,
                Membership.tenant_id == actor.tenant_id,
                Membership.kind == "client",
                Membership.client_org_id == org.id,
            )
            .values(roles=contact_roles(is_client_admin), updated_at=func.now())
        )
        await announce(s, person_key(contact.person_id))  # its live sockets are re-checked
    async with cabinet.unit_of_work() as s:
        contact.is_client_admin = is_client_admin
        contact.updated_at = datetime.now(UTC)
        s.add(contact)
        await audit(
            s,
            actor,
            "client_contact.admin",
            "client_contact",
            contact.id,
            client_admin=is_client_admin,
        )
    return contact


async def revoke_person_in_cabinet(shared: AsyncSession, tenant_id: int, person_id: int) -> None:
    """Every session and API token of the person in this cabinet stops working at once, live
    connections included (closed with 4403 in every process at commit)."""
    now = datetime.now(UTC)
    await end_sessions(
        shared, LoginSession.person_id == person_id, LoginSession.tenant_id == tenant_id
    )
    tokens = (
        await shared.execute(
            update(ApiToken)
            .where(
                ApiToken.created_by == person_id,
                ApiToken.tenant_id == tenant_id,
                ApiToken.revoked_at.is_(None),
            )
            .values(revoked_at=now)
            .returning(ApiToken.id)
        )
    ).scalars()
    await announce(shared, person_key(person_id), *(token_key(t) for t in tokens))


async def deactivate_contact(
    cabinet: Cabinet, actor: Actor, contact_id: int | None
) -> ClientContact:
    """Deactivate a contact: its membership in the organization, pending invitations to it, and
    every session and token of the person in this cabinet, then the contact row."""
    contact, org = await access_contact(cabinet.db, actor, contact_id, manage=True)
    if contact.status == "deactivated":
        return contact
    async with cabinet.unit_of_work(shared=True) as s:
        await s.execute(
            update(Membership)
            .where(
                Membership.person_id == contact.person_id,
                Membership.tenant_id == actor.tenant_id,
                Membership.kind == "client",
                Membership.client_org_id == org.id,
            )
            .values(status="deactivated", updated_at=func.now())
        )
        email = await s.scalar(select(Person.email).where(Person.id == contact.person_id))
        if email:
            await s.execute(
                update(Invitation)
                .where(
                    Invitation.tenant_id == actor.tenant_id,
                    Invitation.client_org_id == org.id,
                    func.lower(Invitation.email) == email.lower(),
                    Invitation.accepted_at.is_(None),
                    Invitation.revoked_at.is_(None),
                )
                .values(revoked_at=func.now())
            )
        await revoke_person_in_cabinet(s, actor.tenant_id, contact.person_id)
    async with cabinet.unit_of_work() as s:
        contact.status, contact.deactivated_at = "deactivated", datetime.now(UTC)
        contact.updated_at = contact.deactivated_at
        s.add(contact)
        await audit(
            s,
            actor,
            "client_contact.deactivate",
            "client_contact",
            contact.id,
            organization_id=org.id,
        )
    return contact


__all__ = [
    "Actor",
    "ClientModule",
    "ClientsError",
    "access_contact",
    "access_organization",
    "grants_for",
    "scope_organizations",
]


# --------------------------------------------------------------------------- invitations


def invitation_sender(cabinet: Any, language: str = "ru") -> Any:
    """The `send_invitation` of `invite_contact` in a running app: creates the shared
    invitation (kind 'client', with the organization and the contact's role) through
    saas.auth.service and e-mails the branded link once the invitation is committed."""
    from saas.auth import service as auth

    async def send(
        shared: AsyncSession,
        tenant: TenantRef,
        email: str,
        org_id: int,
        roles: list[str],
        invited_by: int | None,
    ) -> int:
        try:
            issued = await auth.create_invitation(
                shared, tenant, invited_by, email, "client", roles, client_org_id=org_id
            )
        except DomainError as exc:
            raise ClientsError("validation", exc.code, exc.message, exc.message, "email") from exc
        inviter = await shared.get(Person, invited_by) if invited_by else None
        inviter_name = (inviter.display_name or inviter.email) if inviter else None

        async def deliver() -> None:
            await auth.send_invitation(
                cabinet.services, tenant, issued, inviter_name=inviter_name, lang=language
            )

        after_commit(shared, deliver)  # the invitation row must be committed first
        return int(issued.invitation.id)

    return send


# ------------------------------------------------------------------------ cabinet picker


async def organization_names(
    services: Any, pairs: Sequence[tuple[TenantRef, int]]
) -> dict[tuple[int, int], str]:
    """Names of client organizations for the cabinet picker, which lists a person's cabinets at
    every firm: one query per firm, each through that firm's own tenant-bound session."""
    from saas.db.session import tenant_session

    by_tenant: dict[int, tuple[TenantRef, set[int]]] = {}
    for tenant, org_id in pairs:
        by_tenant.setdefault(tenant.id, (tenant, set()))[1].add(org_id)
    names: dict[tuple[int, int], str] = {}
    for tenant, org_ids in by_tenant.values():
        try:
            async with tenant_session(services.engine, tenant) as session:
                rows = await session.execute(
                    select(ClientOrganization.id, ClientOrganization.name).where(
                        ClientOrganization.id.in_(sorted(org_ids))
                    )
                )
                names.update({(tenant.id, org_id): name for org_id, name in rows})
        except DBAPIError:  # one firm's broken schema must not hide the other cabinets
            log.exception("client organization names unavailable", extra={"tenant": tenant.slug})
    return names


def _register_with_auth() -> None:
    from saas.auth import service as auth

    if organization_names not in auth.ORGANIZATION_NAME_RESOLVERS:
        auth.ORGANIZATION_NAME_RESOLVERS.append(organization_names)


_register_with_auth()
