"""A TCP proxy in front of PostgreSQL that loses a COMMIT's answer: armed, it forwards the next
COMMIT of a connection whose transaction touched a given table, waits for the server's answer
(so the commit did happen), and then closes that connection without passing the answer on.
The client sees "server closed the connection unexpectedly" and cannot know whether its
transaction committed: the case a network failure at the worst moment produces.

`take_database_away()` / `bring_back()`: a database outage (every connection closed, new
ones refused) and its end, as a restarted PostgreSQL looks to the pools in front of it.

    with CommitCutter(database_url) as cutter:
        app_settings = dataclasses.replace(settings, database_url=cutter.url)
        cutter.arm(b"report_documents")
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from tests.support.server import free_port

# A simple-protocol Query message holding exactly "COMMIT" (how psycopg commits).
COMMIT = b"Q\x00\x00\x00\x0bCOMMIT\x00"


class CommitCutter:
    def __init__(self, database_url: str):
        parts = urlsplit(database_url)
        # The embedded PostgreSQL is reached by a Unix socket named in the query (?host=/dir
        # &port=N); the machine's by TCP. The proxy itself always listens on TCP.
        query = dict(parse_qsl(parts.query))
        host = query.pop("host", None) or parts.hostname or "127.0.0.1"
        port = int(query.pop("port", None) or parts.port or 5432)
        self.socket = f"{host}/.s.PGSQL.{port}" if host.startswith("/") else None
        self.upstream = (host, port)
        self.port = free_port()
        netloc = parts.netloc.rsplit("@", 1)
        userinfo = netloc[0] + "@" if len(netloc) == 2 else ""
        self.url = urlunsplit(
            parts._replace(netloc=f"{userinfo}127.0.0.1:{self.port}", query=urlencode(query))
        )
        self.table: bytes | None = None
        self.cut = 0  # connections cut so far
        self.down = False  # an outage: every connection closed, new ones refused
        self._writers: set[asyncio.StreamWriter] = set()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None

    def arm(self, table: bytes) -> None:
        """Lose the answer to the next COMMIT of a transaction that mentioned `table`."""
        self.table = table

    def take_database_away(self) -> None:
        """An outage: close every proxied connection, refuse new ones until `bring_back`."""
        self.down = True

        def close_all() -> None:
            for writer in list(self._writers):
                writer.close()

        self._loop.call_soon_threadsafe(close_all)

    def bring_back(self) -> None:
        self.down = False

    def __enter__(self) -> CommitCutter:
        self._thread.start()
        started = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._serve, "127.0.0.1", self.port), self._loop
        )
        self._server = started.result(10)
        return self

    def __exit__(self, *exc: Any) -> None:
        # On the proxy's own loop: asyncio.Server is not thread-safe (closed from this thread
        # while a connection detached on the loop, both woke its waiters: a TypeError).
        if self._server is not None:
            self._loop.call_soon_threadsafe(self._server.close)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    async def _serve(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        if self.down:
            client_w.close()
            return
        if self.socket is not None:
            server_r, server_w = await asyncio.open_unix_connection(self.socket)
        else:
            server_r, server_w = await asyncio.open_connection(*self.upstream)
        state = {"touched": False, "cutting": False}

        async def to_server() -> None:
            while data := await client_r.read(65536):
                if self.table is not None and self.table in data:
                    state["touched"] = True
                if COMMIT in data:
                    if state["touched"] and self.table is not None:
                        self.table = None
                        state["cutting"] = True
                    state["touched"] = False
                server_w.write(data)
                await server_w.drain()
            server_w.close()

        async def to_client() -> None:
            while data := await server_r.read(65536):
                if state["cutting"]:  # the commit's answer: it never arrives
                    self.cut += 1
                    break
                client_w.write(data)
                await client_w.drain()
            client_w.close()
            server_w.close()

        self._writers.update((client_w, server_w))
        try:
            await asyncio.gather(to_server(), to_client(), return_exceptions=True)
        finally:
            self._writers.difference_update((client_w, server_w))
