"""Forwarded headers, believed only from the proxies an operator names.

`X-Forwarded-For` and `X-Forwarded-Proto` decide the client's address (login limits, the
download audit, sessions, token use) and the scheme (Secure cookies, links). Anyone can send
them, so they count only when the connection comes from an address or network listed in
`SAAS_TRUSTED_PROXIES` (none by default: the peer's own address is the client's). The app
applies uvicorn's `ProxyHeadersMiddleware` itself, outermost, with that list; uvicorn's own
handling, which trusts 127.0.0.1 unless told otherwise, is turned off wherever the app is
served (`UVICORN`). `X-Forwarded-Host` is never read: the proxy passes the `Host` header on.
"""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from saas.settings import Settings

# How long an idle HTTP/1.1 connection is kept open (uvicorn's default is 5 s). A browser
# coming back to the cabinet within the minute, or the load balancer reusing its connection
# to the app, then skips a new connection's round trips (on slow 4G ~0.56 s each, issue 12);
# longer than the load balancers' usual 60 s, so the app is not the side closing a connection
# a balancer is about to reuse.
KEEP_ALIVE_SECONDS = 75

# uvicorn options for serving the app (saas serve, saas demo, the tests' servers).
UVICORN: dict[str, Any] = {"proxy_headers": False, "timeout_keep_alive": KEEP_ALIVE_SECONDS}


def trust_proxies(app: Starlette, settings: Settings) -> None:
    """Install the forwarded headers' middleware for the configured proxies (call last, so it
    is outermost: everything below sees the client's address)."""
    if settings.trusted_proxies:
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=list(settings.trusted_proxies))
