"""A real S3 endpoint for tests: the `nanio` server (pip) on a free loopback port.

nanio checks SigV4 signatures, so wrong keys and tampered presigned URLs are refused as a real
S3 would. `s3_test_url()` gives SAAS_TEST_STORAGE_URL when it is set (a MinIO on CI), else
starts nanio; use it from a session fixture:

    @pytest.fixture(scope="session")
    def s3_url(tmp_path_factory):
        with s3_test_url(tmp_path_factory.mktemp("s3")) as url:
            yield url
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support.server import free_port
from tests.support.waiting import eventually

NANIO = Path(sys.executable).with_name("nanio")


class NanioServer:
    def __init__(self, data_dir: Path, *, port: int | None = None, bucket: str = "kabinet-test"):
        self.data_dir = data_dir
        self.port = port or free_port()
        self.bucket = bucket
        self.access_key = "kabinet-test"
        self.secret_key = secrets.token_hex(16)
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        """The SAAS_STORAGE_URL of this server."""
        return (
            f"s3://{self.access_key}:{self.secret_key}@{self.endpoint}/{self.bucket}"
            "?secure=false&connect_timeout=1"
        )

    def start(self) -> NanioServer:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        command = [str(NANIO)] if NANIO.exists() else [sys.executable, "-m", "nanio"]
        env = {
            **os.environ,
            "NANIO_ACCESS_KEY": self.access_key,
            "NANIO_SECRET_KEY": self.secret_key,
        }
        self.process = subprocess.Popen(
            [
                *command,
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--data-dir",
                str(self.data_dir),
                "--no-access-log",
                "--log-level",
                "warning",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        process = self.process

        def listening() -> bool:
            if process.poll() is not None:
                error = process.stderr.read().decode() if process.stderr else ""
                raise RuntimeError(f"nanio exited: {error}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return True
            except OSError:
                return False

        try:
            eventually(listening, within=20, what="nanio to listen")
        except AssertionError:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process is not None and self.process.stderr:
            self.process.stderr.close()
        self.process = None


@contextmanager
def s3_test_url(data_dir: Path) -> Iterator[str]:
    """SAAS_TEST_STORAGE_URL if set, else a nanio started for the duration."""
    if configured := os.environ.get("SAAS_TEST_STORAGE_URL"):
        yield configured
        return
    server = NanioServer(data_dir).start()
    try:
        yield server.url
    finally:
        server.stop()
