"""`saas tenant ...`: create, create-many, list, suspend, resume, and a firm's data as a whole
(export, import, delete, purge). Wired into the `saas` command by saas.cli."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import sqlalchemy as sa

from saas.db.migrate import sync_engine, upgrade_shared
from saas.db.server import resolve_database_url
from saas.settings import Settings


def database_url(settings: Settings) -> str:
    return resolve_database_url(settings.database_url, settings.data_dir)


def cmd_tenant_data(settings: Settings, args: argparse.Namespace) -> int:
    """export / import / delete / purge: a firm's data as a whole (saas.ops.tenant_archive,
    saas.ops.tenant_deletion)."""
    from datetime import timedelta

    from saas.ops.tenant_archive import ArchiveError, export_tenant
    from saas.ops.tenant_deletion import (
        DeletionRefused,
        due_for_purge,
        mark_for_deletion,
        purge_tenant,
    )
    from saas.ops.tenant_import import import_tenant

    url = database_url(settings)
    engine = sync_engine(url)
    try:
        upgrade_shared(engine)
    finally:
        engine.dispose()
    storage = settings.storage_url
    try:
        if args.tenant_command == "export":
            out = Path(
                args.output or f"{args.slug}-{time.strftime('%Y%m%d-%H%M%S')}.kabinet.tar.gz"
            )
            result = export_tenant(url, storage, settings.secret_key, args.slug, out)
            print(
                f"exported {args.slug} to {result.path}: {result.tables} tables, {result.rows} "
                f"rows, {result.files} files, {result.size} bytes"
            )
            return 0
        if args.tenant_command == "import":
            imported = import_tenant(
                url, storage, settings.secret_key, Path(args.archive), args.slug
            )
            for note in imported.notes:
                print(f"note: {note}", file=sys.stderr)
            print(
                f"imported into {imported.slug} (id {imported.tenant_id}): {imported.rows} rows, "
                f"{imported.files} files, people: {imported.people_created} new, "
                f"{imported.people_matched} matched by e-mail; the firm is active at "
                f"{imported.slug}.{settings.base_domain}"
            )
            return 0
        if args.tenant_command == "delete":
            if args.now:
                purged = purge_tenant(url, storage, settings.secret_key, args.slug, now=True)
                print(
                    f"firm {purged.slug} purged: schema, role, {purged.objects} files, shared rows"
                )
                return 0
            after = mark_for_deletion(url, args.slug, timedelta(days=args.grace_days))
            print(
                f"firm {args.slug} marked for deletion; `saas tenant purge` removes it after "
                f"{after:%Y-%m-%d %H:%M} UTC; `saas tenant resume {args.slug}` cancels"
            )
            return 0
        slugs = args.slug or due_for_purge(url)
        for slug in slugs:
            purged = purge_tenant(url, storage, settings.secret_key, slug)
            print(f"firm {purged.slug} purged: schema, role, {purged.objects} files, shared rows")
        if not slugs:
            print("no firm is due for purging")
        return 0
    except (ArchiveError, DeletionRefused) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def cmd_tenant(settings: Settings, args: argparse.Namespace) -> int:
    from saas.tenants.provisioning import InvalidSlug, provision_tenant, set_tenant_status

    if args.tenant_command in ("export", "import", "delete", "purge"):
        return cmd_tenant_data(settings, args)
    engine = sync_engine(database_url(settings))
    try:
        upgrade_shared(engine)
        if args.tenant_command == "create-many":
            from saas.tenants.bulk import create_many_command

            return create_many_command(database_url(settings), Path(args.source), args.jobs)
        if args.tenant_command == "create":
            try:
                tenant_id = provision_tenant(engine, args.slug, args.name, args.domain or [])
            except InvalidSlug as exc:
                print(f"error: {exc}", file=sys.stderr)
                return 2
            print(
                f"tenant {args.slug} ready (id {tenant_id}) at {args.slug}.{settings.base_domain}"
            )
            return 0
        if args.tenant_command == "list":
            with engine.connect() as conn:
                rows = conn.execute(
                    sa.text(
                        "SELECT id, slug, name, status, domains FROM shared.tenants ORDER BY id"
                    )
                ).all()
            print(f"{'id':>4}  {'slug':<24} {'status':<12} name")
            for row in rows:
                domains = f"  [{', '.join(row.domains)}]" if row.domains else ""
                print(f"{row.id:>4}  {row.slug:<24} {row.status:<12} {row.name}{domains}")
            return 0
        status = {"suspend": "suspended", "resume": "active"}[args.tenant_command]
        with engine.connect() as conn:
            current = conn.execute(
                sa.text("SELECT status FROM shared.tenants WHERE slug = :slug"), {"slug": args.slug}
            ).scalar()
        if current is None:
            print(f"error: no tenant {args.slug!r}", file=sys.stderr)
            return 1
        if current == "provisioning":
            # Activating a half-provisioned tenant would serve a schema that may lack tables.
            print(
                f"error: tenant {args.slug!r} is still being provisioned; run "
                "`saas tenant create` with its slug again to finish it",
                file=sys.stderr,
            )
            return 1
        set_tenant_status(engine, args.slug, status)
        if status == "active":
            from saas.ops.tenant_deletion import clear_mark

            clear_mark(database_url(settings), args.slug)  # a resume cancels a deletion
        print(f"tenant {args.slug}: {status}")
        return 0
    finally:
        engine.dispose()


def add_tenant_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """`saas tenant ...`: create, create-many, list, suspend, resume, export, import, delete."""
    tenant = sub.add_parser("tenant", help="manage tenants (accounting firms)")
    tsub = tenant.add_subparsers(dest="tenant_command", required=True)
    create = tsub.add_parser("create")
    create.add_argument("--slug", required=True)
    create.add_argument("--name", required=True)
    create.add_argument("--domain", action="append", help="a custom domain (repeatable)")
    many = tsub.add_parser(
        "create-many", help="create the firms of a CSV (slug,name,domains) or JSON-lines file"
    )
    many.add_argument("--from", dest="source", required=True, metavar="FILE")
    many.add_argument("--jobs", type=int, default=2, help="firms created in parallel")
    tsub.add_parser("list")
    tsub.add_parser("suspend", help="cabinets answer 403 until resumed").add_argument("slug")
    tsub.add_parser("resume", help="serve again (cancels a pending deletion)").add_argument("slug")
    export_firm = tsub.add_parser(
        "export",
        help="write the firm's data to one archive: its schema's rows, shared rows "
        "(record, people, memberships, roles, tokens), files, a manifest with checksums",
    )
    export_firm.add_argument("slug")
    export_firm.add_argument(
        "-o", "--output", help="archive path (default <slug>-<time>.kabinet.tar.gz here)"
    )
    import_firm = tsub.add_parser(
        "import",
        help="restore an archive into a new or empty firm; refuses other migration heads, "
        "a corrupted archive or a firm that holds data",
    )
    import_firm.add_argument("archive")
    import_firm.add_argument(
        "--slug", help="the firm to restore into (default the archive's), created if missing"
    )
    delete = tsub.add_parser(
        "delete",
        help="mark a suspended firm for deletion; `purge` removes it after the grace period",
    )
    delete.add_argument("slug")
    delete.add_argument("--grace-days", type=float, default=30, help="default 30")
    delete.add_argument(
        "--now",
        action="store_true",
        help="purge the (suspended) firm at once: schema, role, files, shared rows, caches",
    )
    purge = tsub.add_parser(
        "purge",
        help="remove the firms marked for deletion whose grace period has passed (run daily)",
    )
    purge.add_argument("slug", nargs="*", help="only these firms (each must be due)")
