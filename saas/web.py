"""The cabinet's built front end (web/dist) at "/", as a single-page app.

Any GET for a path without a file extension (e.g. /, /clients/42, /invite) gets the HTML
shell, index.html with the brand and the session (saas.shell), so links in e-mails and
reloads land in the app's router. Vite's hashed files under /assets never change and are
cached for a year; the shell is revalidated on every visit (a new build is picked up at
once) and never kept by a shared cache (it is the visitor's).

Hashed assets are precompressed at build time (`web/vite.config.ts` writes `x.js.br` and
`x.js.gz` beside `x.js`): a request accepting brotli or gzip gets that file with its
Content-Encoding and `Vary: Accept-Encoding` (no compression work per request); the others
pass through the app's compression middleware, which says `Vary` itself. `/favicon.ico` is
the firm's favicon when it uploaded one (a redirect to its versioned URL), else the
platform's default (web/public/favicon.ico).
"""

from __future__ import annotations

from mimetypes import guess_type
from pathlib import Path

from starlette.datastructures import Headers
from starlette.responses import FileResponse, PlainTextResponse, RedirectResponse, Response
from starlette.staticfiles import NotModifiedResponse, StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from saas.modules.branding.service.brand import brand_of
from saas.settings import PROJECT_ROOT
from saas.shell import Shell

WEB_DIST = PROJECT_ROOT / "web" / "dist"
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
# Preferred first: brotli is ~15% smaller than gzip on the cabinet's scripts.
PRECOMPRESSED = (("br", ".br"), ("gzip", ".gz"))


def accepted_encodings(header: str) -> set[str]:
    """The codings an Accept-Encoding header allows (`q=0` refuses one; `*` allows all)."""
    accepted: set[str] = set()
    refused: set[str] = set()
    for item in header.split(","):
        coding, _, params = item.partition(";")
        coding = coding.strip().lower()
        quality = params.strip().lower()
        if quality.startswith("q="):
            try:
                if float(quality[2:]) <= 0:
                    refused.add(coding)
                    continue
            except ValueError:
                refused.add(coding)
                continue
        if coding:
            accepted.add(coding)
    if "*" in accepted:
        accepted |= {coding for coding, _ in PRECOMPRESSED}
    return accepted - refused


class SinglePageApp(StaticFiles):
    """`graphql`: the app's GraphQL endpoint, which fills the shell's boot data (saas.shell)."""

    def __init__(self, directory: Path = WEB_DIST, graphql: ASGIApp | None = None):
        super().__init__(directory=directory, html=True, check_dir=False)
        self.index = Path(directory) / "index.html"
        self.shell = Shell(Path(directory), graphql)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not self.index.is_file():
            response = PlainTextResponse(
                "The cabinet is not built: run `make web` (Node.js 20+).", status_code=503
            )
            await response(scope, receive, send)
            return
        await super().__call__(scope, receive, send)

    async def get_response(self, path: str, scope: Scope) -> Response:
        if scope["method"] in ("GET", "HEAD") and (
            path in (".", "index.html") or _is_app_route(path)
        ):
            return await self.shell.response(scope)
        if path == "favicon.ico":
            favicon = _firm_favicon(scope)
            if favicon is not None:
                return RedirectResponse(favicon, status_code=302)
        if path.startswith("assets/"):
            encoded = self.precompressed(path, scope)
            if encoded is not None:
                return encoded
        response = await super().get_response(path, scope)
        response.headers["cache-control"] = (
            IMMUTABLE if path.startswith("assets/") and response.status_code == 200 else REVALIDATE
        )
        return response

    def precompressed(self, path: str, scope: Scope) -> Response | None:
        """The build's brotli or gzip copy of an asset, if the client takes it and it exists."""
        request_headers = Headers(scope=scope)
        accepted = accepted_encodings(request_headers.get("accept-encoding", ""))
        for coding, suffix in PRECOMPRESSED:
            if coding not in accepted:
                continue
            full_path, stat = self.lookup_path(path + suffix)
            if stat is None:
                continue
            media_type = guess_type(path)[0] or "application/octet-stream"
            headers = {
                "cache-control": IMMUTABLE,
                "content-encoding": coding,
                "vary": "Accept-Encoding",
            }
            response = FileResponse(
                full_path, stat_result=stat, media_type=media_type, headers=headers
            )
            if self.is_not_modified(response.headers, request_headers):
                return NotModifiedResponse(response.headers)
            return response
        return None


def _firm_favicon(scope: Scope) -> str | None:
    binding = scope.get("state", {}).get("binding")
    tenant = binding.tenant if binding else None
    return brand_of(tenant).favicon_path if tenant is not None else None


def _is_app_route(path: str) -> bool:
    """A route of the app's router, not a missing file (those stay 404)."""
    last = path.rsplit("/", 1)[-1]
    return "." not in last and not path.startswith("assets/")
