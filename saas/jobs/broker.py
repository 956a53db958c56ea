"""Which dramatiq broker a process uses, chosen by SAAS_BROKER_URL:

  unset          dramatiq-postgres on the application's own PostgreSQL (schema `dramatiq`)
  redis://…      dramatiq's RedisBroker  (rediss:// for TLS)
  amqp://…       dramatiq's RabbitmqBroker (amqps:// for TLS), publisher confirms on

Every broker gets the same middleware: dramatiq's defaults (age and time limits, retries with
exponential backoff), the AsyncIO event-loop thread for `async def` actors, and the tenant
middleware of saas.jobs.actors placed before Retries so it sees a message's final failure.
"""

from __future__ import annotations

import logging
from typing import Any

import dramatiq_postgres
import sqlalchemy as sa
from dramatiq import Broker
from dramatiq.middleware import AsyncIO, Retries, TimeLimit
from dramatiq_postgres import PostgresBroker

from saas.db.server import libpq_url
from saas.jobs.actors import TenantJobMiddleware
from saas.jobs.options import JobOptions

log = logging.getLogger(__name__)

# The PostgreSQL broker's tables live in their own schema, owned by the application's user:
# tenant roles have no access to it, so a tenant-bound session can never touch the queue.
BROKER_SCHEMA = "dramatiq"


class UnsupportedBrokerUrl(ValueError):
    pass


def broker_kind(broker_url: str | None) -> str:
    if not broker_url:
        return "postgres"
    scheme = broker_url.split("://", 1)[0].lower()
    if scheme in {"redis", "rediss", "unix"}:
        return "redis"
    if scheme in {"amqp", "amqps"}:
        return "rabbitmq"
    if scheme in {"postgres", "postgresql"}:
        return "postgres"
    raise UnsupportedBrokerUrl(
        f"SAAS_BROKER_URL must be redis://, amqp:// or a postgresql:// URL (or unset), got {scheme}://"
    )


def build_broker(
    broker_url: str | None, database_url: str, options: JobOptions | None = None
) -> Broker:
    """A new broker for this process (not yet made the current one)."""
    options = options or JobOptions.from_env()
    kind = broker_kind(broker_url)
    broker: Broker
    if kind == "postgres":
        broker = PostgresBroker(
            url=libpq_url(broker_url or database_url),
            schema=BROKER_SCHEMA,
            results=False,  # results go to the tenant's `jobs` table, not to the broker
            poll_interval=options.poll_interval_s,
            heartbeat_ttl=options.heartbeat_ttl_s,
        )
    elif kind == "redis":
        from dramatiq.brokers.redis import RedisBroker  # noqa: PLC0415 - only the configured broker's client is loaded (0.3-0.4 s each)

        broker = RedisBroker(url=broker_url)
    else:
        from dramatiq.brokers.rabbitmq import RabbitmqBroker  # noqa: PLC0415 - only the configured broker's client is loaded (0.3-0.4 s each)

        broker = RabbitmqBroker(url=broker_url, confirm_delivery=True)
    return prepare_broker(broker, options)


def prepare_broker(broker: Broker, options: JobOptions) -> Broker:
    """Give any broker (a StubBroker in tests too) our retry policy and middleware; idempotent."""

    for middleware in broker.middleware:
        if isinstance(middleware, Retries):
            middleware.max_retries = options.max_retries
            middleware.min_backoff = options.min_backoff_ms
            middleware.max_backoff = options.max_backoff_ms
        if isinstance(middleware, TimeLimit):
            middleware.time_limit = options.time_limit_ms
    kinds = {type(m) for m in broker.middleware}
    if AsyncIO not in kinds:
        broker.add_middleware(AsyncIO())
    if TenantJobMiddleware not in kinds:
        broker.add_middleware(TenantJobMiddleware(), before=Retries)
    broker.kabinet_options = options  # type: ignore[attr-defined]
    return broker


def ensure_broker_schema(conn: sa.Connection) -> bool:
    """Create the PostgreSQL broker's schema if missing, inside the caller's transaction.

    Called by `upgrade_shared` (so by `saas migrate`, provisioning and the test fixtures),
    whatever SAAS_BROKER_URL says: switching brokers later needs no extra step. dramatiq-postgres's
    own `init` serializes concurrent callers on an advisory lock and is idempotent.
    """

    raw: Any = conn.connection.dbapi_connection
    with raw.cursor() as cursor:
        created = bool(dramatiq_postgres.init(cursor, schema=BROKER_SCHEMA))
    if created:
        log.info("job queue schema created", extra={"schema": BROKER_SCHEMA})
    return created


def check_broker(broker: Broker) -> None:
    """Raise if the broker's server cannot be reached (blocking; run it in a thread)."""
    kind = type(broker).__name__
    if kind == "PostgresBroker":
        with broker.pool.connection(timeout=5) as conn:  # type: ignore[attr-defined]
            conn.execute(f'SELECT 1 FROM "{BROKER_SCHEMA}".queue LIMIT 0')
    elif kind == "RedisBroker":
        broker.client.ping()  # type: ignore[attr-defined]
    elif kind == "RabbitmqBroker":
        import pika  # noqa: PLC0415 - only the configured broker's client is loaded (0.3-0.4 s each)

        parameters = broker.parameters  # type: ignore[attr-defined]
        first = parameters[0] if isinstance(parameters, list) else parameters
        connection = pika.BlockingConnection(first)
        connection.close()
    # StubBroker (tests) is always ready.


def take_over(broker: Broker, worker_id: str | None, replaces: list[str]) -> int:
    """A supervised worker's identity, and the hand-off from the one it replaces.

    The PostgreSQL broker marks a message consumed by a worker id and gives it back to the
    queue only once that worker's heartbeat is older than its TTL (a minute): a restarted
    worker would leave the killed one's job "running" that long. A supervisor that saw the
    old process exit names it (SAAS_WORKER_REPLACES) and the new one requeues its messages at
    once. Redis requeues a dead worker's messages after its heartbeat timeout, RabbitMQ as
    soon as the connection drops: nothing to do there. Returns the messages requeued."""
    if type(broker).__name__ != "PostgresBroker":
        return 0
    if worker_id:
        broker.worker_id = worker_id  # type: ignore[attr-defined]
    if not replaces:
        return 0
    with broker.pool.connection(timeout=5) as conn:  # type: ignore[attr-defined]
        requeued = conn.execute(
            f"UPDATE \"{BROKER_SCHEMA}\".queue SET state = 'queued', worker_id = NULL, "
            "consumed_at = NULL, mtime = now() "
            "WHERE state = 'consumed' AND worker_id = ANY(%s::uuid[])",
            (replaces,),
        ).rowcount
        conn.execute(
            f'DELETE FROM "{BROKER_SCHEMA}".worker WHERE worker_id = ANY(%s::uuid[])', (replaces,)
        )
    return int(requeued)
