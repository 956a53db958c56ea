"""`saas demo | serve | worker | migrate | tenant create/list/suspend/resume/export/import/
delete/purge | token create | export-schema | reconcile-storage`."""

from __future__ import annotations

import argparse
import os
import socket
import sys
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from saas.db.migrate import migrate_all, sync_engine, tenant_head
from saas.db.server import resolve_database_url
from saas.logs import configure_logging
from saas.ops.tenant_commands import add_tenant_commands, cmd_tenant
from saas.settings import PROJECT_ROOT, Settings


def _database_url(settings: Settings) -> str:
    return resolve_database_url(settings.database_url, settings.data_dir)


def cmd_migrate(settings: Settings, args: argparse.Namespace) -> int:
    """Shared schema, then every tenant. Each tenant is one transaction: a failed tenant is left
    exactly as it was, and running the command again retries it (current tenants are skipped)."""
    url = _database_url(settings)
    started = time.monotonic()

    def progress(result):  # type: ignore[no-untyped-def]
        state = "FAILED" if result.error else ("migrated" if result.applied else "current")
        print(f"  {result.slug}: {state}", flush=True)

    try:
        summary = migrate_all(
            url,
            workers=args.workers,
            only=args.tenant or None,
            on_progress=progress if args.verbose else None,
        )
    except Exception as exc:  # the shared schema failed: no tenant was touched
        print(
            f"shared schema: FAILED {type(exc).__name__}: {str(exc).splitlines()[0]}",
            file=sys.stderr,
        )
        print(
            "No tenant was migrated. Fix the cause and run `saas migrate` again.", file=sys.stderr
        )
        return 1
    for line in summary.lines():
        print(line)
    print(f"tenant head: {tenant_head()}; took {time.monotonic() - started:.1f} s")
    if summary.failed:
        print(
            f"{len(summary.failed)} tenant(s) failed and were left unchanged. Fix the cause and "
            "run `saas migrate` again: migrated tenants are skipped, failed ones are retried.",
            file=sys.stderr,
        )
        return 1
    return 0


def cmd_token(settings: Settings, args: argparse.Namespace) -> int:
    """`saas token create`: an API token of a firm, printed once (stdout holds only the token,
    for `TOKEN=$(saas token create ...)`). The same service as the createApiToken mutation;
    the firm's audit log names the operator's command as its creator."""
    import asyncio
    import getpass

    from sqlalchemy import select

    from saas.auth.service.api_tokens import create_api_token
    from saas.db.session import shared_transaction
    from saas.schema.errors import DomainError
    from saas.services import Services
    from saas.tenants.models import Tenant
    from saas.tenants.registry import TenantRef

    async def run() -> int:
        services = Services.build(settings, _database_url(settings))
        try:
            async with shared_transaction(services.engine) as session:
                row = await session.scalar(select(Tenant).where(Tenant.slug == args.firm))
                if row is None or row.status != "active":
                    state = "no such firm" if row is None else f"the firm is {row.status}"
                    print(f"error: {args.firm!r}: {state}", file=sys.stderr)
                    return 1
                tenant = TenantRef.of(row)
                try:
                    token, secret = await create_api_token(
                        session,
                        tenant,
                        None,
                        args.name,
                        args.role,
                        args.expires_in_days,
                        by="operator:cli",
                        via="saas token create",
                        os_user=getpass.getuser(),
                    )
                except DomainError as exc:
                    print(f"error: {exc.message}", file=sys.stderr)
                    return 2
        finally:
            await services.close()
        print(
            f"token {token.name!r} (role {token.role}) of {tenant.slug}, "
            f"expires {token.expires_at:%Y-%m-%d}; shown once:",
            file=sys.stderr,
        )
        print(secret)
        return 0

    return asyncio.run(run())


def cmd_export_schema(settings: Settings, args: argparse.Namespace) -> int:
    from saas.schema.root import build_schema

    Path(args.output).write_text(build_schema(settings).as_str() + "\n")
    print(f"wrote {args.output}")
    return 0


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    import dataclasses

    from saas.app import create_app
    from saas.ops.heap import settle_heap_after_start
    from saas.ops.proxies import UVICORN
    from saas.ops.shutdown import serve
    from saas.settings import addresses

    if args.forwarded_allow_ips is not None:  # the older spelling of SAAS_TRUSTED_PROXIES
        proxies = addresses(args.forwarded_allow_ips, "--forwarded-allow-ips")
        settings = dataclasses.replace(settings, trusted_proxies=proxies)
    workers = args.workers if args.workers is not None else settings.web_workers
    if workers < 1:
        raise SystemExit("saas serve: --workers (SAAS_WEB_CONCURRENCY) must be at least 1")
    if workers > 1:
        from saas.ops.workers import serve_workers

        # Resolved once here: the workers share the database (an embedded server is started
        # by the parent, not raced by N workers).
        settings = dataclasses.replace(settings, database_url=_database_url(settings))
        return serve_workers(
            serve_worker,
            settings,
            workers,
            args.host,
            args.port,
            log_config=None,
            ws="websockets-sansio",
            **UVICORN,
        )
    app = create_app(settings)
    settle_heap_after_start()
    serve(
        app,
        settings.shutdown_grace_seconds,
        host=args.host,
        port=args.port,
        workers=None,
        log_config=None,
        ws="websockets-sansio",
        **UVICORN,
    )
    return 0


def serve_worker(settings: Settings, sock: socket.socket, options: dict[str, Any]) -> None:
    """One API worker of `saas serve --workers N` (a spawned process): the app is built here,
    after the spawn, so its pools and listeners are this process's own; served on `sock`."""
    from saas.app import create_app
    from saas.ops.heap import settle_heap_after_start
    from saas.ops.shutdown import serve
    from saas.ops.workers import STARTUP_FAILURE, exit_with_parent

    configure_logging(json_output=settings.log_json)
    exit_with_parent()
    app = create_app(settings)
    settle_heap_after_start()
    if not serve(app, settings.shutdown_grace_seconds, sockets=[sock], **options):
        sys.exit(STARTUP_FAILURE)


def cmd_worker(settings: Settings, args: argparse.Namespace) -> int:
    from saas.jobs import run_worker

    return run_worker(settings, processes=args.processes, threads=args.threads)


def cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    from saas.demo import run_demo

    return run_demo(settings, host=args.host, port=args.port, serve=not args.no_serve)


def cmd_reconcile_storage(settings: Settings, args: argparse.Namespace) -> int:
    """Run the storage reconciliation jobs (drive, report documents) of every active tenant, or
    of the named ones, now and in this process: one JSON line per tenant and job. Objects no
    row names are removed once older than the grace period; rows without objects are listed."""
    import asyncio
    import json

    from saas.jobs import JobContext
    from saas.modules.documents.jobs import reconcile_drive_storage
    from saas.modules.reports.jobs import reconcile_report_storage
    from saas.services import Services

    url = _database_url(settings)
    engine = sync_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text("SELECT id, slug FROM shared.tenants WHERE status = 'active' ORDER BY id")
            ).all()
    finally:
        engine.dispose()
    wanted = set(args.tenant or [])
    chosen: list[tuple[int, str]] = [
        (row.id, row.slug) for row in rows if not wanted or row.slug in wanted
    ]
    if unknown := wanted - {slug for _, slug in chosen}:
        print(f"error: no active tenant {', '.join(sorted(unknown))}", file=sys.stderr)
        return 1

    async def run() -> int:
        services = Services.build(settings, url)
        failed = 0
        try:
            for tenant_id, slug in chosen:
                tenant = await services.registry.by_id(tenant_id)
                if tenant is None:
                    continue
                for name, job in (
                    ("reconcile_drive_storage", reconcile_drive_storage.fn),
                    ("reconcile_report_storage", reconcile_report_storage.fn),
                ):
                    context = JobContext(tenant=tenant, services=services, actor_name=name)
                    try:
                        result = await job(context, grace_seconds=args.grace_seconds)
                    except Exception as exc:
                        failed += 1
                        result = {"error": f"{type(exc).__name__}: {exc}"}
                    print(json.dumps({"tenant": slug, "job": name, **result}), flush=True)
        finally:
            await services.close()
        return 1 if failed else 0

    return asyncio.run(run())


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="saas", description="Kabinet: client cabinets for accounting firms"
    )
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="prepare demo data and run the app with its worker")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8000)
    demo.add_argument("--no-serve", action="store_true", help="only prepare the demo data")

    serve = sub.add_parser("serve", help="run the API (uvicorn)")
    serve.add_argument("--host", default="0.0.0.0")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--forwarded-allow-ips",
        default=None,
        help="proxies whose X-Forwarded-* headers are believed (overrides SAAS_TRUSTED_PROXIES)",
    )
    serve.add_argument(
        "--workers",
        type=int,
        default=None,
        help="API processes on one socket, one per core (default SAAS_WEB_CONCURRENCY, else 1)",
    )

    worker = sub.add_parser("worker", help="run the job worker (dramatiq)")
    worker.add_argument("--processes", type=int, default=1)
    worker.add_argument("--threads", type=int, default=4)

    migrate = sub.add_parser("migrate", help="migrate the shared schema, then every tenant")
    migrate.add_argument("--workers", type=int, default=4, help="tenants migrated in parallel")
    migrate.add_argument(
        "--tenant", action="append", metavar="SLUG", help="only this tenant (repeatable)"
    )
    migrate.add_argument("-v", "--verbose", action="store_true", help="print each tenant's result")

    add_tenant_commands(sub)

    token = sub.add_parser("token", help="API tokens of a firm")
    token_sub = token.add_subparsers(dest="token_command", required=True)
    token_create = token_sub.add_parser(
        "create", help="create an API token and print it (once) on stdout"
    )
    token_create.add_argument("--firm", required=True, metavar="SLUG")
    token_create.add_argument("--role", default="integrator")
    token_create.add_argument("--name", default="integration")
    token_create.add_argument("--expires-in-days", type=int, default=365)

    reconcile = sub.add_parser(
        "reconcile-storage",
        help="find (and remove, past the grace period) stored objects no row names",
    )
    reconcile.add_argument(
        "--tenant", action="append", metavar="SLUG", help="only this tenant (repeatable)"
    )
    reconcile.add_argument(
        "--grace-seconds",
        type=int,
        default=86400,
        help="remove orphans older than this (default a day: never an upload in flight)",
    )

    export = sub.add_parser("export-schema", help="write the GraphQL SDL")
    export.add_argument("--output", default=str(PROJECT_ROOT / "schema.graphql"))
    return parser


COMMANDS = {
    "demo": cmd_demo,
    "serve": cmd_serve,
    "worker": cmd_worker,
    "migrate": cmd_migrate,
    "tenant": cmd_tenant,
    "token": cmd_token,
    "export-schema": cmd_export_schema,
    "reconcile-storage": cmd_reconcile_storage,
}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        # `serve` is the production entry point: production settings unless SAAS_ENV says otherwise.
        os.environ.setdefault("SAAS_ENV", "production")
    if args.command == "demo":
        # The demo runs in a terminal: readable lines unless JSON is asked for (the worker too).
        os.environ.setdefault("SAAS_LOG_JSON", "0")
    settings = Settings.from_env()
    configure_logging(json_output=settings.log_json)
    return COMMANDS[args.command](settings, args)


if __name__ == "__main__":
    sys.exit(main())
