"""Demo documents: every demo client gets a file in "For client" (from its manager) and one in
"From client" (from its contact), filed through the documents module like any upload."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import sqlalchemy as sa

from saas.core.actor import Actor
from saas.db.session import tenant_transaction
from saas.modules.documents.models import DriveFile
from saas.modules.documents.policy import DEFAULT_MAX_UPLOAD_BYTES
from saas.modules.documents.service.folders import ensure_system_folders
from saas.modules.documents.service.uploads import attach_document
from saas.services import Services
from saas.settings import Settings
from saas.storage import tenant_files
from saas.storage.stored import removed_on_failure


@dataclass(frozen=True)
class DemoDrive:
    tenant_id: int
    organization_id: int
    manager_id: int
    contact_id: int


def demo_pdf(title: str) -> bytes:
    """A one-page PDF with a line of text (ASCII title; the file name carries the Russian)."""
    text = title.encode("latin-1", "replace")
    stream = b"BT /F1 18 Tf 72 720 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)


async def _seed(services: Services, drive: DemoDrive) -> None:
    tenant = await services.registry.by_id(drive.tenant_id)
    assert tenant is not None
    files = tenant_files(services, tenant)
    manager = Actor(
        drive.tenant_id,
        f"person:{drive.manager_id}",
        drive.manager_id,
        staff=True,
        permissions=frozenset({"documents:read", "documents:write", "documents:manage"}),
    )
    contact = Actor(
        drive.tenant_id,
        f"person:{drive.contact_id}",
        drive.contact_id,
        client_org_ids=frozenset({drive.organization_id}),
        permissions=frozenset({"client_cabinet:read"}),
    )
    uploads = (
        (manager, "Акт сверки за 3 квартал 2026.pdf", demo_pdf("Reconciliation act, Q3 2026")),
        (contact, "Банковская выписка за октябрь.pdf", demo_pdf("Bank statement, October 2026")),
    )
    async with removed_on_failure(files) as stored:
        async with tenant_transaction(services.engine, tenant) as session:
            await ensure_system_folders(session, drive.organization_id)
            existing = await session.scalar(
                sa.select(sa.func.count())
                .select_from(DriveFile)
                .where(DriveFile.organization_id == drive.organization_id)
            )
            if existing:
                return
            for viewer, name, data in uploads:
                await attach_document(
                    session,
                    viewer,
                    files,
                    stored,
                    drive.organization_id,
                    name,
                    data,
                    DEFAULT_MAX_UPLOAD_BYTES,
                )


def seed_demo_documents(settings: Settings, database_url: str, drives: list[DemoDrive]) -> None:
    async def run() -> None:
        services = Services.build(settings, database_url)
        try:
            for drive in drives:
                await _seed(services, drive)
        finally:
            await services.engine.dispose()

    asyncio.run(run())
