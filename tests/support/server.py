"""A real uvicorn server in a background thread, serving create_app() on a free port."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from typing import Any

import uvicorn

from saas.ops.proxies import UVICORN
from tests.support.waiting import eventually


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    def __init__(self, app, port: int | None = None):  # type: ignore[no-untyped-def]
        self.port = port or free_port()
        self.app = app
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=self.port,
            log_config=None,
            ws="websockets-sansio",
            lifespan="on",
            **UVICORN,  # forwarded headers only as the app's settings say (saas.ops.proxies)
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, daemon=True, name=f"uvicorn-{self.port}"
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> LiveServer:
        self.thread.start()

        def started() -> bool:
            if not self.thread.is_alive():
                raise RuntimeError("test server did not start")
            return bool(self.server.started)

        eventually(started, within=30, every=0.02, what="the test server to start")
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def start_api_process(
    settings: Any, database_url: str, *, env: dict[str, str] | None = None, output: Any = None
) -> tuple[subprocess.Popen[bytes], int]:
    """`saas serve` in a child process on the same database (settings and `env` on top), once
    it answers /healthz; its output goes to `output` (a file; discarded by default)."""
    import httpx

    from saas.settings import PROJECT_ROOT

    port = free_port()
    environment = {
        **os.environ,
        "SAAS_DATABASE_URL": database_url,
        "SAAS_ENV": "test",
        "SAAS_LOG_JSON": "0",
        "SAAS_DATA_DIR": str(settings.data_dir),
        "SAAS_BASE_DOMAIN": settings.base_domain,
        "SAAS_SECRET_KEY": settings.secret_key,
        "SAAS_BROKER_URL": "",
        **(env or {}),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "saas.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=PROJECT_ROOT,
        env=environment,
        stdout=output or subprocess.DEVNULL,
        stderr=subprocess.STDOUT if output else subprocess.DEVNULL,
    )

    def answering() -> bool:
        if process.poll() is not None:
            raise RuntimeError("the API process exited before it answered")
        try:
            return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code < 500
        except httpx.HTTPError:
            return False

    try:
        eventually(answering, within=60, every=0.2, what="the API process to answer /healthz")
    except BaseException:
        process.kill()
        process.wait(timeout=30)
        raise
    return process, port


@contextlib.contextmanager
def api_process(settings: Any, database_url: str) -> Iterator[int]:
    """Another API process (`saas serve`) on the same database, with its own LISTEN connection:
    what it commits reaches this process only through PostgreSQL. Yields its port."""
    process, port = start_api_process(settings, database_url)
    try:
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)
