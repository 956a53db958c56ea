"""The cabinet's built front end (web/dist) at "/", as a single-page app.

Any GET for a path without a file extension that is not a file (e.g. /clients/42, /invite)
gets index.html, so links in e-mails and reloads land in the app's router. Vite's hashed
files under /assets never change and are cached for a year; index.html is revalidated on
every visit so a new build is picked up at once.
"""

from __future__ import annotations

import os
from pathlib import Path

from starlette.exceptions import HTTPException
from starlette.responses import PlainTextResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

from saas.settings import PROJECT_ROOT

WEB_DIST = PROJECT_ROOT / "web" / "dist"
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"


class SinglePageApp(StaticFiles):
    def __init__(self, directory: Path = WEB_DIST):
        super().__init__(directory=directory, html=True, check_dir=False)
        self.index = Path(directory) / "index.html"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not self.index.is_file():
            response = PlainTextResponse(
                "The cabinet is not built: run `make web` (Node.js 20+).", status_code=503
            )
            await response(scope, receive, send)
            return
        await super().__call__(scope, receive, send)

    async def get_response(self, path: str, scope: Scope) -> Response:
        try:
            response = await super().get_response(path, scope)
        except HTTPException as exc:
            if exc.status_code != 404 or not _is_app_route(path):
                raise
            response = self.file_response(self.index, os.stat(self.index), scope)
        response.headers["cache-control"] = (
            IMMUTABLE if path.startswith("assets/") and response.status_code == 200 else REVALIDATE
        )
        return response


def _is_app_route(path: str) -> bool:
    """A route of the app's router, not a missing file (those stay 404)."""
    last = path.rsplit("/", 1)[-1]
    return "." not in last and not path.startswith("assets/")
