"""Prometheus metrics at /metrics.

Labels are bounded on purpose: the route template (never the raw path), the method, the status
code, the GraphQL operation type and outcome. No tenant slug, person or operation name is a
label: each distinct value is a new time series, and a platform with thousands of firms would
multiply every series by thousands. Per-firm questions are answered from the logs (every line
carries the tenant) and from Sentry (tenant tag). The only tenant-related series is the count of
firms by status, which is bounded by the handful of statuses.
"""

from __future__ import annotations

import logging
import time
import weakref
from collections.abc import Iterator
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from saas.logs import request_id_var, tenant_var

log = logging.getLogger("saas.access")

# Probes and scrapes arrive every few seconds: counted, but not written to the access log.
QUIET_PATHS = ("/healthz", "/readyz", "/metrics")

HTTP_REQUESTS = Counter(
    "kabinet_http_requests_total",
    "HTTP requests by route template, method and status code.",
    ["route", "method", "status"],
)
HTTP_LATENCY = Histogram(
    "kabinet_http_request_duration_seconds",
    "Time from the request's arrival to the end of its response, by route, method and status.",
    ["route", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
HTTP_IN_FLIGHT = Gauge("kabinet_http_requests_in_flight", "HTTP requests being served now.")
WEBSOCKETS_OPEN = Gauge("kabinet_websocket_connections", "Open WebSocket connections.")
GRAPHQL_OPERATIONS = Counter(
    "kabinet_graphql_operations_total",
    "GraphQL operations by type (query, mutation, subscription) and outcome: ok; refused "
    "(invalid document, limit, permission or other expected error); error (unexpected).",
    ["type", "outcome"],
)
GRAPHQL_LATENCY = Histogram(
    "kabinet_graphql_operation_duration_seconds",
    "GraphQL operation time by type (subscriptions: time to set up).",
    ["type"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
TENANTS = Gauge("kabinet_tenants", "Firms by status (read at scrape time).", ["status"])


# The status a client that closed its connection before the answer is counted and logged with.
CLIENT_CLOSED = 499


class PoolCollector(Collector):
    """Connection pool usage of the process's engines, read at scrape time."""

    def __init__(self) -> None:
        self.engines: weakref.WeakSet[AsyncEngine] = weakref.WeakSet()

    def collect(self) -> Iterator[GaugeMetricFamily]:
        stats = {"size": 0, "checked_out": 0, "checked_in": 0, "overflow": 0}
        for engine in list(self.engines):
            pool: Any = engine.sync_engine.pool
            # overflow() is negative while the pool is still filling up to its size.
            stats["size"] += pool.size()
            stats["checked_out"] += pool.checkedout()
            stats["checked_in"] += pool.checkedin()
            stats["overflow"] += max(pool.overflow(), 0)
        family = GaugeMetricFamily(
            "kabinet_db_pool_connections",
            "Database pool: configured size, connections in use (checked_out), idle "
            "(checked_in) and beyond the size (overflow).",
            labels=["state"],
        )
        for state, value in stats.items():
            family.add_metric([state], value)
        yield family


POOLS = PoolCollector()
REGISTRY.register(POOLS)


def track_engine(engine: AsyncEngine) -> None:
    POOLS.engines.add(engine)


# Routes whose path carries a long-lived secret: the access log writes the template.
SECRET_ROUTES = frozenset({"/calendar/{token}.ics"})


def route_template(scope: Scope) -> str:
    """The matching route's path template ("/graphql"), never the raw path."""
    app = scope.get("app")
    for route in getattr(app, "routes", ()):
        match, _ = route.matches(scope)
        if match is not Match.NONE:
            return getattr(route, "path", "") or "/"
    return "unmatched"


class RequestMetricsMiddleware:
    """Counts and times every HTTP request, writes one access-log line per request.

    Installed outermost, so refusals of the binding middleware (unknown host, suspended firm,
    refused credentials) are counted too. The request id and tenant are read back from what
    the binding middleware set: the X-Request-ID response header and scope["state"].
    """

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            WEBSOCKETS_OPEN.inc()
            try:
                await self.app(scope, receive, send)
            finally:
                WEBSOCKETS_OPEN.dec()
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # if the app dies before answering, the server answers 500
        request_id: str | None = None

        async def observed_send(message: Message) -> None:
            nonlocal status, request_id
            if message["type"] == "http.response.start":
                status = message["status"]
                for name, value in message.get("headers", ()):
                    if name.lower() == b"x-request-id":
                        request_id = value.decode("latin-1")
            await send(message)

        HTTP_IN_FLIGHT.inc()
        try:
            await self.app(scope, receive, observed_send)
        except ClientDisconnect:
            # The client went away before its request was read: nobody to answer, nothing
            # failed here. One access line (status 499, as proxies log it), no traceback.
            status = CLIENT_CLOSED
        finally:
            HTTP_IN_FLIGHT.dec()
            elapsed = time.perf_counter() - started
            route, method = route_template(scope), scope["method"]
            HTTP_REQUESTS.labels(route, method, str(status)).inc()
            HTTP_LATENCY.labels(route, method, str(status)).observe(elapsed)
            if not scope["path"].startswith(QUIET_PATHS):
                self._access_log(scope, route, status, elapsed, request_id)

    @staticmethod
    def _access_log(
        scope: Scope, route: str, status: int, elapsed: float, request_id: str | None
    ) -> None:
        binding = scope.get("state", {}).get("binding")
        tenant = binding.tenant.slug if binding is not None and binding.tenant else tenant_var.get()
        # The log filter stamps request_id/tenant from the context variables: set them to what
        # this request used, whatever the inner layers left behind.
        request_id_var.set(request_id or request_id_var.get())
        tenant_var.set(tenant)
        # A path that is itself a long-lived secret (a calendar feed's URL) is logged as its
        # route: whoever reads the logs must not be able to subscribe to someone's calendar.
        path = route if route in SECRET_ROUTES else scope["path"]
        log.info(
            "%s %s %s",
            scope["method"],
            path,
            status,
            extra={
                "method": scope["method"],
                "path": path,
                "route": route,
                "status": status,
                "duration_ms": round(elapsed * 1000, 2),
            },
        )


async def refresh_tenant_counts(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        rows = (
            await conn.execute(text("SELECT status, count(*) FROM shared.tenants GROUP BY status"))
        ).all()
    TENANTS.clear()
    for row in rows:
        TENANTS.labels(row[0]).set(row[1])


async def metrics(request: Request) -> Response:
    try:
        await refresh_tenant_counts(request.app.state.services.engine)
    except Exception as exc:  # a scrape must still answer when the database does not
        log.warning("tenant counts unavailable: %s", exc)
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
