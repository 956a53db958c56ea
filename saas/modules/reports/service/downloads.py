"""Download links of report documents: client users only once the flow is complete; every
link and every fetch is logged (report_document_access).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from saas.core.actor import Actor
from saas.modules.documents.service import downloads as drive_downloads
from saas.modules.reports.models import (
    Report,
    ReportDocument,
    ReportDocumentAccess,
)
from saas.modules.reports.service.flow import ReportsError, flow_complete
from saas.modules.reports.service.scope import scope_reports
from saas.storage import TenantStorage
from saas.storage.audit import Fetch, audit_ref, recorder

# ---------------------------------------------------------------------------- documents

DOWNLOAD_LINK_TTL = drive_downloads.DOWNLOAD_LINK_TTL


def document_not_found() -> ReportsError:
    return ReportsError(
        "not_found",
        "NOT_FOUND",
        "Документ не найден или недоступен.",
        "Document not found or not visible to you.",
    )


@dataclass(frozen=True)
class DocumentLink:
    url: str
    expires_at: datetime
    document: ReportDocument


async def document_link(
    session: AsyncSession,
    actor: Actor,
    files: TenantStorage,
    document_id: int | None,
    *,
    ip: str | None = None,
    user_agent: str | None = None,
    token_id: int | None = None,
) -> DocumentLink:
    """A short-lived download link (the drive's audited links: bound to the person and a
    nonce) and its `link_issued` access-log row; each fetch adds a `downloaded` row
    (record_fetch).

    The report is loaded through the reports scope: a client user needs the organization's
    'reports' grant (else NOT_FOUND, like another firm's id), and gets FLOW_INCOMPLETE until
    the report is accepted or rejected. Staff and integrator tokens always may."""
    if document_id is None:
        raise document_not_found()
    row = (
        await session.execute(
            scope_reports(
                select(ReportDocument, Report)
                .join(Report, Report.id == ReportDocument.report_id)
                .where(ReportDocument.id == document_id),
                actor,
            )
        )
    ).one_or_none()
    if row is None:
        raise document_not_found()
    document: ReportDocument = row[0]
    report: Report = row[1]
    if not actor.staff and not flow_complete(report.status):
        raise ReportsError(
            "conflict",
            "FLOW_INCOMPLETE",
            "Документы отчёта можно скачать, когда документооборот завершён (отчёт принят "
            "или отклонён).",
            "The report's documents can be downloaded once its flow is complete (accepted "
            "or rejected).",
        )
    issued = ReportDocumentAccess(
        document_id=document.id,
        organization_id=report.organization_id,
        person_id=actor.person_id,
        token_id=token_id,
        ip=ip,
        user_agent=(user_agent or "")[:1000] or None,
        action="link_issued",
    )
    session.add(issued)
    await session.flush()
    url = files.audited_url(
        document.storage_key,
        audit=audit_ref(FETCH_KIND, issued.id),
        person_id=actor.person_id,
        expires=DOWNLOAD_LINK_TTL,
        filename=document.name,
        content_type=document.content_type,
    )
    return DocumentLink(
        url=url, expires_at=datetime.now(UTC) + DOWNLOAD_LINK_TTL, document=document
    )


FETCH_KIND = "report_document"


@recorder(FETCH_KIND)
async def record_fetch(session: AsyncSession, fetch: Fetch) -> bool:
    """A `downloaded` row for one fetch of a report document's link: the person it was
    issued to (and its API token), the fetch's own address and user agent."""
    issued = await session.get(ReportDocumentAccess, fetch.issued_id)
    if issued is None or issued.action != "link_issued":
        return False
    session.add(
        ReportDocumentAccess(
            document_id=issued.document_id,
            organization_id=issued.organization_id,
            person_id=fetch.person_id,
            token_id=issued.token_id,
            ip=fetch.ip,
            user_agent=fetch.user_agent,
            action="downloaded",
            link_id=issued.id,
        )
    )
    return True
