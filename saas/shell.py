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

A client's home (`/cabinet/<organization>`, no filter in the address) also gets its first
answers, dist/boot.json's "clientHome" queries (the organization, what needs the client, the
feed's first page and its counts), as `"prefetched": [{"name", "variables", "data"}]`,
`<link rel=modulepreload>` for the home page's chunk and the default language, and a
`<link rel=stylesheet>` for the chunk's styles: the page, its styles and its messages load
beside the main script (not each a round trip after it), and the feed shows with no GraphQL
round trip. They run exactly like the brand and the session (the same GraphQL app, the page's
cookie and host, so the same viewer, firm and grants as the cabinet's own request), and only
when the session just answered says the viewer is a contact of that organization at the
host's firm: an anonymous visitor, or a person of another firm, gets nothing of it.
"""

from __future__ import annotations

import base64
import html
import logging
import os
import re
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


CLIENT_HOME = re.compile(r"/cabinet/([1-9][0-9]{0,17})/?")
ORGANIZATION_TYPE = "ClientOrganization"


@dataclass(frozen=True)
class PageQuery:
    query: str
    variables: dict[str, Any]


@dataclass(frozen=True)
class Template:
    mtime: float
    page: str
    queries: dict[str, str]
    client_home: dict[str, PageQuery]
    preload: tuple[str, ...]
    styles: tuple[str, ...]


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
            boot: dict[str, Any] = {}
            if self.graphql is not None and self.boot.is_file():
                boot = orjson.loads(self.boot.read_bytes())
            home = boot.get("clientHome") or {}
            page = self.index.read_text(encoding="utf-8")
            self._template = Template(
                mtime,
                page,
                {name: query for name, query in boot.items() if isinstance(query, str)},
                {
                    name: PageQuery(q["query"], q.get("variables") or {})
                    for name, q in (home.get("queries") or {}).items()
                },
                tuple(home.get("preload") or ()),
                tuple(home.get("styles") or ()),
            )
        return self._template

    async def response(self, scope: Scope) -> HTMLResponse:
        template = self.template()
        data: dict[str, Any] = {}
        for name, query in template.queries.items():
            result = await self.run(scope, query)
            if result is not None:
                data[name] = result
        preload: tuple[str, ...] = ()
        styles: tuple[str, ...] = ()
        organization = client_home_of(scope, data.get("session"))
        if organization is not None and template.client_home:
            data["prefetched"] = await self.prefetch(scope, template.client_home, organization)
            preload, styles = template.preload, template.styles
        page = render(template.page, data, preload, styles)
        return HTMLResponse(page, headers={"cache-control": SHELL_CACHE})

    async def prefetch(
        self, scope: Scope, queries: dict[str, PageQuery], organization: str
    ) -> list[dict[str, Any]]:
        """The client home's queries for `organization`; those that answered."""
        fill = {
            "$organization": organization,
            "$organizationGlobalId": global_id(ORGANIZATION_TYPE, organization),
        }
        names = list(queries)
        variables = [
            {
                k: fill.get(v, v) if isinstance(v, str) else v
                for k, v in queries[n].variables.items()
            }
            for n in names
        ]
        # One after the other: the page request's scope (its state) is shared by the runs.
        results = [
            await self.run(scope, queries[n].query, v)
            for n, v in zip(names, variables, strict=True)
        ]
        return [
            {"name": name, "variables": v, "data": result}
            for name, v, result in zip(names, variables, results, strict=True)
            if result is not None
        ]

    async def run(
        self, scope: Scope, query: str, variables: dict[str, Any] | None = None
    ) -> dict[str, Any] | None:
        """`query` through the GraphQL app as a GET of this page's client; its data or None."""
        assert self.graphql is not None
        headers = [(k, v) for k, v in scope["headers"] if k.lower() in KEPT_HEADERS]
        request = {
            **scope,
            "method": "GET",
            "path": "/graphql",
            "raw_path": b"/graphql",
            "root_path": "",
            "query_string": urlencode(
                {
                    "query": query,
                    **({"variables": orjson.dumps(variables).decode()} if variables else {}),
                }
            ).encode(),
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


def global_id(type_name: str, key: str) -> str:
    """The Relay global id the cabinet computes (web/src/graphql/ids.ts, globalIdOf)."""
    return base64.b64encode(f"{type_name}:{key}".encode()).decode()


def client_home_of(scope: Scope, session: Any) -> str | None:
    """The organization of a client's home page when the session says the viewer is its
    contact at this host's firm; None for any other page, person or visitor."""
    match = CLIENT_HOME.fullmatch(scope.get("path", ""))
    if match is None or scope.get("query_string") or not isinstance(session, dict):
        return None
    firm, viewer = session.get("currentFirm"), session.get("viewer")
    if not isinstance(firm, dict) or not isinstance(viewer, dict) or not firm.get("slug"):
        return None
    if viewer.get("mfaPending"):
        return None
    organization = match.group(1)
    for cabinet in viewer.get("cabinets") or ():
        if (
            cabinet.get("kind") == "CLIENT"
            and str(cabinet.get("organizationId")) == organization
            and (cabinet.get("firm") or {}).get("slug") == firm["slug"]
        ):
            return organization
    return None


def render(
    page: str, data: dict[str, Any], preload: tuple[str, ...] = (), styles: tuple[str, ...] = ()
) -> str:
    """index.html with the boot data, and the firm's name and favicon when there is a firm.

    `styles` go after the build's own style sheet (the head's end), where Vite would append
    them, so the cascade is the same; `crossorigin` as Vite's links, so its loader finds them
    (`link[href][rel=stylesheet]`) and the browser fetches each once."""
    head = [f'<script type="application/json" id="{BOOT_ID}">{escape_json(data)}</script>']
    head += [f'<link rel="modulepreload" href="/{html.escape(path)}" />' for path in preload]
    head += [
        f'<link rel="stylesheet" crossorigin href="/{html.escape(path)}" />' for path in styles
    ]
    brand = (data.get("branding") or {}).get("branding") or {}
    if brand and not brand.get("isPlatform"):
        page = page.replace(
            "<title></title>", f"<title>{html.escape(brand.get('displayName') or '')}</title>", 1
        )
        if brand.get("faviconUrl"):
            head.append(f'<link rel="icon" href="{html.escape(brand["faviconUrl"])}" />')
    return page.replace("</head>", "".join(head) + "</head>", 1)
