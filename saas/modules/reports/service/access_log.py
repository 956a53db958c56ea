"""Report documents in the firm's views-and-downloads report: the reports module's log of its
documents' links and fetches (`report_document_access`, written by downloads.py) as a source
of the documents module's report of every document (kind "report")."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, String, case, literal, select

from saas.core.actor import Actor, organization_filter
from saas.modules.documents.service.document_access import (
    DocumentAccessFilter,
    access_source,
    typed_null,
)
from saas.modules.reports.models import ReportDocument, ReportDocumentAccess

REPORT = "report"
# A report document's link is always for a download: `link_issued` reads as the drive's
# `download` (a download link issued); `downloaded` is the same word in both logs.
ACTIONS = {"download": "link_issued", "downloaded": "downloaded"}


@access_source(REPORT)
def report_documents_access(actor: Actor, where: DocumentAccessFilter) -> Select[Any] | None:
    """The report documents' entries matching `where`, of the organizations the actor sees;
    None when none can match (a drive file named, a preview asked for)."""
    if where.file_id is not None or (where.action is not None and where.action not in ACTIONS):
        return None
    log = ReportDocumentAccess
    columns: list[Any] = [
        literal(REPORT, String).label("kind"),
        log.id.label("id"),
        log.at.label("at"),
        log.person_id.label("person_id"),
        log.token_id.label("token_id"),
        log.ip.label("ip"),
        log.user_agent.label("user_agent"),
        log.organization_id.label("organization_id"),
        log.document_id.label("document_id"),
        ReportDocument.name.label("document_name"),
        typed_null("version_id"),
        typed_null("version_no"),
        ReportDocument.report_id.label("report_id"),
        case((log.action == "link_issued", "download"), else_=log.action).label("action"),
        log.link_id.label("link_id"),
    ]
    stmt = select(*columns).join(ReportDocument, ReportDocument.id == log.document_id)
    scope = organization_filter(actor, log.organization_id)
    if scope is not None:
        stmt = stmt.where(scope)
    if where.since is not None:
        stmt = stmt.where(log.at >= where.since)
    if where.until is not None:
        stmt = stmt.where(log.at < where.until)
    if where.person_id is not None:
        stmt = stmt.where(log.person_id == where.person_id)
    if where.organization_id is not None:
        stmt = stmt.where(log.organization_id == where.organization_id)
    if where.document_id is not None:
        stmt = stmt.where(log.document_id == where.document_id)
    if where.action is not None:
        stmt = stmt.where(log.action == ACTIONS[where.action])
    return stmt
