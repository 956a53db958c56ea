"""Nothing lost, nothing half-written, when recording an event with documents fails: over
GraphQL/HTTP against live servers, with the failures real ones would produce.

- The storage refuses the second document (S3 behind a proxy answering 503): a typed
  StorageUnavailableError, no event, status, follow-up, notification, outbox row or webhook
  delivery, the first object removed again; the same external id then records once.
- The storage goes away after the first document (deletes fail too): the object that could not
  be removed is an orphan that `reconcile_report_storage` reports and removes.
- The database refuses the transaction after the bytes were stored (before COMMIT, and at
  COMMIT): a masked error, nothing recorded, the objects removed.
- The answer to COMMIT is lost (the connection drops after the server committed): the rows are
  there, so their objects must stay, downloadable; the replay is a duplicate.
- A bulk import row carrying documents is refused, not recorded without them."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest
import sqlalchemy as sa
from dramatiq import Worker

from saas.jobs import JobContext, current_runtime_or_none, restore_jobs
from saas.modules.reports.jobs import reconcile_report_storage
from saas.services import Services
from saas.settings import PROJECT_ROOT, Settings
from saas.storage import TenantStorage, open_store, prepare_storage
from saas.tenants.provisioning import schema_for
from tests.support.client import GraphQLClient
from tests.support.documents import PDF
from tests.support.flaky_s3 import FlakyS3
from tests.support.ids import pk
from tests.support.notifications import DELETE_ENDPOINT, create_endpoint
from tests.support.pg_cut import CommitCutter
from tests.support.report_documents import ONE, RECEIPT, RECORD, XML, doc, link
from tests.support.report_documents import stored_objects as folder_objects
from tests.support.reports import IMPORT, World, at, build_world, external_id, new_report, wait_done
from tests.support.server import LiveServer

DOCUMENTS = [doc("REPORT_FILE", "NO_NDS.xml", XML), doc("REJECTION_NOTICE", "Отказ.pdf", PDF)]


@pytest.fixture(scope="module")
def world(db_engine, firms, live_server) -> World:  # type: ignore[no-untyped-def]
    return build_world(db_engine, firms, live_server.url)


def app_server(settings: Settings, **changes: Any) -> LiveServer:
    """Another API on the same database, with some settings changed (storage, database URL)."""
    from saas.app import create_app

    changed = dataclasses.replace(settings, **changes)
    prepare_storage(changed)
    previous = current_runtime_or_none()  # its lifespan takes the process's job runtime
    server = LiveServer(create_app(changed)).start()
    restore_jobs(previous)
    return server


@dataclasses.dataclass
class S3World:
    storage: FlakyS3
    integrator: GraphQLClient  # firm A's integrator, on the API whose storage is the proxy
    settings: Settings


@pytest.fixture(scope="module")
def s3(
    world: World, settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[S3World]:
    with FlakyS3(tmp_path_factory.mktemp("reports-s3")) as storage:
        s3_settings = dataclasses.replace(settings, storage_url=storage.url)
        server = app_server(settings, storage_url=storage.url)
        integrator = GraphQLClient(server.url, world.host_a, token=world.token_a)
        try:
            yield S3World(storage, integrator, s3_settings)
        finally:
            integrator.close()
            server.stop()


@pytest.fixture
def endpoint(world: World) -> Iterator[str]:
    """A webhook endpoint of firm A for status changes (its deliveries are counted, never
    sent: no worker runs here)."""
    endpoint_id, _ = create_endpoint(world, "http://127.0.0.1:9/never-called")
    yield endpoint_id
    world.admin_a.execute(DELETE_ENDPOINT, {"id": endpoint_id})


def post_event(
    c: GraphQLClient, report: str, ext: str, documents: list[dict[str, str]] = DOCUMENTS
) -> dict[str, Any]:
    """The raw response: data, or the masked errors of an unexpected failure."""
    data = {
        "reportId": report,
        "externalId": ext,
        "kind": "REJECTED",
        "occurredAt": at(0).isoformat(),
        "text": "Несоответствие контрольных соотношений",
        "documents": documents,
    }
    return c.raw(RECORD, {"input": data})


def written(db_engine: sa.Engine, slug: str, report_pk: int) -> dict[str, Any]:
    """Everything recording an event writes, for one report."""
    schema = schema_for(slug)
    with db_engine.connect() as conn:

        def count(table: str, where: str) -> int:
            return int(
                conn.execute(
                    sa.text(f'SELECT count(*) FROM "{schema}".{table} WHERE {where}'),
                    {"r": report_pk, "s": str(report_pk)},
                ).scalar_one()
            )

        status = conn.execute(
            sa.text(
                f'SELECT status, being_fixed, document_count FROM "{schema}".reports WHERE id = :r'
            ),
            {"r": report_pk},
        ).one()
        return {
            "status": tuple(status),
            "events": count("report_events", "report_id = :r"),
            "documents": count("report_documents", "report_id = :r"),
            "follow_ups": count("follow_ups", "report_id = :r"),
            "notifications": count("notifications", "report_id = :r"),
            "outbox": count("outbox", "payload->>'report_id' = :s"),
            "webhooks": count("webhook_deliveries", "payload->>'report_id' = :s"),
        }


NOTHING = {
    "status": ("draft", False, 0),
    "events": 0,
    "documents": 0,
    "follow_ups": 0,
    "notifications": 0,
    "outbox": 0,
    "webhooks": 0,
}
# client1 (org1's contact with 'reports') and the responsible manager are notified.
ONCE = {
    "status": ("rejected", True, 2),
    "events": 1,
    "documents": 2,
    "follow_ups": 1,
    "notifications": 2,
    "outbox": 1,
    "webhooks": 1,
}


def document_keys(db_engine: sa.Engine, slug: str, report_pk: int) -> set[str]:
    with db_engine.connect() as conn:
        return set(
            conn.execute(
                sa.text(
                    f'SELECT storage_key FROM "{schema_for(slug)}".report_documents '
                    "WHERE report_id = :r"
                ),
                {"r": report_pk},
            ).scalars()
        )


def s3_objects(s3: S3World, tenant_id: int, org_pk: int) -> set[str]:
    """The organization's report objects, read from nanio itself (not through the proxy)."""

    async def listed() -> set[str]:
        store = open_store(s3.storage.direct_url, secret_key="unused")
        try:
            files = TenantStorage(store, tenant_id)
            return {i.key async for i in files.list(files.key("reports", org_pk) + "/")}
        finally:
            await store.close()

    return asyncio.run(listed())


def replays_once(c: GraphQLClient, report: str, ext: str) -> list[dict[str, Any]]:
    first = post_event(c, report, ext)["data"]["recordReportEvent"]
    assert (first["__typename"], first["duplicate"]) == ("ReportEventRecorded", False), first
    again = post_event(c, report, ext)["data"]["recordReportEvent"]
    assert (again["__typename"], again["duplicate"]) == ("ReportEventRecorded", True), again
    assert again["event"]["id"] == first["event"]["id"]
    return list(first["event"]["documents"])


def downloads(c: GraphQLClient, documents: list[dict[str, Any]]) -> list[str]:
    """SHA-256 of each document's bytes, fetched through its download link."""
    hashes = []
    for document in documents:
        got = link(c, document["id"])
        assert got["__typename"] == "ReportDocumentLink", got
        url = got["url"]
        if url.startswith("/"):
            response = c.http.get(url, headers={"host": c.host})
        else:
            response = httpx.get(url, timeout=10)
        assert response.status_code == 200, response.text
        hashes.append(hashlib.sha256(response.content).hexdigest())
    return hashes


SHAS = [hashlib.sha256(XML).hexdigest(), hashlib.sha256(PDF).hexdigest()]


def reconcile_cli(s3: S3World, database_url: str, slug: str, *args: str) -> dict[str, Any]:
    """`saas reconcile-storage --tenant <slug>` as a subprocess; the report job's line."""
    env = {
        **os.environ,
        "SAAS_DATABASE_URL": database_url,
        "SAAS_DATA_DIR": str(s3.settings.data_dir),
        "SAAS_STORAGE_URL": s3.storage.direct_url,
        "SAAS_SECRET_KEY": s3.settings.secret_key,
        "SAAS_LOG_JSON": "0",
    }
    done = subprocess.run(
        [sys.executable, "-m", "saas.cli", "reconcile-storage", "--tenant", slug, *args],
        env=env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    lines = [orjson.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert [(line["tenant"], line["job"]) for line in lines] == [
        (slug, "reconcile_drive_storage"),
        (slug, "reconcile_report_storage"),
    ]
    return dict(lines[1])


# ---------------------------------------------------------------------------- the storage


def test_second_document_refused_by_storage_leaves_nothing(
    world: World, s3: S3World, firms: dict[str, Any], db_engine: sa.Engine, endpoint: str
) -> None:
    a = firms["a"]
    report = new_report(world.admin_a, world.org1)
    ext = external_id("storage-503")
    s3.storage.fail_puts_after(1)

    refused = post_event(s3.integrator, report["id"], ext)["data"]["recordReportEvent"]
    assert (refused["__typename"], refused["code"]) == (
        "StorageUnavailableError",
        "STORAGE_UNAVAILABLE",
    ), refused
    assert "недоступно" in refused["message"]
    assert s3.storage.puts == 1 and ("PUT" in {m for m, _ in s3.storage.failed})
    assert written(db_engine, a.slug, pk(report["id"])) == NOTHING
    assert s3_objects(s3, a.id, pk(world.org1)) == set()  # the first one was removed again

    s3.storage.heal()
    documents = replays_once(s3.integrator, report["id"], ext)
    assert written(db_engine, a.slug, pk(report["id"])) == ONCE
    assert s3_objects(s3, a.id, pk(world.org1)) == document_keys(
        db_engine, a.slug, pk(report["id"])
    )
    assert downloads(s3.integrator, documents) == SHAS


def test_storage_gone_mid_event_leaves_an_orphan_the_job_removes(
    world: World, s3: S3World, firms: dict[str, Any], db_engine: sa.Engine, database_url: str
) -> None:
    a = firms["a"]
    report = new_report(world.admin_a, world.org1)
    ext = external_id("storage-gone")
    before = s3_objects(s3, a.id, pk(world.org1))
    s3.storage.fail_all_after_puts(1)

    refused = post_event(s3.integrator, report["id"], ext)["data"]["recordReportEvent"]
    assert refused["__typename"] == "StorageUnavailableError", refused
    assert "DELETE" in {m for m, _ in s3.storage.failed}, s3.storage.failed
    assert written(db_engine, a.slug, pk(report["id"])) == NOTHING
    orphans = s3_objects(s3, a.id, pk(world.org1)) - before
    assert len(orphans) == 1  # could not be removed: the storage was gone
    s3.storage.heal()

    async def reconcile(**params: Any) -> dict[str, Any]:
        services = Services.build(s3.settings, database_url)
        try:
            tenant = await services.registry.by_id(a.id)
            assert tenant is not None
            job = JobContext(tenant=tenant, services=services, actor_name="reconcile")
            return dict(await reconcile_report_storage.fn(job, **params))
        finally:
            await services.close()

    fresh = asyncio.run(reconcile())
    assert orphans <= set(fresh["orphans"]) and fresh["orphans_removed"] == 0  # within a day
    assert s3_objects(s3, a.id, pk(world.org1)) - before == orphans
    # The operator's way: `saas reconcile-storage` (here with no grace period).
    swept = reconcile_cli(s3, database_url, a.slug, "--grace-seconds", "0")
    assert orphans <= set(swept["orphans"]) and swept["orphans_removed"] >= 1
    assert s3_objects(s3, a.id, pk(world.org1)) - before == set()

    documents = replays_once(s3.integrator, report["id"], ext)
    keys = document_keys(db_engine, a.slug, pk(report["id"]))
    assert s3_objects(s3, a.id, pk(world.org1)) - before == keys
    after = asyncio.run(reconcile(grace_seconds=0))  # rows name them: never orphans
    assert not keys & set(after["orphans"]) and not keys & set(after["missing"])
    assert downloads(s3.integrator, documents) == SHAS


# --------------------------------------------------------------------------- the database


@pytest.mark.parametrize(
    "trigger",
    [
        # Before COMMIT: the outbox row of the status change is refused.
        "CREATE TRIGGER refuse_{r} BEFORE INSERT ON {s}.outbox FOR EACH ROW "
        "WHEN (NEW.payload->>'report_id' = '{r}') EXECUTE FUNCTION {s}.refuse_{r}()",
        # At COMMIT: a deferred check on the documents fails.
        "CREATE CONSTRAINT TRIGGER refuse_{r} AFTER INSERT ON {s}.report_documents "
        "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.report_id = {r}) "
        "EXECUTE FUNCTION {s}.refuse_{r}()",
    ],
    ids=["before-commit", "at-commit"],
)
def test_database_refusing_after_storing_removes_the_objects(
    trigger: str,
    world: World,
    firms: dict[str, Any],
    db_engine: sa.Engine,
    live_server: Any,
    endpoint: str,
) -> None:
    a = firms["a"]
    schema = schema_for(a.slug)
    report = new_report(world.admin_a, world.org1)
    r = pk(report["id"])
    table = "outbox" if "outbox" in trigger else "report_documents"
    with db_engine.begin() as conn:
        conn.exec_driver_sql(
            f'CREATE FUNCTION "{schema}".refuse_{r}() RETURNS trigger LANGUAGE plpgsql AS '
            "$$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$"
        )
        conn.exec_driver_sql(trigger.format(r=r, s=f'"{schema}"'))
    before = folder_objects(live_server, a.id)
    ext = external_id("db-refused")
    try:
        failed = post_event(world.integrator_a, report["id"], ext)
        assert failed["data"] is None, failed
        assert [e["extensions"]["code"] for e in failed["errors"]] == ["INTERNAL"]
        assert "refused by the test" not in orjson.dumps(failed).decode()  # masked
        assert written(db_engine, a.slug, r) == NOTHING
        assert folder_objects(live_server, a.id) == before  # stored, then removed
    finally:
        with db_engine.begin() as conn:
            conn.exec_driver_sql(f'DROP TRIGGER refuse_{r} ON "{schema}".{table}')
            conn.exec_driver_sql(f'DROP FUNCTION "{schema}".refuse_{r}()')
    documents = replays_once(world.integrator_a, report["id"], ext)
    assert written(db_engine, a.slug, r) == ONCE
    assert len(folder_objects(live_server, a.id) - before) == 2
    assert downloads(world.integrator_a, documents) == SHAS


def test_lost_commit_answer_keeps_the_objects_of_committed_rows(
    world: World, firms: dict[str, Any], db_engine: sa.Engine, settings: Settings
) -> None:
    """The server committed, the API never heard: deleting the objects then would leave rows
    pointing at nothing. They stay; the caller is told to retry (the connection died:
    SERVICE_UNAVAILABLE, nothing of the database's error) and its replay is a duplicate
    carrying the same, downloadable documents."""
    a = firms["a"]
    report = new_report(world.admin_a, world.org1)
    r = pk(report["id"])
    ext = external_id("commit-lost")
    with CommitCutter(settings.database_url) as cutter:
        server = app_server(settings, database_url=cutter.url)
        integrator = GraphQLClient(server.url, world.host_a, token=world.token_a)
        try:
            cutter.arm(b"report_documents")
            lost = post_event(integrator, report["id"], ext)
            assert cutter.cut == 1
            assert lost.get("data") is None, lost
            assert [e["extensions"]["code"] for e in lost["errors"]] == ["SERVICE_UNAVAILABLE"]
        finally:
            integrator.close()
            server.stop()
    committed = written(db_engine, a.slug, r)
    assert (committed["events"], committed["documents"], committed["status"]) == (
        1,
        2,
        ("rejected", True, 2),
    )
    again = post_event(world.integrator_a, report["id"], ext)["data"]["recordReportEvent"]
    assert (again["__typename"], again["duplicate"]) == ("ReportEventRecorded", True), again
    assert downloads(world.integrator_a, again["event"]["documents"]) == SHAS
    view = world.admin_a.execute(ONE, {"id": report["id"]})["report"]
    assert view["documentCount"] == 2 and [len(e["documents"]) for e in view["timeline"]] == [2]


# ------------------------------------------------------------------------------- imports


def test_an_import_row_with_documents_is_refused(world: World, worker: Worker) -> None:  # noqa: F811
    c = world.integrator_a
    report = new_report(c, world.org1)
    with_files = {
        "reportId": report["id"],
        "externalId": external_id("import-docs"),
        "kind": "ACCEPTED",
        "occurredAt": at(0).isoformat(),
        "documents": [doc("RECEIPT", "Квитанция.xml", RECEIPT)],
    }
    plain = {**with_files, "externalId": external_id("import-plain"), "kind": "SENT"}
    del plain["documents"]
    lines = "\n".join(orjson.dumps(row).decode() for row in (with_files, plain))
    started = c.execute(IMPORT, {"lines": lines})["importReportEvents"]
    assert started["__typename"] == "ReportImport", started
    state = wait_done(world, started["id"])
    assert (state["recorded"], state["failed"]) == (1, 1), state
    assert [(e["line"], e["code"]) for e in state["errors"]] == [(1, "DOCUMENTS_NOT_IMPORTED")]
    view = world.admin_a.execute(ONE, {"id": report["id"]})["report"]
    assert [e["externalId"] for e in view["timeline"]] == [plain["externalId"]]
    assert view["documentCount"] == 0
