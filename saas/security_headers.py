"""Security headers on every HTTP response (a pure ASGI middleware: streaming responses and
WebSockets pass untouched, and a header a route set itself is kept).

- The cabinet (every path the front end serves) gets a Content-Security-Policy fitted to it:
  its own scripts and styles only (the brand theme is applied as CSS custom properties
  through the CSSOM, which `style-src 'self'` allows; no inline `<style>` or `style=""`
  markup), images, frames (file previews) and requests to its own origin and to the file
  storage's origin when that is S3 (presigned links), WebSocket to the same origin (`'self'`
  covers ws:/wss: of the page's host), no plugins, no `<base>`, forms posting home only.
- Nothing is framed by another site: `frame-ancestors 'none'` and `X-Frame-Options: DENY`,
  except file links (`/files/...`), which the cabinet's own preview frames (SAMEORIGIN).
- `X-Content-Type-Options: nosniff` everywhere.
- `Referrer-Policy: no-referrer` where the URL holds a secret (invitation acceptance,
  password reset, file links, the hand-off, any `token=` query), `same-origin` elsewhere.
- HSTS (`Strict-Transport-Security: max-age=31536000`) in production only: development
  serves plain HTTP on *.localhost. No `includeSubDomains`: a firm's custom domain may be the
  apex of a site the firm runs elsewhere.

GraphiQL (development only) loads its scripts from a CDN and gets no script policy.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Paths that are not the front end: the API, probes, hand-off, images, file links.
NOT_CABINET = ("/graphql", "/healthz", "/readyz", "/metrics", "/auth/", "/branding/", "/files/")
# Front-end pages whose URL carries a secret (`?token=...`).
TOKEN_PAGES = ("/invite", "/reset-password")
HSTS = "max-age=31536000"


def cabinet_policy(storage_origin: str | None) -> str:
    storage = f" {storage_origin}" if storage_origin else ""
    return "; ".join(
        (
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            f"img-src 'self' data: blob:{storage}",
            "font-src 'self' data:",
            f"connect-src 'self'{storage}",
            f"frame-src 'self'{storage}",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


def holds_secret(path: str, query: bytes) -> bool:
    return (
        path in TOKEN_PAGES or path.startswith(("/files/", "/auth/")) or b"token=" in query.lower()
    )


class SecurityHeaders:
    """`storage_origin`: called once, on the first request (the storage is opened lazily)."""

    def __init__(self, app: ASGIApp, *, production: bool, storage_origin: Callable[[], str | None]):
        self.app = app
        self.production = production
        self.storage_origin = storage_origin
        self._cabinet: str | None = None

    def headers_for(self, scope: Scope) -> list[tuple[str, str]]:
        path: str = scope.get("path", "")
        files = path.startswith("/files/")
        secret = holds_secret(path, scope.get("query_string", b""))
        headers = [
            ("x-content-type-options", "nosniff"),
            ("x-frame-options", "SAMEORIGIN" if files else "DENY"),
            ("referrer-policy", "no-referrer" if secret else "same-origin"),
        ]
        if path.startswith(NOT_CABINET):
            policy = "frame-ancestors 'self'" if files else "frame-ancestors 'none'"
        else:
            if self._cabinet is None:
                self._cabinet = cabinet_policy(self.storage_origin())
            policy = self._cabinet
        headers.append(("content-security-policy", policy))
        if self.production:
            headers.append(("strict-transport-security", HSTS))
        return headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = self.headers_for(scope)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in extra:
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)
