"""The organizations whose calendars an actor sees.

Staff: the organizations the clients module's scope gives them (the core's
`organization_filter`: assigned ones, or the whole firm with `clients:read_all`). A client
user: its active organizations granting it 'reports' (the tax calendar is what the firm
files for it).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from saas.core.actor import Actor
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
    if actor.staff or not rows:
        return rows
    granted = {
        org_id
        for org_id, module in await session.execute(
            grants_statement(actor.person_id or 0, [r.id for r in rows])
        )
        if module == GRANT
    }
    return [r for r in rows if r.id in granted]


async def calendar_organization(
    session: AsyncSession, actor: Actor, org_id: int
) -> ClientOrganization:
    found = await calendar_organizations(session, actor, [org_id])
    if not found:
        raise organization_not_found()
    return found[0]


def filer_of(org: ClientOrganization) -> Filer:
    return Filer(org.tax_regime, org.legal_form, org.has_employees)
