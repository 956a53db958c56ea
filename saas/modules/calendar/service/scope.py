"""The organizations whose calendars an actor sees.

Staff: the organizations the clients module's scope gives them (the core's
`organization_filter`: assigned ones, or the whole firm with `clients:read_all`). A client
user: its active organizations granting it 'reports' (the tax calendar is what the firm
files for it); the interactions calendar and the feed (`agenda_organizations`) those granting
it any agenda source's grant ('reports', 'requests'), with the grants per organization.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from saas.core.actor import Actor
from saas.core.agenda import agenda_grants
from saas.modules.calendar.service.errors import organization_not_found
from saas.modules.calendar.taxes import Filer
from saas.modules.clients.models import ClientOrganization
from saas.modules.clients.service import grants_statement, scope_organizations

GRANT = "reports"


async def calendar_organizations(
    session: AsyncSession, actor: Actor, org_ids: Sequence[int] | None = None
) -> list[ClientOrganization]:
    """The organizations (active ones, by name) whose calendar `actor` sees, among `org_ids`
    when given."""
    orgs, _ = await granted_organizations(session, actor, org_ids, (GRANT,))
    return orgs


async def agenda_organizations(
    session: AsyncSession, actor: Actor, org_ids: Sequence[int] | None = None
) -> tuple[list[ClientOrganization], dict[int, set[str]] | None]:
    """The organizations whose interactions calendar `actor` sees and, for a client user,
    its agenda grants in each (None for staff: every source)."""
    return await granted_organizations(session, actor, org_ids, agenda_grants())


async def granted_organizations(
    session: AsyncSession,
    actor: Actor,
    org_ids: Sequence[int] | None,
    grants: Collection[str],
) -> tuple[list[ClientOrganization], dict[int, set[str]] | None]:
    """The active organizations `actor` sees (among `org_ids`), a client user's only where it
    holds one of `grants`, and then its grants of `grants` per organization."""
    stmt = select(ClientOrganization).where(ClientOrganization.status == "active")
    if org_ids is not None:
        stmt = stmt.where(ClientOrganization.id.in_(sorted(set(org_ids))))
    rows: list[ClientOrganization] = list(
        (
            await session.execute(
                scope_organizations(stmt, actor).order_by(
                    ClientOrganization.name, ClientOrganization.id
                )
            )
        ).scalars()
    )
    if actor.staff:
        return rows, None
    granted: dict[int, set[str]] = {}
    if rows:
        found = await session.execute(grants_statement(actor.person_id or 0, [r.id for r in rows]))
        for org_id, module in found:
            if module in grants:
                granted.setdefault(int(org_id), set()).add(str(module))  # type: ignore[call-overload]
    return [r for r in rows if r.id in granted], granted


async def calendar_organization(
    session: AsyncSession, actor: Actor, org_id: int
) -> ClientOrganization:
    found = await calendar_organizations(session, actor, [org_id])
    if not found:
        raise organization_not_found()
    return found[0]


def filer_of(org: ClientOrganization) -> Filer:
    return Filer(org.tax_regime, org.legal_form, org.has_employees)
