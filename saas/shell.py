"""The cabinet's HTML shell (web/dist/index.html) with what its first screen needs.

Before, the cabinet asked for the brand, then for the session, each a round trip after the
script had loaded. The server knows both already (the host and the cookie): it runs the
cabinet's own `Branding` and `Session` queries (printed by the build into dist/boot.json,
exactly as the cabinet sends them) through the GraphQL app with the page request's binding,
and puts their results in the page as a JSON data block,

    <script type="application/json" id="kabinet-boot">{"branding": {...}, "session": {...}}</script>

which the cabinet hands to its GraphQL client as already answered (web/src/app/boot.ts). A
data block is not a script: the CSP (`script-src 'self'`) does not run or refuse it. `<`,
`>` and `&` are escaped, so no value can close the element. The page also gets the firm's
name as its title and its favicon. A query that fails is left out (the cabinet then asks for
it as before); the page is personal, so it is `private`.
"""

from __future__ import annotations

import html
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import orjson
from starlette.responses import HTMLResponse
from starlette.types import ASGIApp, Message, Scope

log = logging.getLogger(__name__)

BOOT_ID = "kabinet-boot"
SHELL_CACHE = "no-cache, private"
# The page request's headers the queries need (the host, the session cookie, the language,
# the client's address as the proxies tell it); the rest describe the page request.
KEPT_HEADERS = frozenset({b"host", b"cookie", b"accept-language", b"user-agent", b"x-request-id"})


@dataclass(frozen=True)
class Template:
    mtime: float
    page: str
    queries: dict[str, str]


def escape_json(data: Any) -> str:
    """JSON safe inside a `<script>` element: no `</script>`, `<!--` or entity can appear."""
    text = orjson.dumps(data).decode()
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


class Shell:
    """index.html and dist/boot.json, read again when the build replaces index.html."""

    def __init__(self, dist: Path, graphql: ASGIApp | None):
        self.index = dist / "index.html"
        self.boot = dist / "boot.json"
        self.graphql = graphql
        self._template: Template | None = None

    def template(self) -> Template:
        mtime = os.stat(self.index).st_mtime
        if self._template is None or self._template.mtime != mtime:
            queries: dict[str, str] = {}
            if self.graphql is not None and self.boot.is_file():
                queries = orjson.loads(self.boot.read_bytes())
            page = self.index.read_text(encoding="utf-8")
            self._template = Template(mtime, page, queries)
        return self._template

    async def response(self, scope: Scope) -> HTMLResponse:
        template = self.template()
        data: dict[str, Any] = {}
        for name, query in template.queries.items():
            result = await self.run(scope, query)
            if result is not None:
                data[name] = result
        return HTMLResponse(render(template.page, data), headers={"cache-control": SHELL_CACHE})

    async def run(self, scope: Scope, query: str) -> dict[str, Any] | None:
        """`query` through the GraphQL app as a GET of this page's client; its data or None."""
        assert self.graphql is not None
        headers = [(k, v) for k, v in scope["headers"] if k.lower() in KEPT_HEADERS]
        request = {
            **scope,
            "method": "GET",
            "path": "/graphql",
            "raw_path": b"/graphql",
            "root_path": "",
            "query_string": urlencode({"query": query}).encode(),
            "headers": [*headers, (b"accept", b"application/json")],
        }
        status = 0
        body = bytearray()

        async def receive() -> Message:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                body.extend(message.get("body", b""))

        await self.graphql(request, receive, send)
        if status != 200:
            log.info("the shell's query answered %s; the cabinet will ask itself", status)
            return None
        result = orjson.loads(bytes(body))
        data = result.get("data")
        return data if isinstance(data, dict) and not result.get("errors") else None


def render(page: str, data: dict[str, Any]) -> str:
    """index.html with the boot data, and the firm's name and favicon when there is a firm."""
    head = [f'<script type="application/json" id="{BOOT_ID}">{escape_json(data)}</script>']
    brand = (data.get("branding") or {}).get("branding") or {}
    if brand and not brand.get("isPlatform"):
        page = page.replace(
            "<title></title>", f"<title>{html.escape(brand.get('displayName') or '')}</title>", 1
        )
        if brand.get("faviconUrl"):
            head.append(f'<link rel="icon" href="{html.escape(brand["faviconUrl"])}" />')
    return page.replace("</head>", "".join(head) + "</head>", 1)
