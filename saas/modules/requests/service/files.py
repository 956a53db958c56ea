"""Files of a request: documents of the organization's drive (by id) or new files filed
through the documents module's public service (`attach_document`): a client's land in
«Данные от клиента» / "From client", with the drive's checks (grants, size, type)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import func
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from saas.core.actor import Actor
from saas.core.audit import audit
from saas.modules.documents.service.checks import decode_base64
from saas.modules.documents.service.files import access_file
from saas.modules.documents.service.uploads import attach_document
from saas.modules.requests.models import ServiceRequest, ServiceRequestFile
from saas.modules.requests.service.errors import invalid
from saas.modules.requests.service.sla import resume_if_awaited
from saas.storage import TenantStorage
from saas.storage.stored import StoredObjects

MAX_FILES = 20


@dataclass
class NewFile:
    filename: str
    content_base64: str


@dataclass
class Attachments:
    file_ids: list[int] = field(default_factory=list)
    uploads: list[NewFile] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.file_ids) + len(self.uploads)


@dataclass
class Storage:
    files: TenantStorage
    stored: StoredObjects
    limit: int


async def attach_files(
    session: AsyncSession,
    actor: Actor,
    request: ServiceRequest,
    attachments: Attachments,
    storage: Storage | None,
) -> list[int]:
    """The drive file ids now attached to the request (checked, new ones filed)."""
    if len(attachments) > MAX_FILES:
        raise invalid(
            "TOO_MANY_FILES",
            f"Не больше {MAX_FILES} файлов за раз.",
            f"At most {MAX_FILES} files at once.",
            "files",
        )
    ids: list[int] = []
    for file_id in dict.fromkeys(attachments.file_ids):
        file, _ = await access_file(session, actor, file_id)
        if file.organization_id != request.organization_id:
            raise invalid(
                "OTHER_ORGANIZATION",
                "Файл из документов другой организации.",
                "The file belongs to another organization's documents.",
                "fileIds",
            )
        ids.append(file.id)
    for new in attachments.uploads:
        if storage is None:
            raise invalid("NO_STORAGE", "Файлы не принимаются.", "Files are not accepted.", "files")
        data = decode_base64(new.content_base64, storage.limit)
        file, _ = await attach_document(
            session,
            actor,
            storage.files,
            storage.stored,
            request.organization_id,
            new.filename,
            data,
            storage.limit,
        )
        ids.append(file.id)
    for file_id in ids:
        await session.execute(
            pg_insert(ServiceRequestFile)
            .values(request_id=request.id, file_id=file_id, attached_by=actor.person_id)
            .on_conflict_do_nothing()
        )
    if ids and not actor.staff:  # the client's answer restarts a paused clock
        await resume_if_awaited(session, request, datetime.now(UTC))
    if ids:
        request.updated_at = func.now()
        await session.flush()
        await audit(
            session,
            actor,
            "requests.request.files",
            "service_request",
            request.id,
            organization=request.organization_id,
            files=ids,
        )
    return ids
