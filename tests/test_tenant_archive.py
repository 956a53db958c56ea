"""`saas tenant export / import / delete` (issue 16): a demo firm (reports with documents,
chat, drive files) round-trips into a new slug and into a second database, every table's rows
and every file's bytes compared; the refusals; deletion after suspension and a grace period."""

from __future__ import annotations

import dataclasses
import io
import json
import tarfile
from pathlib import Path
from typing import Any

import psycopg
import pytest

from saas.cli import main
from saas.demo import prepare_demo
from saas.ops.tenant_archive import ArchiveError, export_tenant
from saas.ops.tenant_deletion import DeletionRefused, mark_for_deletion, purge_tenant
from saas.ops.tenant_import import import_tenant
from tests.support.database import drop_database, fresh_database


@pytest.fixture(scope="module")
def demo(pg_server, settings, tmp_path_factory):  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("archive")
    url = fresh_database(pg_server, prefix="kabinet_archive")
    demo_settings = dataclasses.replace(
        settings, database_url=url, data_dir=folder, storage_url=f"file://{folder / 'files'}"
    )
    prepare_demo(demo_settings)
    yield demo_settings, folder
    drop_database(pg_server, url)


def _tenant(url: str, slug: str) -> tuple[int, str]:
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT id, schema_name FROM shared.tenants WHERE slug = %s", (slug,)
        ).fetchone()
    assert row is not None
    return row[0], row[1]


def _table_rows(url: str, schema: str, old: str = "", new: str = "") -> dict[str, list[str]]:
    """Every table's rows as text (COPY), the storage prefix `old` replaced by `new`."""
    out: dict[str, list[str]] = {}
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        tables = [
            r[0]
            for r in cur.execute(
                "SELECT relname FROM pg_class WHERE relnamespace = %s::regnamespace "
                "AND relkind = 'r' AND relname <> 'alembic_version' ORDER BY 1",
                (schema,),
            )
        ]
        for table in tables:
            data = bytearray()
            with cur.copy(f'COPY (SELECT * FROM "{schema}"."{table}" ORDER BY 1) TO STDOUT') as c:
                for chunk in c:
                    data += chunk
            text = data.decode()
            if old:
                text = text.replace(f"\t{old}", f"\t{new}")
            out[table] = sorted(text.splitlines())
    return out


def _files(root: Path, tenant_id: int) -> dict[str, bytes]:
    base = root / f"t{tenant_id}"
    return {p.relative_to(base).as_posix(): p.read_bytes() for p in base.rglob("*") if p.is_file()}


def test_round_trip_into_a_new_slug_and_a_second_database(demo, pg_server, tmp_path) -> None:  # type: ignore[no-untyped-def]
    demo_settings, folder = demo
    url = demo_settings.database_url
    source_id, source_schema = _tenant(url, "alfa")
    archive = tmp_path / "alfa.tar.gz"
    result = export_tenant(url, demo_settings.storage_url, "k", "alfa", archive)
    assert result.files > 0 and result.rows > 0
    source_rows = _table_rows(url, source_schema)
    # the demo firm holds what the issue names: reports with documents, chat, drive files
    for table in ("report_documents", "chat_messages", "drive_file_versions", "reports"):
        assert source_rows[table], table

    # same installation, a new slug: people are the same, the firm's id (storage keys) is not
    imported = import_tenant(url, demo_settings.storage_url, "k", archive, "alfa-copy")
    copy_id, copy_schema = _tenant(url, "alfa-copy")
    assert imported.tenant_id == copy_id != source_id
    assert imported.people_created == 0 and imported.people_matched > 0
    assert _table_rows(url, copy_schema, f"t{copy_id}/", f"t{source_id}/") == source_rows
    assert _files(folder / "files", copy_id) == _files(folder / "files", source_id)
    with psycopg.connect(url) as conn:
        counts = conn.execute(
            "SELECT (SELECT count(*) FROM shared.memberships WHERE tenant_id = %s), "
            "(SELECT count(*) FROM shared.memberships WHERE tenant_id = %s), "
            "(SELECT count(*) FROM shared.casbin_rule WHERE v1 = %s), "
            "(SELECT count(*) FROM shared.casbin_rule WHERE v1 = %s)",
            (source_id, copy_id, f"tenant:{source_id}", f"tenant:{copy_id}"),
        ).fetchone()
    assert counts is not None and counts[0] == counts[1] > 0 and counts[2] == counts[3] > 0

    # another installation: a second database and storage
    other_url = fresh_database(pg_server, prefix="kabinet_archive_other")
    other_files = tmp_path / "other-files"
    try:
        from saas.db.migrate import sync_engine, upgrade_shared

        engine = sync_engine(other_url)
        upgrade_shared(engine)
        engine.dispose()
        other = import_tenant(other_url, f"file://{other_files}", "k", archive)
        assert other.slug == "alfa" and other.people_created == imported.people_matched
        _, other_schema = _tenant(other_url, "alfa")
        other_rows = _table_rows(other_url, other_schema, f"t{other.tenant_id}/", f"t{source_id}/")
        assert {t: len(r) for t, r in other_rows.items()} == {
            t: len(r) for t, r in source_rows.items()
        }
        # tables that name no person compare row by row (people get this database's ids)
        for table in ("report_documents", "chat_conversations", "follow_ups"):
            assert other_rows[table] == source_rows[table], table
        assert _files(other_files, other.tenant_id) == _files(folder / "files", source_id)
        with psycopg.connect(other_url) as conn:
            emails = {
                r[0]
                for r in conn.execute(
                    "SELECT p.email FROM shared.memberships m JOIN shared.people p "
                    "ON p.id = m.person_id WHERE m.tenant_id = %s",
                    (other.tenant_id,),
                )
            }
        with psycopg.connect(url) as conn:
            source_emails = {
                r[0]
                for r in conn.execute(
                    "SELECT p.email FROM shared.memberships m JOIN shared.people p "
                    "ON p.id = m.person_id WHERE m.tenant_id = %s",
                    (source_id,),
                )
            }
        assert emails == source_emails and emails
    finally:
        drop_database(pg_server, other_url)


def _repack(archive: Path, out: Path, change: Any) -> Path:
    with tarfile.open(archive, "r:gz") as src, tarfile.open(out, "w:gz") as dst:
        for member in src:
            data = src.extractfile(member).read()  # type: ignore[union-attr]
            data = change(member.name, data)
            info = tarfile.TarInfo(member.name)
            info.size = len(data)
            dst.addfile(info, io.BytesIO(data))
    return out


def test_import_refuses_corruption_other_heads_and_a_non_empty_firm(demo, tmp_path) -> None:  # type: ignore[no-untyped-def]
    demo_settings, _ = demo
    url, storage = demo_settings.database_url, demo_settings.storage_url
    archive = export_tenant(url, storage, "k", "vega", tmp_path / "vega.tar.gz").path

    def corrupt(name: str, data: bytes) -> bytes:
        return data + b"x" if name.startswith("files/") else data

    broken = _repack(archive, tmp_path / "broken.tar.gz", corrupt)
    with pytest.raises(ArchiveError, match="checksum mismatch"):
        import_tenant(url, storage, "k", broken, "vega-broken")

    def old_head(name: str, data: bytes) -> bytes:
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        manifest["heads"]["tenant"] = "t_older_1"
        return json.dumps(manifest).encode()

    older = _repack(archive, tmp_path / "older.tar.gz", old_head)
    with pytest.raises(ArchiveError, match="made at migration t_older_1"):
        import_tenant(url, storage, "k", older, "vega-older")
    with pytest.raises(ArchiveError, match="not empty"):
        import_tenant(url, storage, "k", archive)  # vega itself holds data
    with psycopg.connect(url) as conn:
        slugs = {r[0] for r in conn.execute("SELECT slug FROM shared.tenants")}
    assert not slugs & {"vega-broken", "vega-older"}  # nothing was created


def test_delete_needs_suspension_and_a_grace_period_then_removes_everything(demo, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from datetime import timedelta

    demo_settings, folder = demo
    url, storage = demo_settings.database_url, demo_settings.storage_url
    archive = export_tenant(url, storage, "k", "vega", tmp_path / "vega.tar.gz").path
    import_tenant(url, storage, "k", archive, "vega-doomed")
    doomed_id, schema = _tenant(url, "vega-doomed")
    vega_id, vega_schema = _tenant(url, "vega")
    vega_rows = _table_rows(url, vega_schema)
    with psycopg.connect(url) as conn:
        role = conn.execute(
            "SELECT db_role FROM shared.tenants WHERE id = %s", (doomed_id,)
        ).fetchone()[0]  # type: ignore[index]
    assert _files(folder / "files", doomed_id)

    with pytest.raises(DeletionRefused, match="only a suspended firm"):
        mark_for_deletion(url, "vega-doomed")
    assert main_env(demo_settings, ["tenant", "suspend", "vega-doomed"]) == 0
    mark_for_deletion(url, "vega-doomed", timedelta(days=30))
    with pytest.raises(DeletionRefused, match="grace period"):
        purge_tenant(url, storage, "k", "vega-doomed")
    purged = purge_tenant(url, storage, "k", "vega-doomed", now=True)
    assert purged.objects > 0
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT to_regnamespace(%s)", (schema,)).fetchone() == (None,)
        assert conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone() is None
        left = conn.execute(
            "SELECT (SELECT count(*) FROM shared.tenants WHERE id = %(t)s) "
            "+ (SELECT count(*) FROM shared.memberships WHERE tenant_id = %(t)s) "
            "+ (SELECT count(*) FROM shared.casbin_rule WHERE v1 = %(d)s)",
            {"t": doomed_id, "d": f"tenant:{doomed_id}"},
        ).fetchone()
    assert left == (0,)
    assert not (folder / "files" / f"t{doomed_id}").exists() or not _files(
        folder / "files", doomed_id
    )
    # the other firms are intact
    assert _table_rows(url, vega_schema) == vega_rows
    assert _files(folder / "files", vega_id)


def main_env(demo_settings: Any, argv: list[str]) -> int:
    import os

    wanted = {
        "SAAS_DATABASE_URL": demo_settings.database_url,
        "SAAS_STORAGE_URL": demo_settings.storage_url,
    }
    old = {name: os.environ.get(name) for name in wanted}
    os.environ.update(wanted)
    try:
        return main(argv)
    finally:
        for name, value in old.items():
            if value is None:
                os.environ.pop(name)
            else:
                os.environ[name] = value


# Integer columns of a firm's schema that name neither a person nor an API token nor a row of
# another schema (counters, positions, ids of the firm's own rows): the import keeps them.
FIRM_OWN_NUMBERS = {
    "attempts", "copied_from_id", "correction", "current_version_no", "document_count", "done",
    "duration_ms", "event_id", "file_id", "hard_days", "last_message_id",
    "last_read_message_id", "link_id", "minutes", "organization_id", "paused_days",
    "period_year", "planned_days", "position", "quantity", "response_code", "size", "total",
    "version_no", "budget_kopecks", "price_kopecks", "amount_kopecks", "total_kopecks",
    "volume_kopecks", "fee_kopecks", "number", "document_id", "conversation_id",
}  # fmt: skip


def test_every_integer_column_is_classified_for_the_import(demo) -> None:  # type: ignore[no-untyped-def]
    """A new column holding a person's or a token's id must follow the naming rule the
    import rewrites by (saas.ops.tenant_archive): a name outside the rule and this list fails."""
    from saas.ops.tenant_archive import PERSON_COLUMN, TOKEN_COLUMN

    demo_settings, _ = demo
    _, schema = _tenant(demo_settings.database_url, "alfa")
    with psycopg.connect(demo_settings.database_url) as conn:
        rows = conn.execute(
            "SELECT c.relname, a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
            "WHERE c.relnamespace = %s::regnamespace AND c.relkind = 'r' AND a.attnum > 0 "
            "AND NOT a.attisdropped AND a.atttypid IN ('int4'::regtype, 'int8'::regtype) "
            "AND a.attname <> 'id' AND NOT EXISTS (SELECT 1 FROM pg_constraint k "
            "WHERE k.conrelid = c.oid AND k.contype = 'f' AND a.attnum = ANY(k.conkey))",
            (schema,),
        ).fetchall()
    assert rows
    unclassified = sorted(
        f"{table}.{column}"
        for table, column in rows
        if not PERSON_COLUMN.match(column)
        and not TOKEN_COLUMN.match(column)
        and column not in FIRM_OWN_NUMBERS
    )
    assert unclassified == []


def test_purge_takes_due_firms_and_resume_cancels(demo, tmp_path) -> None:  # type: ignore[no-untyped-def]
    demo_settings, folder = demo
    url, storage = demo_settings.database_url, demo_settings.storage_url
    archive = export_tenant(url, storage, "k", "vega", tmp_path / "vega.tar.gz").path
    import_tenant(url, storage, "k", archive, "vega-later")
    later_id, _ = _tenant(url, "vega-later")
    assert _files(folder / "files", later_id)
    assert main_env(demo_settings, ["tenant", "suspend", "vega-later"]) == 0
    assert main_env(demo_settings, ["tenant", "delete", "vega-later", "--grace-days", "0"]) == 0
    assert main_env(demo_settings, ["tenant", "resume", "vega-later"]) == 0  # cancels
    assert main_env(demo_settings, ["tenant", "suspend", "vega-later"]) == 0
    assert main_env(demo_settings, ["tenant", "purge"]) == 0
    assert _tenant(url, "vega-later")[0] == later_id  # the mark was cancelled: still there
    assert main_env(demo_settings, ["tenant", "delete", "vega-later", "--grace-days", "0"]) == 0
    assert main_env(demo_settings, ["tenant", "purge"]) == 0
    with psycopg.connect(url) as conn:
        assert (
            conn.execute("SELECT 1 FROM shared.tenants WHERE slug = 'vega-later'").fetchone()
            is None
        )
    assert not _files(folder / "files", later_id)
    # a firm that is not suspended is refused (exit status 1)
    assert main_env(demo_settings, ["tenant", "delete", "alfa"]) == 1
