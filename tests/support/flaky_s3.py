"""A real S3 endpoint (nanio) behind a proxy that fails the requests a test picks: the storage
going away in the middle of a request (the first object stored, the second refused), which
stopping nanio cannot time.

The proxy forwards every request byte for byte (SigV4 signs the Host the client used, which
is the proxy's, so nanio still checks every signature) and answers a failing one with 503
ServiceUnavailable, as an overloaded or dying S3 would:

    with FlakyS3(tmp_path) as s3:
        server = s3_server(settings, s3.url)
        s3.fail_puts_after(1)            # the 2nd object PUT and later ones fail, deletes pass
        s3.fail_all_after_puts(1)        # after one object PUT, everything fails
        s3.heal()
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.support.nanio import NanioServer
from tests.support.server import LiveServer

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "upgrade"}
# httpx hands over the body decoded: its length and encoding are the proxy's to say.
NOT_RELAYED = HOP_BY_HOP | {"content-encoding"}
UNAVAILABLE = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>ServiceUnavailable</Code>'
    b"<Message>injected by the test</Message></Error>"
)

# (method, path, object PUTs that went through so far) -> fail this request?
Rule = Callable[[str, str, int], bool]


class FlakyS3:
    def __init__(self, data_dir: Path):
        self.nanio = NanioServer(data_dir)
        self.rule: Rule = lambda method, path, puts: False
        self.puts = 0  # object PUTs forwarded since the rule was set
        self.failed: list[tuple[str, str]] = []
        self.server = LiveServer(
            Starlette(routes=[Route("/{path:path}", self._forward, methods=METHODS)])
        )

    # --- the storage URL the app is given ---------------------------------------------------

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.server.port}"

    @property
    def url(self) -> str:
        """SAAS_STORAGE_URL through the proxy."""
        return self.nanio.url.replace(self.nanio.endpoint, self.endpoint)

    @property
    def direct_url(self) -> str:
        """SAAS_STORAGE_URL of nanio itself (what the test reads the truth from)."""
        return self.nanio.url

    # --- faults ---------------------------------------------------------------------------

    def _set(self, rule: Rule) -> None:
        self.puts, self.failed, self.rule = 0, [], rule

    def fail_puts_after(self, n: int) -> None:
        """Object PUTs after the first `n` fail; everything else (deletes) goes through."""
        self._set(lambda method, path, puts: method == "PUT" and puts >= n)

    def fail_all_after_puts(self, n: int) -> None:
        """After `n` object PUTs every request fails: the storage is gone."""
        self._set(lambda method, path, puts: puts >= n)

    def heal(self) -> None:
        self._set(lambda method, path, puts: False)

    # --- life -----------------------------------------------------------------------------

    def __enter__(self) -> FlakyS3:
        self.nanio.start()
        self.server.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.stop()
        self.nanio.stop()

    async def _forward(self, request: Request) -> Response:
        path = request.url.path
        is_object = path.strip("/").count("/") >= 1  # /bucket/key, not the bucket itself
        if self.rule(request.method, path, self.puts):
            self.failed.append((request.method, path))
            return Response(UNAVAILABLE, status_code=503, media_type="application/xml")
        headers = [(k, v) for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP]
        query = request.url.query
        async with httpx.AsyncClient(timeout=30) as client:
            answer = await client.request(
                request.method,
                f"http://{self.nanio.endpoint}{path}" + (f"?{query}" if query else ""),
                headers=headers,
                content=await request.body(),
            )
        if request.method == "PUT" and is_object and answer.status_code < 300:
            self.puts += 1
        relayed = {k: v for k, v in answer.headers.items() if k.lower() not in NOT_RELAYED}
        if request.method == "HEAD" and "content-length" in answer.headers:
            relayed["content-length"] = answer.headers["content-length"]  # the object's size
        return Response(answer.content, status_code=answer.status_code, headers=relayed)


METHODS = ["GET", "HEAD", "PUT", "POST", "DELETE"]
