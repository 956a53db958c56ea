"""Binding a request to its tenant and principal: one pure-ASGI middleware.

The tenant comes from the Host header (or from the API token on the platform host); the
principal from the session cookie or the bearer token. Unknown host: 404, an HTML page for a
browser (`saas.unknown_host`), JSON for API clients. Suspended tenant: 403 JSON. The binding
is put in scope["state"] for the GraphQL context.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import orjson
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from saas.auth.authenticate import AuthRefused, authenticate
from saas.auth.principal import Principal
from saas.logs import request_id_var, tenant_var
from saas.services import Services
from saas.tenants.registry import TenantRef, UnknownHost
from saas.unknown_host import page, wants_page

# Health, metrics and the cabinet's hashed assets need no tenant or principal
# (no session lookup per static file).
OPEN_PATHS = ("/healthz", "/readyz", "/metrics", "/assets/")


@dataclass(frozen=True)
class RequestBinding:
    request_id: str
    tenant: TenantRef | None
    principal: Principal
    host: str
    ip: str | None
    user_agent: str | None


async def send_error(
    scope: Scope, receive: Receive, send: Send, status: int, code: str, message: str
) -> None:
    body = orjson.dumps({"error": {"code": code, "message": message}})
    prefix = "http"
    if scope["type"] == "websocket":
        if "websocket.http.response" not in scope.get("extensions", {}):
            await send({"type": "websocket.close", "code": 4000 + status, "reason": message[:120]})
            return
        # The handshake is answered like an HTTP request (a 401 INVALID_TOKEN, as documented)
        # rather than a bare 403 that says nothing.
        prefix = "websocket.http"
    await send(
        {
            "type": f"{prefix}.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": f"{prefix}.response.body", "body": body})


async def send_page(send: Send, status: int, body: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/html; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                (b"cache-control", b"no-store"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class RequestBindingMiddleware:
    def __init__(self, app: ASGIApp, services: Services):
        self.app = app
        self.services = services

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or scope["path"].startswith(OPEN_PATHS):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        request_id = headers.get("x-request-id") or uuid.uuid4().hex
        request_id_var.set(request_id)
        host = headers.get("host", "")
        try:
            match = await self.services.registry.resolve_host(host)
        except UnknownHost as exc:
            if wants_page(scope):
                entry = self.services.settings.public_url(self.services.settings.base_domain)
                await send_page(send, 404, page(scope, exc.args[0], entry))
                return
            await send_error(
                scope,
                receive,
                send,
                404,
                "UNKNOWN_HOST",
                f"No cabinet is served at {exc.args[0]!r}. Check the address.",
            )
            return
        tenant = match.tenant
        try:
            principal, tenant = await authenticate(self.services, headers, scope, tenant)
        except AuthRefused as exc:
            await send_error(scope, receive, send, exc.status, exc.code, exc.message)
            return
        if tenant is not None and not tenant.active:
            await send_error(
                scope,
                receive,
                send,
                403,
                "TENANT_SUSPENDED",
                f"The cabinet of {tenant.name} is suspended. Contact your accounting firm.",
            )
            return
        tenant_var.set(tenant.slug if tenant else None)
        client = scope.get("client")
        scope.setdefault("state", {})["binding"] = RequestBinding(
            request_id=request_id,
            tenant=tenant,
            principal=principal,
            host=host,
            ip=client[0] if client else None,
            user_agent=headers.get("user-agent"),
        )

        async def send_with_request_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        await self.app(scope, receive, send_with_request_id)
