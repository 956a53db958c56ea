"""Documents carried by a report event: the drive's upload checks (sanitized name, size
limit, type sniffed from the bytes, executables refused, SHA-256), stored under the tenant's
"reports/" prefix before their rows are written (the caller wraps the unit of work in the
drive's `removed_on_failure`). A replayed event must carry the same documents (compared by
SHA-256, kind and name), else it is a conflict.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from saas.modules.documents.service.checks import (
    decode_base64,
    sanitize_filename,
    sha256_hex,
    sniff_content_type,
    too_large,
)
from saas.modules.documents.service.errors import DocumentsError
from saas.modules.documents.service.storage import put_object
from saas.modules.reports.models import (
    Report,
    ReportDocument,
    ReportEvent,
)
from saas.modules.reports.service.flow import MAX_EVENT_DOCUMENTS, DocumentKind, invalid
from saas.storage import TenantStorage
from saas.storage.stored import StoredObjects


@dataclass
class DocumentInput:
    """A file attached to an event: raw bytes (`content`) or base64 text from the API."""

    kind: DocumentKind
    filename: str
    content: bytes | None = None
    content_base64: str | None = None


@dataclass(frozen=True)
class CheckedDocument:
    kind: str
    name: str
    data: bytes
    sha256: str
    content_type: str

    @property
    def fingerprint(self) -> tuple[str, str, str]:
        return (self.sha256, self.kind, self.name)


def check_documents(documents: list[DocumentInput] | None, limit: int) -> list[CheckedDocument]:
    """The drive's upload checks, before anything is stored or written. Errors name the
    document: field `documents.<index>.<field>`."""
    documents = documents or []
    if len(documents) > MAX_EVENT_DOCUMENTS:
        raise invalid(
            "TOO_MANY_DOCUMENTS",
            f"К событию можно приложить не больше {MAX_EVENT_DOCUMENTS} документов.",
            f"An event carries at most {MAX_EVENT_DOCUMENTS} documents.",
            "documents",
        )
    checked = []
    for index, doc in enumerate(documents):
        try:
            name = sanitize_filename(doc.filename)
            if doc.content is not None:
                content = doc.content
                if len(content) > limit:
                    raise too_large(limit)
            else:
                content = decode_base64(doc.content_base64 or "", limit)
            if not content:
                raise DocumentsError(
                    "validation",
                    "EMPTY_FILE",
                    "Файл пуст.",
                    "The file is empty.",
                    "contentBase64",
                )
            content_type = sniff_content_type(content)
        except DocumentsError as exc:
            exc.field = f"documents.{index}.{exc.field or 'contentBase64'}"
            raise
        checked.append(
            CheckedDocument(
                kind=DocumentKind(doc.kind).value,
                name=name,
                data=content,
                sha256=sha256_hex(content),
                content_type=content_type,
            )
        )
    return checked


def document_key(files: TenantStorage, org_id: int) -> str:
    # Outside the drive's "drive/" prefix: its reconciliation job never sees these objects.
    return files.key("reports", org_id, uuid.uuid4().hex)


async def store_documents(
    session: AsyncSession,
    report: Report,
    event: ReportEvent,
    checked: list[CheckedDocument],
    files: TenantStorage | None,
    stored: StoredObjects | None,
    limit: int,
) -> list[ReportDocument]:
    if not checked:
        return []
    if files is None or stored is None:
        raise RuntimeError("documents need the tenant's storage and removed_on_failure's list")
    rows = []
    for doc in checked:
        key = document_key(files, report.organization_id)
        await put_object(files, key, doc.data, doc.content_type, limit)
        stored.add(session, key)
        row = ReportDocument(
            report_id=report.id,
            event_id=event.id,
            kind=doc.kind,
            name=doc.name,
            storage_key=key,
            size=len(doc.data),
            sha256=doc.sha256,
            content_type=doc.content_type,
        )
        session.add(row)
        rows.append(row)
    await session.flush()
    return rows
