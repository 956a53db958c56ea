"""The firm's agency documents for a customer and a month: an invoice and an act for its fee,
`agency_fee_percent` of what the customer paid its performers that month (kopecks, rounded
half up). Generating a month again replaces both with the numbers of now."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from saas.core.actor import Actor
from saas.core.audit import audit
from saas.modules.clients.models import ClientOrganization
from saas.modules.performers.models import PAID, AgencyDocument, Payment, PerformerCustomer
from saas.modules.performers.service.documents_pdf import render, rubles
from saas.modules.performers.service.errors import invalid
from saas.modules.performers.service.profiles import _visible_org
from saas.modules.performers.service.scope import Side, customer_scope, require_side, scoped
from saas.storage import TenantStorage
from saas.storage.audit import Fetch, audit_ref, recorder

KINDS = {"invoice": "Счёт", "act": "Акт"}


def fee_of(volume_kopecks: int, percent: Decimal) -> int:
    return int((Decimal(volume_kopecks) * percent / 100).quantize(Decimal("1"), ROUND_HALF_UP))


def _month_bounds(period: date) -> tuple[date, datetime, datetime]:
    first = period.replace(day=1)
    nxt = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return (
        first,
        datetime.combine(first, datetime.min.time(), UTC),
        datetime.combine(nxt, datetime.min.time(), UTC),
    )


async def generate(
    session: AsyncSession,
    actor: Actor,
    files: TenantStorage,
    firm_name: str,
    org_id: int,
    period: date,
) -> list[AgencyDocument]:
    require_side(actor, Side.STAFF)
    org: ClientOrganization = await _visible_org(session, actor, org_id)
    first, lo, hi = _month_bounds(period)
    if first > datetime.now(UTC).date().replace(day=1):
        raise invalid(
            "PERIOD_IN_FUTURE",
            "Этот месяц ещё не наступил.",
            "That month has not begun yet.",
            "period",
        )
    volume = int(
        await session.scalar(
            select(func.coalesce(func.sum(Payment.amount_kopecks), 0)).where(
                Payment.organization_id == org_id,
                Payment.status == PAID,
                Payment.paid_at >= lo,
                Payment.paid_at < hi,
            )
        )
        or 0
    )
    if volume == 0:
        raise invalid(
            "NOTHING_PAID",
            f"За {first:%m.%Y} исполнителям ничего не выплачено: агентских документов нет.",
            f"Nothing was paid to performers in {first:%m.%Y}: no agency documents.",
            "period",
        )
    settings = await session.get(PerformerCustomer, org_id)
    percent = settings.agency_fee_percent if settings else Decimal("10")
    fee = fee_of(volume, percent)
    made = []
    for kind, word in KINDS.items():
        number = f"АГ-{org_id}-{first:%Y%m}-{'С' if kind == 'invoice' else 'А'}"
        body = "\n".join(
            (
                f"# {word} № {number} от {datetime.now(UTC):%d.%m.%Y}",
                f"Агент: {firm_name}",
                f"Принципал: {org.name}, ИНН {org.inn}",
                f"Период: {first:%m.%Y}",
                f"Выплачено самозанятым исполнителям через агента: {rubles(volume)} ₽",
                f"Агентское вознаграждение ({percent}%): {rubles(fee)} ₽",
            )
        )
        data = render(f"{word} {number}", body.replace("{", "{{").replace("}", "}}"), {})
        key = files.key("performers", "agency", f"{org_id}-{first:%Y%m}-{kind}.pdf")
        await files.put(key, data, content_type="application/pdf")
        row = await session.scalar(
            select(AgencyDocument).where(
                AgencyDocument.organization_id == org_id,
                AgencyDocument.period == first,
                AgencyDocument.kind == kind,
            )
        )
        if row is None:
            row = AgencyDocument(organization_id=org_id, period=first, kind=kind)
            session.add(row)
        row.number, row.volume_kopecks, row.fee_kopecks, row.storage_key = number, volume, fee, key
        row.created_at = datetime.now(UTC)
        made.append(row)
    await session.flush()
    await audit(
        session,
        actor,
        "performer.agency_documents",
        "client_organization",
        org_id,
        period=first.isoformat(),
        volume_kopecks=volume,
        fee_kopecks=fee,
    )
    return made


async def list_documents(
    session: AsyncSession,
    actor: Actor,
    org_id: int | None,
    first: int = 50,
    before_id: int | None = None,
) -> list[AgencyDocument]:
    """Staff in scope and the organization's customers; performers none (customer_scope).
    Newest first (by id: a regenerated month keeps its rows); `before_id`: the page after that
    document (the last one seen)."""
    stmt = scoped(select(AgencyDocument), customer_scope(actor, AgencyDocument.organization_id))
    if org_id is not None:
        stmt = stmt.where(AgencyDocument.organization_id == org_id)
    if before_id is not None:
        stmt = stmt.where(AgencyDocument.id < before_id)
    stmt = stmt.order_by(AgencyDocument.id.desc())
    return list((await session.scalars(stmt.limit(max(1, min(first, 100))))).all())


FETCH_KIND = "performer_agency_document"


def download_link(files: TenantStorage, actor: Actor, row: AgencyDocument) -> str:
    """A short-lived link to the document's PDF bound to the viewer; every fetch is written to
    the audit log (`performer.agency_document_downloaded`, with the address and user agent)."""
    return files.audited_url(
        row.storage_key,
        audit=audit_ref(FETCH_KIND, row.id),
        person_id=actor.person_id,
        filename=f"{row.kind}-{row.number}.pdf",
        content_type="application/pdf",
    )


@recorder(FETCH_KIND)
async def record_fetch(session: AsyncSession, fetch: Fetch) -> bool:
    row = await session.get(AgencyDocument, fetch.issued_id)
    if row is None:
        return False
    who = f"person:{fetch.person_id}" if fetch.person_id is not None else "anonymous"
    await audit(
        session,
        who,
        "performer.agency_document_downloaded",
        FETCH_KIND,
        row.id,
        ip=fetch.ip,
        number=row.number,
        user_agent=fetch.user_agent,
    )
    return True
