"""Deleting a firm: only a suspended one, and only after a grace period.

`saas tenant delete SLUG` marks a suspended firm for deletion (its settings record when and
until when: `deletion.requested_at`, `deletion.purge_after`); the firm stays suspended and
intact, and `saas tenant resume` cancels the deletion. Any status change after the mark (a
resume, even a later suspend) cancels it too: the mark holds only while the firm's
`updated_at` is not later than it.

`saas tenant purge` (run it daily, e.g. from cron) purges every marked firm whose grace
period has passed; `saas tenant delete SLUG --now` purges a suspended firm at once. Purging
removes the firm's stored objects (everything under "t<id>/"), then in one transaction its
schema, its database role, its shared rows (memberships, sessions, one-time codes, API
tokens, invitations, policy lines, the firm's record) and tells every process to drop its
cached state (the tenant registry and the firm's policy enforcer, by NOTIFY). People stay:
they are platform identities and may belong to other firms. A purge that fails part way can
be run again.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from psycopg import sql

from saas.db.server import libpq_url
from saas.rbac.store import POLICY_CHANGED
from saas.storage import open_store, tenant_prefix
from saas.tenants.registry import TENANTS_CHANGED

log = logging.getLogger(__name__)

DEFAULT_GRACE = timedelta(days=30)
MARK = "deletion"


class DeletionRefused(Exception):
    pass


@dataclass
class Purged:
    slug: str
    tenant_id: int
    objects: int


def _tenant(
    cur: psycopg.Cursor[Any], slug: str
) -> tuple[int, str, str, str, dict[str, Any], datetime]:
    cur.execute(
        "SELECT id, status, schema_name, db_role, settings, updated_at FROM shared.tenants "
        "WHERE slug = %s FOR UPDATE",
        (slug,),
    )
    row = cur.fetchone()
    if row is None:
        raise DeletionRefused(f"no firm {slug!r}")
    tenant_id, status, schema, role, settings, updated_at = row
    if status != "suspended":
        raise DeletionRefused(
            f"firm {slug!r} is {status}: only a suspended firm can be deleted "
            f"(`saas tenant suspend {slug}` first)"
        )
    return tenant_id, schema, role, status, settings or {}, updated_at


def mark_for_deletion(database_url: str, slug: str, grace: timedelta = DEFAULT_GRACE) -> datetime:
    """Mark a suspended firm; returns when it may be purged."""
    with psycopg.connect(libpq_url(database_url)) as conn, conn.cursor() as cur:
        _tenant(cur, slug)
        cur.execute("SELECT now()")
        now: datetime = cur.fetchone()[0]  # type: ignore[index]
        purge_after = now + grace
        mark = {"requested_at": now.isoformat(), "purge_after": purge_after.isoformat()}
        cur.execute(
            "UPDATE shared.tenants SET updated_at = %s, "
            "settings = settings || jsonb_build_object(%s::text, %s::jsonb)"
            " WHERE slug = %s",
            (now, MARK, json.dumps(mark), slug),
        )
    log.info(
        "tenant marked for deletion", extra={"tenant": slug, "purge_after": purge_after.isoformat()}
    )
    return purge_after


def clear_mark(database_url: str, slug: str) -> None:
    """Forget a deletion mark (`saas tenant resume`)."""
    with psycopg.connect(libpq_url(database_url)) as conn:
        conn.execute(
            "UPDATE shared.tenants SET settings = settings - %s::text WHERE slug = %s", (MARK, slug)
        )


def pending_mark(settings: dict[str, Any], updated_at: datetime) -> datetime | None:
    """When a marked firm may be purged; None if unmarked or the mark was cancelled."""
    mark = settings.get(MARK)
    if not isinstance(mark, dict):
        return None
    requested = datetime.fromisoformat(mark["requested_at"])
    if updated_at > requested:
        return None
    return datetime.fromisoformat(mark["purge_after"])


def due_for_purge(database_url: str, now: datetime | None = None) -> list[str]:
    """Slugs of the suspended firms whose deletion's grace period has passed."""
    now = now or datetime.now(UTC)
    with psycopg.connect(libpq_url(database_url)) as conn:
        rows = conn.execute(
            "SELECT slug, settings, updated_at FROM shared.tenants "
            "WHERE status = 'suspended' AND settings ? %s ORDER BY id",
            (MARK,),
        ).fetchall()
    due = []
    for slug, settings, updated_at in rows:
        after = pending_mark(settings, updated_at)
        if after is not None and after <= now:
            due.append(slug)
    return due


def purge_tenant(
    database_url: str, storage_url: str, secret_key: str, slug: str, *, now: bool = False
) -> Purged:
    """Remove a suspended firm for good: its grace period must have passed unless `now`."""
    url = libpq_url(database_url)
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        tenant_id, _, _, _, settings, updated_at = _tenant(cur, slug)
        conn.rollback()
    if not now:
        after = pending_mark(settings, updated_at)
        if after is None:
            raise DeletionRefused(
                f"firm {slug!r} is not marked for deletion (or the mark was cancelled by a "
                f"status change): `saas tenant delete {slug}` first"
            )
        if after > datetime.now(UTC):
            raise DeletionRefused(
                f"firm {slug!r} may be purged after {after:%Y-%m-%d %H:%M} UTC "
                "(its grace period); `--now` purges a suspended firm at once"
            )
    objects = asyncio.run(_delete_objects(storage_url, secret_key, tenant_id))
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        tenant_id, schema, role, _, _, _ = _tenant(cur, slug)
        domain = f"tenant:{tenant_id}"
        cur.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))
        for table in ("sessions", "one_time_codes", "api_tokens", "invitations", "memberships"):
            cur.execute(
                sql.SQL("DELETE FROM shared.{} WHERE tenant_id = %s").format(sql.Identifier(table)),
                (tenant_id,),
            )
        cur.execute(
            "DELETE FROM shared.casbin_rule WHERE v1 = %s OR v1 LIKE %s", (domain, domain + "/%")
        )
        cur.execute("DELETE FROM shared.tenants WHERE id = %s", (tenant_id,))
        cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,))
        if cur.fetchone():
            cur.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
            cur.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))
        cur.execute("SELECT pg_notify(%s, %s)", (TENANTS_CHANGED, str(tenant_id)))
        cur.execute("SELECT pg_notify(%s, %s)", (POLICY_CHANGED, str(tenant_id)))
    log.info("tenant purged", extra={"tenant": slug, "objects": objects})
    return Purged(slug, tenant_id, objects)


async def _delete_objects(storage_url: str, secret_key: str, tenant_id: int) -> int:
    store = open_store(storage_url, secret_key=secret_key)
    count = 0
    try:
        keys = [info.key async for info in store.list(tenant_prefix(tenant_id))]
        for key in keys:
            await store.delete(key)
            count += 1
    finally:
        await store.close()
    return count
