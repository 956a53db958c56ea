"""The drive's maintenance jobs: purge after the retention period, storage reconciliation.

Files are made over GraphQL; the actors run in-process with a JobContext of firm A."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from saas.jobs import JobContext
from saas.modules.documents.jobs import purge_deleted_files, reconcile_drive_storage
from saas.services import Services
from saas.settings import Settings
from saas.storage import tenant_files
from tests.support.documents import DELETE, PDF, World, drive_world, folders, schema_of, upload
from tests.support.ids import pk


@pytest.fixture(scope="module")
def world(db_engine, firms) -> Iterator[World]:  # type: ignore[no-untyped-def]
    yield from drive_world(db_engine, firms)


@pytest.fixture
async def job_of(settings: Settings, database_url: str) -> AsyncIterator[Any]:
    services = Services.build(settings, database_url)

    async def make(firm: Any, name: str) -> JobContext:
        tenant = await services.registry.by_id(firm.id)
        assert tenant is not None
        return JobContext(tenant=tenant, services=services, actor_name=name)

    yield make
    await services.close()


def version_keys(db_engine: sa.Engine, slug: str, file_pk: int) -> list[str]:
    with db_engine.connect() as conn:
        return list(
            conn.execute(
                sa.text(
                    f"SELECT storage_key FROM {schema_of(slug)}.drive_file_versions "
                    "WHERE file_id = :f"
                ),
                {"f": file_pk},
            ).scalars()
        )


async def test_purge_removes_files_deleted_before_the_retention_period(
    world: World,
    login,
    firms: Any,
    db_engine: sa.Engine,
    job_of: Any,
) -> None:
    a = firms["a"]
    manager = login(a, world.manager_a)
    folder = folders(manager, world.org_x)["FOR_CLIENT"]
    old = upload(manager, folder, "Старый.pdf", PDF)
    upload(manager, folder, "Старый.pdf", PDF + b"v2")
    recent = upload(manager, folder, "Недавний.pdf", PDF)
    kept = upload(manager, folder, "Живой.pdf", PDF)
    for target in (old, recent):
        assert manager.execute(DELETE, {"id": target["id"]})["deleteFile"]["deletedAt"]
    with db_engine.begin() as conn:
        conn.execute(
            sa.text(
                f"UPDATE {schema_of(a.slug)}.drive_files SET deleted_at = now() - interval "
                "'100 days' WHERE id = :f"
            ),
            {"f": pk(old["id"])},
        )
    old_keys = version_keys(db_engine, a.slug, pk(old["id"]))
    assert len(old_keys) == 2

    job = await job_of(a, "purge_deleted_files")
    files = tenant_files(job.services, job.tenant)
    assert all([await files.exists(k) for k in old_keys])
    result = await purge_deleted_files.fn(job)
    assert result["purged"] >= 1 and result["failed"] == []
    assert not any([await files.exists(k) for k in old_keys])
    assert version_keys(db_engine, a.slug, pk(old["id"])) == []
    for survivor in (recent, kept):  # deleted recently, or not deleted: untouched
        keys = version_keys(db_engine, a.slug, pk(survivor["id"]))
        assert keys and all([await files.exists(k) for k in keys])


async def test_reconciliation_reports_orphans_and_missing_objects(
    world: World,
    login,
    firms: Any,
    db_engine: sa.Engine,
    job_of: Any,
) -> None:
    a = firms["a"]
    manager = login(a, world.manager_a)
    folder = folders(manager, world.org_x)["FOR_CLIENT"]
    broken = upload(manager, folder, "Потерянный.pdf", PDF)
    job = await job_of(a, "reconcile_drive_storage")
    files = tenant_files(job.services, job.tenant)
    (lost,) = version_keys(db_engine, a.slug, pk(broken["id"]))
    await files.delete(lost)
    orphan = files.key("drive", world.org_x, "orphan-left-by-a-crash")
    await files.put(orphan, b"no row names me")

    healthy = version_keys(db_engine, a.slug, pk(upload(manager, folder, "Целый.pdf", PDF)["id"]))[
        0
    ]
    result = await reconcile_drive_storage.fn(job)
    assert lost in result["missing"]
    assert orphan in result["orphans"]
    assert await files.exists(orphan)  # fresh: maybe an upload being recorded right now
    assert healthy not in result["orphans"] and healthy not in result["missing"]
    await files.delete(orphan)
