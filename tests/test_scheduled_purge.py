"""The drive purge run by the schedule: a real `saas worker` with its scheduler fires
`purge_deleted_files` for every firm (one message each, the firm in the message), and each
firm's trash is purged as its retention says (docs/firm-admin.md: files deleted longer ago
than the firm setting `document_retention_days`, default 90, lose their rows and objects).

Files are uploaded and deleted over GraphQL by each firm's admin; how long ago they were
deleted is then set in the database (the retention is counted in days)."""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from strawberry.relay import GlobalID

from saas.demo_documents import demo_pdf
from saas.services import Services
from saas.settings import Settings
from saas.storage import tenant_files
from tests.support.own_firm import OwnFirm, add_organization, own_firm
from tests.support.waiting import eventually
from tests.support.workers import WorkerProcess, scheduling_env

# Days since each of a firm's four files was deleted (None: not deleted).
DELETED_DAYS_AGO = (100, 89, 31, None)

DRIVE = """query($org: ID!) { drive(organizationId: $org) { __typename
  ... on Drive { folders { id systemKind } } ... on Error { code message } } }"""
UPLOAD = """mutation($folder: ID!, $name: String!, $content: String!) {
  uploadFile(folderId: $folder, filename: $name, contentBase64: $content) { __typename
  ... on DriveFile { id } ... on Error { code message } } }"""
DELETE = """mutation($id: ID!) { deleteFile(fileId: $id) { __typename
  ... on DriveFile { deletedAt } ... on Error { code message } } }"""


def upload_files(db_engine: sa.Engine, firm: OwnFirm) -> list[int]:
    """Four files over two organizations, filed and deleted by the firm admin as usual; then
    dated DELETED_DAYS_AGO. Returns their ids in that order."""
    admin = firm.admin
    assert admin is not None
    made = []
    for n in range(2):
        org = str(
            GlobalID(
                "ClientOrganization", str(add_organization(db_engine, firm, f"ООО Архив {n}", n))
            )
        )
        drive = admin.execute(DRIVE, {"org": org})["drive"]
        assert drive["__typename"] == "Drive", drive
        folder = next(f["id"] for f in drive["folders"] if f["systemKind"] == "FOR_CLIENT")
        for name in ("Акт.pdf", "Счёт.pdf"):
            content = base64.b64encode(demo_pdf(f"{firm.slug} {n} {name}")).decode()
            filed = admin.execute(UPLOAD, {"folder": folder, "name": name, "content": content})
            assert filed["uploadFile"]["__typename"] == "DriveFile", filed
            made.append(filed["uploadFile"]["id"])
    ids = []
    with db_engine.begin() as conn:
        for file, days in zip(made, DELETED_DAYS_AGO, strict=True):
            ids.append(int(GlobalID.from_id(file).node_id))
            if days is None:
                continue
            deleted = admin.execute(DELETE, {"id": file})["deleteFile"]
            assert deleted["__typename"] == "DriveFile" and deleted["deletedAt"], deleted
            conn.execute(
                sa.text(
                    f'UPDATE "{firm.schema}".drive_files '
                    "SET deleted_at = now() - make_interval(days => :days) WHERE id = :id"
                ),
                {"days": days, "id": ids[-1]},
            )
    return ids


def versions(db_engine: sa.Engine, firm: OwnFirm) -> dict[int, list[str]]:
    """file id -> its objects' keys, for the firm's files still there."""
    with db_engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                f'SELECT f.id, v.storage_key FROM "{firm.schema}".drive_files f '
                f'JOIN "{firm.schema}".drive_file_versions v ON v.file_id = f.id'
            )
        ).all()
    out: dict[int, list[str]] = {}
    for file_id, key in rows:
        out.setdefault(int(file_id), []).append(str(key))
    return out


def stored(settings: Settings, database_url: str, firm: OwnFirm, keys: list[str]) -> list[bool]:
    async def check() -> list[bool]:
        services = Services.build(settings, database_url)
        try:
            tenant = await services.registry.by_id(firm.id)
            assert tenant is not None
            files = tenant_files(services, tenant)
            return [await files.exists(key) for key in keys]
        finally:
            await services.close()

    return asyncio.run(check())


def test_scheduled_purge_removes_what_each_firms_retention_says(
    settings: Settings,
    database_url: str,
    db_engine: sa.Engine,
    live_server: Any,
    tmp_path: Path,
) -> None:
    default = own_firm(db_engine, settings, "purge", live_server.url)
    short = own_firm(db_engine, settings, "purge", live_server.url)
    with db_engine.begin() as conn:
        conn.execute(
            sa.text(
                "UPDATE shared.tenants SET settings = settings || "
                """'{"document_retention_days": 30}'::jsonb WHERE id = :id"""
            ),
            {"id": short.id},
        )
    files = {firm.slug: upload_files(db_engine, firm) for firm in (default, short)}
    before = {firm.slug: versions(db_engine, firm) for firm in (default, short)}
    # Deleted 100 days ago: past 90 and past 30; 89 and 31 days ago: past 30 only.
    purged = {default.slug: files[default.slug][:1], short.slug: files[short.slug][:3]}
    for firm in (default, short):
        keys = [k for f in files[firm.slug] for k in before[firm.slug][f]]
        assert len(keys) == 4 and all(stored(settings, database_url, firm, keys))

    # Hourly: the scheduler's first firing at start covers this hour's period.
    env = scheduling_env(settings, database_url, enabled={"DRIVE_PURGE": "3600"})
    worker = WorkerProcess(env, tmp_path / "worker.log")
    try:
        eventually(
            lambda: all(
                not set(purged[firm.slug]) & set(versions(db_engine, firm))
                for firm in (default, short)
            ),
            within=60,
            what="the purge of the files past their firm's retention",
        )
    finally:
        code = worker.stop()
        default.close()
        short.close()
    log = worker.output()
    assert code == 0, log
    assert "periodic job purge_deleted_files fired" in log, log
    # Each firm's message reports its own purge (the firm in the line's context).
    for firm, count in ((default, 1), (short, 3)):
        assert f"{firm.slug}] periodic job purge_deleted_files done: {{'purged': {count}," in log

    for firm in (default, short):
        after = versions(db_engine, firm)
        kept = [f for f in files[firm.slug] if f not in purged[firm.slug]]
        assert sorted(after) == sorted(kept), (firm.slug, after)
        gone = [k for f in purged[firm.slug] for k in before[firm.slug][f]]
        assert stored(settings, database_url, firm, gone) == [False] * len(gone)
        left = [k for f in kept for k in after[f]]
        assert stored(settings, database_url, firm, left) == [True] * len(left)
