"""A firm's data, portable: `saas tenant export` writes one archive, `saas tenant import`
restores it into a new or empty firm of this or another installation.

The archive is a gzipped tar:

    manifest.json         format, the migration heads it was made at, the source firm, and the
                          size and SHA-256 of every other member
    shared.json           the firm's rows of the shared schema: its record (name, domains,
                          branding settings), its people (identities only: e-mail, name,
                          password hash, second factor), memberships, policy lines (roles and
                          permissions), API tokens and invitations
    tables/<table>.copy   every table of the firm's schema, PostgreSQL's COPY text format, in
                          primary-key order (the firm's schema, its DDL, is not in the archive:
                          the target builds it from the same migration head)
    files/<path>          every stored object under the firm's prefix "t<id>/", by its path
                          below that prefix

The data is COPY, not `pg_dump`: it needs no client binary of the server's exact version
(the embedded PostgreSQL and a managed one differ) and lets the import rewrite what is not
the firm's own: the ids of people and API tokens (shared, so different on every
installation: people are matched by e-mail) and the firm's id (in storage keys and policy
domains). Columns that name a person are the bigint columns called `person_id`,
`*_person_id` or `*_by`; those naming an API token `token_id` / `*_token_id`; storage keys
are the text columns called `storage_key` / `*_key` (tests/test_tenant_archive.py checks the
rule against every column of the schema). Values inside JSON documents (event payloads,
audit details) are kept as exported.

Import refuses, before changing anything: an archive whose members do not match the
manifest's checksums, one made at other migration heads than this installation's, and a
target firm that holds any row. A failed import leaves at most an empty firm (its
provisioning) and no stored object; importing again into it continues.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import logging
import re
import tarfile
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import psycopg
from psycopg import sql

from saas.db.migrate import script_directory, tenant_head
from saas.db.server import libpq_url
from saas.storage import open_store, tenant_prefix

log = logging.getLogger(__name__)

FORMAT = "kabinet-tenant-archive"
FORMAT_VERSION = 1
CHUNK = 1024 * 1024

PERSON_COLUMN = re.compile(r"^(person_id|.+_person_id|.+_by)$")
TOKEN_COLUMN = re.compile(r"^(token_id|.+_token_id)$")
KEY_COLUMN = re.compile(r"^(storage_key|.+_key)$")
ACTOR_PERSON = re.compile(r"^person:(\d+)$")
# Tables of the firm's schema that are not its data.
SKIPPED_TABLES = frozenset({"alembic_version"})
# Tables provisioning fills with a new firm's defaults: an "empty" firm may hold rows there,
# which the import replaces with the archive's.
SEEDED_TABLES = frozenset({"request_departments", "request_templates", "request_services"})

PERSON_FIELDS = (
    "email",
    "display_name",
    "password_hash",
    "locale",
    "totp_secret",
    "totp_enabled",
    "totp_last_step",
    "created_at",
)
MEMBERSHIP_FIELDS = (
    "id",
    "person_id",
    "kind",
    "client_org_id",
    "roles",
    "status",
    "created_at",
    "updated_at",
    "contact_label",
    "contact_phone",
    "contact_note",
)
TOKEN_FIELDS = (
    "id",
    "name",
    "role",
    "prefix",
    "token_hash",
    "created_by",
    "created_at",
    "expires_at",
    "revoked_at",
    "last_used_at",
    "last_used_ip",
)
INVITATION_FIELDS = (
    "id",
    "email",
    "token_hash",
    "kind",
    "client_org_id",
    "roles",
    "invited_by",
    "created_at",
    "expires_at",
    "accepted_at",
    "accepted_person_id",
    "revoked_at",
)


class ArchiveError(Exception):
    """An export or import refused, with a message for the operator."""


@dataclass
class ExportResult:
    path: Path
    tables: int
    rows: int
    files: int
    size: int


@dataclass
class ImportResult:
    slug: str
    tenant_id: int
    rows: int
    files: int
    people_created: int
    people_matched: int
    notes: list[str] = field(default_factory=list)


def shared_head() -> str:
    heads = script_directory().get_revisions("shared@head")
    return heads[0].revision if heads else ""


def _sha256_file(handle: IO[bytes]) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    while chunk := handle.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
    return size, digest.hexdigest()


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"$dt": value.isoformat()}
    return value


def _unjson(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"$dt"}:
        return datetime.fromisoformat(value["$dt"])
    return value


def _rows(cur: psycopg.Cursor[Any], query: str, params: Any = None) -> list[dict[str, Any]]:
    cur.execute(query, params)
    names = [c.name for c in cur.description or ()]
    return [{n: _jsonable(v) for n, v in zip(names, row, strict=True)} for row in cur.fetchall()]


def tenant_tables(cur: psycopg.Cursor[Any], schema: str) -> list[str]:
    """The firm's tables, each after the tables its foreign keys name (self-references and
    references outside the schema aside)."""
    cur.execute(
        "SELECT c.relname FROM pg_class c WHERE c.relnamespace = %s::regnamespace "
        "AND c.relkind IN ('r', 'p') ORDER BY c.relname",
        (schema,),
    )
    tables = [r[0] for r in cur.fetchall() if r[0] not in SKIPPED_TABLES]
    cur.execute(
        "SELECT c.relname, f.relname FROM pg_constraint k "
        "JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class f ON f.oid = k.confrelid "
        "WHERE k.contype = 'f' AND c.relnamespace = %s::regnamespace "
        "AND f.relnamespace = c.relnamespace AND c.oid <> f.oid",
        (schema,),
    )
    needs: dict[str, set[str]] = {t: set() for t in tables}
    for child, parent in cur.fetchall():
        if child in needs and parent in needs:
            needs[child].add(parent)
    ordered: list[str] = []
    while needs:
        ready = sorted(t for t, deps in needs.items() if not deps - set(ordered))
        if not ready:
            raise ArchiveError(f"foreign keys form a cycle among {', '.join(sorted(needs))}")
        for table in ready:
            ordered.append(table)
            del needs[table]
    return ordered


def table_columns(cur: psycopg.Cursor[Any], schema: str, table: str) -> list[tuple[str, str]]:
    """(name, type) of a table's columns, in order (generated columns aside)."""
    cur.execute(
        "SELECT a.attname, format_type(a.atttypid, NULL) FROM pg_attribute a "
        "WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped "
        "AND a.attgenerated = '' ORDER BY a.attnum",
        (f'"{schema}"."{table}"',),
    )
    return [(r[0], r[1]) for r in cur.fetchall()]


def _primary_key(cur: psycopg.Cursor[Any], schema: str, table: str) -> list[str]:
    cur.execute(
        "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
        "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = %s::regclass AND i.indisprimary "
        "ORDER BY array_position(i.indkey::int2[], a.attnum)",
        (f'"{schema}"."{table}"',),
    )
    return [r[0] for r in cur.fetchall()]


def _tenant_row(cur: psycopg.Cursor[Any], slug: str) -> dict[str, Any] | None:
    found = _rows(cur, "SELECT * FROM shared.tenants WHERE slug = %s", (slug,))
    return found[0] if found else None


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes, members: dict[str, Any]) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(datetime.now(UTC).timestamp())
    tar.addfile(info, io.BytesIO(data))
    members[name] = {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def _add_file(tar: tarfile.TarFile, name: str, handle: IO[bytes], members: dict[str, Any]) -> None:
    handle.seek(0)
    size, digest = _sha256_file(handle)
    handle.seek(0)
    info = tarfile.TarInfo(name)
    info.size = size
    info.mtime = int(datetime.now(UTC).timestamp())
    tar.addfile(info, handle)
    members[name] = {"size": size, "sha256": digest}


# --- export ---------------------------------------------------------------------------------


def export_tenant(
    database_url: str, storage_url: str, secret_key: str, slug: str, out: Path
) -> ExportResult:
    """Write the firm's archive to `out` (a consistent snapshot of its rows; its files as
    stored while the export runs: suspend the firm first for an exact copy)."""
    url = libpq_url(database_url)
    members: dict[str, Any] = {}
    tables_meta: dict[str, Any] = {}
    total_rows = 0
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    with psycopg.connect(url) as conn, tarfile.open(partial, "w:gz") as tar:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        with conn.transaction(), conn.cursor() as cur:
            tenant = _tenant_row(cur, slug)
            if tenant is None:
                raise ArchiveError(f"no firm {slug!r}")
            if tenant["status"] == "provisioning":
                raise ArchiveError(f"firm {slug!r} is still being provisioned")
            tenant_id, schema, role = tenant["id"], tenant["schema_name"], tenant["db_role"]
            cur.execute("SELECT version_num FROM shared.alembic_version")
            db_shared = [r[0] for r in cur.fetchall()]
            cur.execute(
                sql.SQL("SELECT version_num FROM {}.alembic_version").format(sql.Identifier(schema))
            )
            db_tenant = [r[0] for r in cur.fetchall()]
            if db_tenant != [tenant_head()] or db_shared != [shared_head()]:
                raise ArchiveError(
                    f"firm {slug!r} is at migration {db_tenant} (shared {db_shared}), the code at "
                    f"{tenant_head()} (shared {shared_head()}): run `saas migrate` first"
                )
            shared = _export_shared(cur, tenant, schema)
            cur.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(role)))
            for table in tenant_tables(cur, schema):
                columns = [name for name, _ in table_columns(cur, schema, table)]
                order = _primary_key(cur, schema, table) or columns
                query = sql.SQL("COPY (SELECT {} FROM {}.{} ORDER BY {}) TO STDOUT").format(
                    sql.SQL(", ").join(map(sql.Identifier, columns)),
                    sql.Identifier(schema),
                    sql.Identifier(table),
                    sql.SQL(", ").join(map(sql.Identifier, order)),
                )
                rows = 0
                with tempfile.TemporaryFile() as spool:
                    with cur.copy(query) as copy:
                        for chunk in copy:
                            spool.write(chunk)
                            rows += bytes(chunk).count(b"\n")
                    _add_file(tar, f"tables/{table}.copy", spool, members)
                tables_meta[table] = {"columns": columns, "rows": rows}
                total_rows += rows
            cur.execute("RESET ROLE")
        _add_bytes(
            tar, "shared.json", json.dumps(shared, ensure_ascii=False, indent=1).encode(), members
        )
        files = asyncio.run(_export_files(storage_url, secret_key, tenant_id, tar, members))
        manifest = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "created_at": datetime.now(UTC).isoformat(),
            "source": {"slug": slug, "tenant_id": tenant_id, "name": tenant["name"]},
            "heads": {"tenant": tenant_head(), "shared": shared_head()},
            "tables": tables_meta,
            "files": files,
            "members": members,
        }
        _add_bytes(
            tar, "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1).encode(), {}
        )
    partial.replace(out)
    log.info("tenant exported", extra={"tenant": slug, "rows": total_rows, "files": len(files)})
    return ExportResult(out, len(tables_meta), total_rows, len(files), out.stat().st_size)


def _export_shared(cur: psycopg.Cursor[Any], tenant: dict[str, Any], schema: str) -> dict[str, Any]:
    tenant_id = tenant["id"]
    domain = f"tenant:{tenant_id}"
    memberships = _rows(
        cur,
        f"SELECT {', '.join(MEMBERSHIP_FIELDS)} FROM shared.memberships "
        "WHERE tenant_id = %s ORDER BY id",
        (tenant_id,),
    )
    tokens = _rows(
        cur,
        f"SELECT {', '.join(TOKEN_FIELDS)} FROM shared.api_tokens WHERE tenant_id = %s ORDER BY id",
        (tenant_id,),
    )
    invitations = _rows(
        cur,
        f"SELECT {', '.join(INVITATION_FIELDS)} FROM shared.invitations "
        "WHERE tenant_id = %s ORDER BY id",
        (tenant_id,),
    )
    policy = _rows(
        cur,
        "SELECT ptype, v0, v1, v2, v3, v4, v5 FROM shared.casbin_rule "
        "WHERE v1 = %s OR v1 LIKE %s ORDER BY id",
        (domain, domain + "/%"),
    )
    # Every person the firm's rows name: members, and authors who have left since.
    person_ids: set[int] = {m["person_id"] for m in memberships}
    for row in tokens:
        person_ids.add(row["created_by"])
    for row in invitations:
        person_ids.update((row["invited_by"], row["accepted_person_id"]))
    for table, column in _reference_columns(cur, schema, PERSON_COLUMN):
        cur.execute(
            sql.SQL("SELECT DISTINCT {c} FROM {s}.{t} WHERE {c} IS NOT NULL").format(
                c=sql.Identifier(column), s=sql.Identifier(schema), t=sql.Identifier(table)
            )
        )
        person_ids.update(r[0] for r in cur.fetchall())
    cur.execute(
        sql.SQL(
            "SELECT DISTINCT substr(actor, 8)::bigint FROM {}.audit_log WHERE actor ~ %s"
        ).format(sql.Identifier(schema)),
        (r"^person:\d+$",),
    )
    person_ids.update(r[0] for r in cur.fetchall())
    person_ids.discard(None)  # type: ignore[arg-type]
    people = _rows(
        cur,
        f"SELECT id, {', '.join(PERSON_FIELDS)} FROM shared.people WHERE id = ANY(%s) ORDER BY id",
        (sorted(person_ids),),
    )
    record = {k: tenant[k] for k in ("id", "slug", "name", "status", "domains", "settings")}
    return {
        "tenant": record,
        "people": people,
        "memberships": memberships,
        "api_tokens": tokens,
        "invitations": invitations,
        "policy": policy,
    }


def _reference_columns(
    cur: psycopg.Cursor[Any],
    schema: str,
    pattern: re.Pattern[str],
    types: tuple[str, ...] = ("bigint", "integer"),
) -> list[tuple[str, str]]:
    cur.execute(
        "SELECT table_name, column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = %s ORDER BY table_name, ordinal_position",
        (schema,),
    )
    return [
        (t, c)
        for t, c, kind in cur.fetchall()
        if t not in SKIPPED_TABLES and kind in types and pattern.match(c)
    ]


async def _export_files(
    storage_url: str, secret_key: str, tenant_id: int, tar: tarfile.TarFile, members: dict[str, Any]
) -> dict[str, Any]:
    store = open_store(storage_url, secret_key=secret_key)
    prefix = tenant_prefix(tenant_id)
    files: dict[str, Any] = {}
    try:
        async for info in store.list(prefix):
            relative = info.key[len(prefix) :]
            stat = await store.stat(info.key)
            with tempfile.TemporaryFile() as spool:
                async for chunk in store.stream(info.key):
                    spool.write(chunk)
                _add_file(tar, f"files/{relative}", spool, members)
            files[relative] = {"content_type": stat.content_type or "application/octet-stream"}
    finally:
        await store.close()
    return files


@dataclass
class _Archive:
    path: Path
    manifest: dict[str, Any]

    def open(self) -> tarfile.TarFile:
        return tarfile.open(self.path, "r:gz")


def read_archive(path: Path) -> _Archive:
    """The archive's manifest, after checking every member against it (ArchiveError)."""
    try:
        with tarfile.open(path, "r:gz") as tar:
            manifest_member = tar.extractfile("manifest.json")
            if manifest_member is None:
                raise KeyError("manifest.json")
            manifest = json.loads(manifest_member.read())
            if manifest.get("format") != FORMAT or manifest.get("version") != FORMAT_VERSION:
                raise ArchiveError(
                    f"{path} is not a Kabinet firm archive of version {FORMAT_VERSION}"
                )
            expected: dict[str, Any] = manifest["members"]
            seen: set[str] = set()
            for member in tar:
                if member.name == "manifest.json":
                    continue
                if member.name not in expected or not member.isfile():
                    raise ArchiveError(
                        f"the archive holds {member.name!r}, which its manifest does not list"
                    )
                handle = tar.extractfile(member)
                assert handle is not None
                size, digest = _sha256_file(handle)
                want = expected[member.name]
                if size != want["size"] or digest != want["sha256"]:
                    raise ArchiveError(
                        f"checksum mismatch: {member.name} differs from the manifest "
                        "(the archive is corrupted or was altered); nothing was imported"
                    )
                seen.add(member.name)
            if missing := sorted(set(expected) - seen):
                raise ArchiveError(
                    f"the archive lacks {', '.join(missing[:5])}; nothing was imported"
                )
    except (tarfile.TarError, OSError, EOFError, KeyError, ValueError) as exc:
        if isinstance(exc, ArchiveError):
            raise
        raise ArchiveError(f"{path} is not a readable firm archive: {exc}") from exc
    return _Archive(path, manifest)
