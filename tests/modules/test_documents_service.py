"""Pure rules of the drive (names, content types) and the attachment entry point other modules
use, on firm A's real schema and storage."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from saas.core.actor import Actor
from saas.db.session import tenant_transaction
from saas.modules.documents.models import DriveFolder
from saas.modules.documents.service.checks import sanitize_filename, sniff_content_type
from saas.modules.documents.service.errors import DocumentsError
from saas.modules.documents.service.uploads import attach_document
from saas.services import Services
from saas.settings import Settings
from saas.storage import tenant_files
from saas.storage.stored import removed_on_failure
from tests.support.documents import EXE, PDF, World, drive_world


@pytest.fixture(scope="module")
def world(db_engine, firms) -> Iterator[World]:  # type: ignore[no-untyped-def]
    yield from drive_world(db_engine, firms)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("../../etc/passwd", "passwd"),
        ("a/b/c.txt", "c.txt"),
        ("nul", "_nul"),
        ("LPT1.tar.gz", "_LPT1.tar.gz"),
        ("x" * 250 + ".verylongextension1", ("x" * 250 + ".verylongextension1")[:200]),
        ("Договор №1.docx", "Договор №1.docx"),
        ("what?<now>.pdf", "what__now_.pdf"),
        ("tail. . .", "tail"),
    ],
)
def test_sanitize_filename(raw: str, clean: str) -> None:
    assert sanitize_filename(raw) == clean


def test_sniffing_decides_by_content() -> None:
    assert sniff_content_type(PDF) == "application/pdf"
    assert sniff_content_type(b"") == "application/octet-stream"
    assert sniff_content_type("текст".encode()[:-1]) == "text/plain"  # cut mid-letter
    for body in (EXE, b"\xcf\xfa\xed\xfe" + b"\x00" * 64, b"#!/usr/bin/env python\n"):
        with pytest.raises(DocumentsError) as refused:
            sniff_content_type(body)
        assert refused.value.code == "EXECUTABLE_REFUSED"


@pytest.fixture
async def services(settings: Settings, database_url: str) -> AsyncIterator[Services]:
    built = Services.build(settings, database_url)
    yield built
    await built.close()


async def test_attachments_follow_the_direction_rule(
    world: World,
    firms: Any,
    services: Services,
) -> None:
    tenant = await services.registry.by_id(firms["a"].id)
    assert tenant is not None
    files = tenant_files(services, tenant)
    staff = Actor(
        tenant.id,
        f"person:{world.manager_a}",
        world.manager_a,
        staff=True,
        permissions=frozenset({"documents:read", "documents:write"}),
    )
    client = Actor(
        tenant.id,
        f"person:{world.client_x}",
        world.client_x,
        client_org_ids=frozenset({world.org_x}),
        permissions=frozenset({"client_cabinet:read"}),
    )
    outsider = Actor(
        tenant.id,
        f"person:{world.client_y}",
        world.client_y,
        client_org_ids=frozenset({world.org_y}),
        permissions=frozenset({"client_cabinet:read"}),
    )
    kinds = {}
    for who, viewer in (("staff", staff), ("client", client)):
        async with removed_on_failure(files) as stored:
            async with tenant_transaction(services.engine, tenant) as session:
                file, version = await attach_document(
                    session, viewer, files, stored, world.org_x, f"{who}.pdf", PDF, 10_000
                )
                folder = await session.get(DriveFolder, file.folder_id)
                assert folder is not None
                kinds[who] = folder.system_kind
        assert await files.exists(version.storage_key)
    assert kinds == {"staff": "for_client", "client": "from_client"}

    # Another organization's client, or a refused body: refused before anything is stored.
    for viewer, body, code in ((outsider, PDF, "NOT_FOUND"), (client, EXE, "EXECUTABLE_REFUSED")):
        with pytest.raises(DocumentsError) as refused:
            async with removed_on_failure(files) as stored:
                async with tenant_transaction(services.engine, tenant) as session:
                    await attach_document(
                        session, viewer, files, stored, world.org_x, "x.pdf", body, 10_000
                    )
        assert refused.value.code == code and stored == []

    # A failure after the object was stored removes it again.
    leftover: list[str] = []
    with pytest.raises(RuntimeError):
        async with removed_on_failure(files) as stored:
            async with tenant_transaction(services.engine, tenant) as session:
                await attach_document(
                    session, client, files, stored, world.org_x, "rolled.pdf", PDF, 10_000
                )
                leftover = list(stored)
                raise RuntimeError("the caller's own row failed")
    assert leftover and not await files.exists(leftover[0])
