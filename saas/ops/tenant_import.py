"""`saas tenant import`: an archive of saas.ops.tenant_archive into a new or empty firm (the
format, the refusals and the id rewriting are described there)."""

from __future__ import annotations

import asyncio
import json
import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from saas.db.migrate import sync_engine, tenant_head
from saas.db.server import libpq_url
from saas.ops.tenant_archive import (
    CHUNK,
    INVITATION_FIELDS,
    KEY_COLUMN,
    MEMBERSHIP_FIELDS,
    PERSON_COLUMN,
    PERSON_FIELDS,
    SEEDED_TABLES,
    TOKEN_COLUMN,
    TOKEN_FIELDS,
    ArchiveError,
    ImportResult,
    _Archive,
    _tenant_row,
    _unjson,
    read_archive,
    shared_head,
    table_columns,
    tenant_tables,
)
from saas.rbac.store import POLICY_CHANGED
from saas.storage import open_store, tenant_prefix
from saas.tenants.provisioning import provision_tenant
from saas.tenants.registry import TENANTS_CHANGED

log = logging.getLogger(__name__)


def import_tenant(
    database_url: str,
    storage_url: str,
    secret_key: str,
    path: Path,
    slug: str | None = None,
) -> ImportResult:
    archive = read_archive(path)
    manifest = archive.manifest
    heads = manifest["heads"]
    if heads["tenant"] != tenant_head() or heads["shared"] != shared_head():
        raise ArchiveError(
            f"the archive was made at migration {heads['tenant']} (shared {heads['shared']}), "
            f"this installation is at {tenant_head()} (shared {shared_head()}): import it into an "
            "installation of the same version (upgrade the older one and export again)"
        )
    with archive.open() as tar:
        handle = tar.extractfile("shared.json")
        assert handle is not None
        shared = json.loads(handle.read())
    source = shared["tenant"]
    target = slug or source["slug"]
    url = libpq_url(database_url)

    with psycopg.connect(url) as conn, conn.cursor() as cur:
        existing = _tenant_row(cur, target)
        cur.execute("SELECT version_num FROM shared.alembic_version")
        db_shared = [r[0] for r in cur.fetchall()]
        conn.rollback()
    if db_shared != [shared_head()]:
        raise ArchiveError(
            f"this database is at shared migration {db_shared}: run `saas migrate` first"
        )
    if existing is not None:
        _check_empty(url, existing)
    else:
        engine = sync_engine(url, pool_size=1)
        try:
            provision_tenant(engine, target, source["name"])
        finally:
            engine.dispose()

    with psycopg.connect(url) as conn:
        with conn.cursor() as cur:
            tenant = _tenant_row(cur, target)
            assert tenant is not None
            conn.rollback()
        _check_empty(url, tenant)
        result = ImportResult(target, tenant["id"], 0, 0, 0, 0)
        uploaded: list[str] = []
        try:
            with conn.transaction(), conn.cursor() as cur:
                cur.execute(
                    "SELECT pg_advisory_xact_lock(hashtext('kabinet-import'), %s)", (tenant["id"],)
                )
                maps = _import_shared(cur, shared, tenant, result)
                _import_tables(cur, archive, manifest, tenant, source["id"], maps, result)
                uploaded = asyncio.run(
                    _import_files(storage_url, secret_key, archive, manifest, tenant["id"], result)
                )
                cur.execute("SELECT pg_notify(%s, %s)", (TENANTS_CHANGED, str(tenant["id"])))
                cur.execute("SELECT pg_notify(%s, %s)", (POLICY_CHANGED, str(tenant["id"])))
        except BaseException:
            if uploaded:
                asyncio.run(_delete_keys(storage_url, secret_key, uploaded))
            raise
    log.info(
        "tenant imported", extra={"tenant": target, "rows": result.rows, "files": result.files}
    )
    return result


def _check_empty(url: str, tenant: dict[str, Any]) -> None:
    slug, schema = tenant["slug"], tenant["schema_name"]
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        if tenant["status"] == "provisioning":
            raise ArchiveError(
                f"firm {slug!r} is still being provisioned: "
                "finish it with `saas tenant create` first"
            )
        cur.execute(
            sql.SQL("SELECT version_num FROM {}.alembic_version").format(sql.Identifier(schema))
        )
        version = [r[0] for r in cur.fetchall()]
        if version != [tenant_head()]:
            raise ArchiveError(f"firm {slug!r} is at migration {version}: run `saas migrate` first")
        for table in tenant_tables(cur, schema):
            if table in SEEDED_TABLES:
                continue
            cur.execute(
                sql.SQL("SELECT EXISTS (SELECT 1 FROM {}.{})").format(
                    sql.Identifier(schema), sql.Identifier(table)
                )
            )
            if cur.fetchone()[0]:  # type: ignore[index]
                raise ArchiveError(
                    f"firm {slug!r} is not empty (its table {table} holds rows): import into a new "
                    "slug (--slug) or an empty firm"
                )
        for shared_table in ("memberships", "api_tokens", "invitations"):
            cur.execute(
                sql.SQL("SELECT EXISTS (SELECT 1 FROM shared.{} WHERE tenant_id = %s)").format(
                    sql.Identifier(shared_table)
                ),
                (tenant["id"],),
            )
            if cur.fetchone()[0]:  # type: ignore[index]
                raise ArchiveError(
                    f"firm {slug!r} is not empty (it has {shared_table}): "
                    "import into a new slug or an empty firm"
                )


@dataclass
class _Maps:
    people: dict[int, int]
    tokens: dict[int, int]


def _rekey(value: Any, old: str, new: str) -> Any:
    """Storage keys inside the firm's settings (its logo) under the new firm's prefix."""
    if isinstance(value, str) and value.startswith(old):
        return new + value[len(old) :]
    if isinstance(value, dict):
        return {k: _rekey(v, old, new) for k, v in value.items()}
    if isinstance(value, list):
        return [_rekey(v, old, new) for v in value]
    return value


def _import_shared(
    cur: psycopg.Cursor[Any], shared: dict[str, Any], tenant: dict[str, Any], result: ImportResult
) -> _Maps:
    tenant_id = tenant["id"]
    source = shared["tenant"]
    people: dict[int, int] = {}
    for someone in shared["people"]:
        cur.execute(
            "SELECT id FROM shared.people WHERE lower(email) = lower(%s)", (someone["email"],)
        )
        found = cur.fetchone()
        if found:
            people[someone["id"]] = found[0]
            result.people_matched += 1
            continue
        values = [_unjson(someone[f]) for f in PERSON_FIELDS]
        cur.execute(
            f"INSERT INTO shared.people ({', '.join(PERSON_FIELDS)}) "
            f"VALUES ({', '.join(['%s'] * len(PERSON_FIELDS))}) RETURNING id",
            values,
        )
        people[someone["id"]] = cur.fetchone()[0]  # type: ignore[index]
        result.people_created += 1

    def person(value: int | None) -> int | None:
        return None if value is None else people.get(value)

    for row in shared["memberships"]:
        fields = [f for f in MEMBERSHIP_FIELDS if f != "id"]
        values = [_unjson(row[f]) for f in fields]
        values[fields.index("person_id")] = person(row["person_id"])
        cur.execute(
            f"INSERT INTO shared.memberships (tenant_id, {', '.join(fields)}) "
            f"VALUES (%s, {', '.join(['%s'] * len(fields))})",
            [tenant_id, *values],
        )
    tokens: dict[int, int] = {}
    for row in shared["api_tokens"]:
        cur.execute("SELECT 1 FROM shared.api_tokens WHERE token_hash = %s", (row["token_hash"],))
        if cur.fetchone():
            result.notes.append(
                f"API token {row['name']!r} left out: "
                "its secret is in use here (by the source firm?)"
            )
            continue
        fields = [f for f in TOKEN_FIELDS if f != "id"]
        values = [_unjson(row[f]) for f in fields]
        values[fields.index("created_by")] = person(row["created_by"])
        cur.execute(
            f"INSERT INTO shared.api_tokens (tenant_id, {', '.join(fields)}) "
            f"VALUES (%s, {', '.join(['%s'] * len(fields))}) RETURNING id",
            [tenant_id, *values],
        )
        tokens[row["id"]] = cur.fetchone()[0]  # type: ignore[index]
    for row in shared["invitations"]:
        cur.execute("SELECT 1 FROM shared.invitations WHERE token_hash = %s", (row["token_hash"],))
        if cur.fetchone():
            result.notes.append(f"invitation of {row['email']} left out: its link is in use here")
            continue
        fields = [f for f in INVITATION_FIELDS if f != "id"]
        values = [_unjson(row[f]) for f in fields]
        values[fields.index("invited_by")] = person(row["invited_by"])
        values[fields.index("accepted_person_id")] = person(row["accepted_person_id"])
        cur.execute(
            f"INSERT INTO shared.invitations (tenant_id, {', '.join(fields)}) "
            f"VALUES (%s, {', '.join(['%s'] * len(fields))})",
            [tenant_id, *values],
        )
    _import_record(cur, source, shared["policy"], tenant_id, result)
    return _Maps(people, tokens)


def _import_record(
    cur: psycopg.Cursor[Any],
    source: dict[str, Any],
    policy: list[dict[str, Any]],
    tenant_id: int,
    result: ImportResult,
) -> None:
    """The firm's policy lines (under its new domain) and record (name, domains, settings)."""
    old_domain, new_domain = f"tenant:{source['id']}", f"tenant:{tenant_id}"
    cur.execute(
        "DELETE FROM shared.casbin_rule WHERE v1 = %s OR v1 LIKE %s",
        (new_domain, new_domain + "/%"),
    )
    for rule in policy:
        rule = dict(rule)
        rule["v1"] = new_domain + rule["v1"][len(old_domain) :]
        cur.execute(
            "INSERT INTO shared.casbin_rule (ptype, v0, v1, v2, v3, v4, v5) "
            "VALUES (%(ptype)s, %(v0)s, %(v1)s, %(v2)s, %(v3)s, %(v4)s, %(v5)s)",
            rule,
        )
    domains = []
    for name in source["domains"] or []:
        cur.execute(
            "SELECT slug FROM shared.tenants WHERE %s = ANY(domains) AND id <> %s",
            (name, tenant_id),
        )
        taken = cur.fetchone()
        if taken:
            result.notes.append(f"domain {name} left out: firm {taken[0]!r} serves it here")
        else:
            domains.append(name)
    settings = _rekey(
        source["settings"] or {}, tenant_prefix(source["id"]), tenant_prefix(tenant_id)
    )
    cur.execute(
        "UPDATE shared.tenants SET name = %s, domains = %s, settings = %s, updated_at = now() "
        "WHERE id = %s",
        (source["name"], domains, psycopg.types.json.Jsonb(settings), tenant_id),
    )


def _remap_sql(table: str, column: str, mapping: dict[int, int]) -> tuple[sql.Composed, list[Any]]:
    olds = list(mapping)
    news = [mapping[o] for o in olds]
    statement = sql.SQL(
        "UPDATE {t} SET {c} = (%s::bigint[])[array_position(%s::bigint[], {c}::bigint)] "
        "WHERE {c} = ANY(%s::bigint[])"
    ).format(t=sql.Identifier(table), c=sql.Identifier(column))
    return statement, [news, olds, olds]


def _import_tables(
    cur: psycopg.Cursor[Any],
    archive: _Archive,
    manifest: dict[str, Any],
    tenant: dict[str, Any],
    source_id: int,
    maps: _Maps,
    result: ImportResult,
) -> None:
    schema, role = tenant["schema_name"], tenant["db_role"]
    cur.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(role)))
    cur.execute("SELECT set_config('search_path', %s, true)", (schema,))
    people = {o: n for o, n in maps.people.items() if o != n}
    tokens = {o: n for o, n in maps.tokens.items() if o != n}
    old_prefix, new_prefix = tenant_prefix(source_id), tenant_prefix(tenant["id"])
    order = tenant_tables(cur, schema)
    if set(order) != set(manifest["tables"]):
        raise ArchiveError("the archive's tables differ from this installation's firm schema")
    seeded = [t for t in order if t in SEEDED_TABLES]
    if seeded:
        cur.execute(
            sql.SQL("TRUNCATE {} CASCADE").format(
                sql.SQL(", ").join(sql.Identifier(schema, t) for t in seeded)
            )
        )
    with archive.open() as tar:
        for table in order:
            meta = manifest["tables"][table]
            columns = dict(table_columns(cur, schema, table))
            if set(meta["columns"]) - set(columns):
                raise ArchiveError(
                    f"table {table}: the archive's columns differ from this schema's"
                )
            stage = f"_import_{table}"[:63]
            cur.execute(
                sql.SQL("CREATE TEMP TABLE {} (LIKE {}.{}) ON COMMIT DROP").format(
                    sql.Identifier(stage), sql.Identifier(schema), sql.Identifier(table)
                )
            )
            names = sql.SQL(", ").join(map(sql.Identifier, meta["columns"]))
            handle = tar.extractfile(f"tables/{table}.copy")
            assert handle is not None
            with cur.copy(
                sql.SQL("COPY {} ({}) FROM STDIN").format(sql.Identifier(stage), names)
            ) as copy:
                while chunk := handle.read(CHUNK):
                    copy.write(chunk)
            for column in meta["columns"]:
                kind = columns[column]
                if kind in ("bigint", "integer") and PERSON_COLUMN.match(column) and people:
                    cur.execute(*_remap_sql(stage, column, people))
                elif kind in ("bigint", "integer") and TOKEN_COLUMN.match(column) and tokens:
                    cur.execute(*_remap_sql(stage, column, tokens))
                elif kind == "text" and KEY_COLUMN.match(column) and old_prefix != new_prefix:
                    cur.execute(
                        sql.SQL(
                            "UPDATE {t} SET {c} = %s || substr({c}, %s) WHERE {c} LIKE %s"
                        ).format(t=sql.Identifier(stage), c=sql.Identifier(column)),
                        (new_prefix, len(old_prefix) + 1, old_prefix + "%"),
                    )
            if table == "audit_log" and people:
                olds = list(people)
                cur.execute(
                    "UPDATE _import_audit_log SET actor = 'person:' || "
                    "(%s::bigint[])[array_position(%s::bigint[], substr(actor, 8)::bigint)] "
                    "WHERE actor ~ '^person:[0-9]+$' "
                    "AND substr(actor, 8)::bigint = ANY(%s::bigint[])",
                    ([people[o] for o in olds], olds, olds),
                )
            cur.execute(
                sql.SQL("INSERT INTO {}.{} ({}) OVERRIDING SYSTEM VALUE SELECT {} FROM {}").format(
                    sql.Identifier(schema),
                    sql.Identifier(table),
                    names,
                    names,
                    sql.Identifier(stage),
                )
            )
            result.rows += cur.rowcount
            cur.execute(sql.SQL("DROP TABLE {}").format(sql.Identifier(stage)))
            _advance_sequences(cur, schema, table, meta["columns"])
    cur.execute("RESET ROLE")
    cur.execute("SELECT set_config('search_path', 'shared', true)")


def _advance_sequences(
    cur: psycopg.Cursor[Any], schema: str, table: str, columns: list[str]
) -> None:
    """Sequences past the imported ids, so the firm's next rows get new ones."""
    for column in columns:
        cur.execute("SELECT pg_get_serial_sequence(%s, %s)", (f'"{schema}"."{table}"', column))
        sequence = cur.fetchone()[0]  # type: ignore[index]
        if sequence:
            cur.execute(
                sql.SQL(
                    "SELECT setval(%s, max({c}), true) FROM {s}.{t} HAVING max({c}) IS NOT NULL"
                ).format(
                    c=sql.Identifier(column),
                    s=sql.Identifier(schema),
                    t=sql.Identifier(table),
                ),
                (sequence,),
            )


async def _import_files(
    storage_url: str,
    secret_key: str,
    archive: _Archive,
    manifest: dict[str, Any],
    tenant_id: int,
    result: ImportResult,
) -> list[str]:
    store = open_store(storage_url, secret_key=secret_key)
    prefix = tenant_prefix(tenant_id)
    written: list[str] = []
    try:
        await store.prepare()
        with archive.open() as tar:
            for relative, meta in manifest["files"].items():
                name = f"files/{relative}"
                handle = tar.extractfile(name)
                assert handle is not None
                with tempfile.TemporaryFile() as spool:
                    while chunk := handle.read(CHUNK):
                        spool.write(chunk)
                    spool.seek(0)
                    key = prefix + relative
                    await store.put(
                        key,
                        spool,
                        content_type=meta["content_type"],
                        expected_sha256=manifest["members"][name]["sha256"],
                    )
                written.append(key)
                result.files += 1
    except BaseException:
        await _delete_from(store, written)
        raise
    finally:
        await store.close()
    return written


async def _delete_from(store: Any, keys: list[str]) -> None:
    for key in keys:
        try:
            await store.delete(key)
        except Exception:  # best effort: the reconciliation job removes what is left
            log.warning("could not remove an imported object", extra={"key": key})


async def _delete_keys(storage_url: str, secret_key: str, keys: list[str]) -> None:
    store = open_store(storage_url, secret_key=secret_key)
    try:
        await _delete_from(store, keys)
    finally:
        await store.close()
