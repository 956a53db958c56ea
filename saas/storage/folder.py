"""The local-folder backend (the embedded default, `file://.data/files`).

Objects are files under the root at their key's path. A body is written to a temporary file
in `<root>/.tmp` and renamed into place, so readers never see half a file. The content type and
SHA-256 sit beside, in `<root>/.meta/<key>.json`. Tenant keys start with "t<id>/", so the
dot-folders can never collide with an object.

Links are `<link_base>/<signed token>` (saas.storage.tokens); the app serves them with
saas.storage.endpoint.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import tempfile
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO

from saas.storage.base import (
    CHUNK_SIZE,
    Body,
    ObjectInfo,
    ObjectNotFound,
    ObjectStore,
    Sha256Counter,
    StorageUnavailable,
    check_expected,
    link_ttl,
    validate_key,
)
from saas.storage.tokens import sign_file_token

DEFAULT_LINK_BASE = "/files"


class FolderStore(ObjectStore):
    kind = "folder"

    def __init__(self, root: Path, secret_key: str, *, link_base: str = DEFAULT_LINK_BASE):
        self.root = root.resolve()
        self.secret_key = secret_key
        self.link_base = link_base.rstrip("/")

    def __repr__(self) -> str:
        return f"FolderStore({str(self.root)!r})"

    # --- paths ---------------------------------------------------------------------------

    def path_of(self, key: str) -> Path:
        validate_key(key)
        path = (self.root / key).resolve()
        # validate_key already refuses "..", this also refuses symlinks pointing outside.
        if not path.is_relative_to(self.root) or path == self.root:
            raise ObjectNotFound(key)
        return path

    def _meta_path(self, key: str) -> Path:
        return self.root / ".meta" / f"{key}.json"

    def _check_root(self) -> None:
        if not self.root.is_dir():
            raise StorageUnavailable(f"the storage folder {self.root} does not exist")

    # --- operations ----------------------------------------------------------------------

    async def prepare(self) -> None:
        await asyncio.to_thread(self.prepare_now)

    def prepare_now(self) -> None:
        for folder in (self.root, self.root / ".tmp", self.root / ".meta"):
            folder.mkdir(parents=True, exist_ok=True)

    async def check(self) -> None:
        await asyncio.to_thread(self._check)

    def _check(self) -> None:
        self._check_root()
        if not os.access(self.root, os.W_OK | os.X_OK):
            raise StorageUnavailable(f"the storage folder {self.root} is not writable")

    async def put(
        self,
        key: str,
        body: Body,
        *,
        content_type: str = "application/octet-stream",
        max_size: int | None = None,
        expected_size: int | None = None,
        expected_sha256: str | None = None,
    ) -> ObjectInfo:
        path = self.path_of(key)
        await asyncio.to_thread(self._check_root)
        counter = Sha256Counter(max_size)
        tmp_dir = self.root / ".tmp"
        await asyncio.to_thread(tmp_dir.mkdir, exist_ok=True)
        fd, tmp_name = await asyncio.to_thread(tempfile.mkstemp, dir=tmp_dir, prefix="put-")
        handle = os.fdopen(fd, "wb")
        try:
            async for chunk in _chunks(body):
                counter.update(chunk)
                await asyncio.to_thread(handle.write, chunk)
            await asyncio.to_thread(_flush, handle)
            handle.close()
            check_expected(counter, expected_size, expected_sha256)
            meta = {"content_type": content_type, "sha256": counter.hexdigest}
            await asyncio.to_thread(self._commit, key, path, Path(tmp_name), meta)
        except BaseException:
            handle.close()
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)
            raise
        stat = await asyncio.to_thread(path.stat)
        return ObjectInfo(
            key, counter.size, content_type, _mtime(stat.st_mtime), None, counter.hexdigest
        )

    def _commit(self, key: str, path: Path, tmp: Path, meta: dict[str, Any]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        meta_path = self._meta_path(key)
        meta_path.parent.mkdir(parents=True, exist_ok=True)
        meta_tmp = meta_path.with_name(meta_path.name + ".tmp")
        meta_tmp.write_text(json.dumps(meta))
        os.replace(tmp, path)
        os.replace(meta_tmp, meta_path)

    async def stream(self, key: str, *, chunk_size: int = CHUNK_SIZE) -> AsyncIterator[bytes]:
        path = self.path_of(key)
        try:
            handle = await asyncio.to_thread(path.open, "rb")
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            await asyncio.to_thread(self._check_root)
            raise ObjectNotFound(key) from None
        try:
            while chunk := await asyncio.to_thread(handle.read, chunk_size):
                yield chunk
        finally:
            handle.close()

    async def stat(self, key: str) -> ObjectInfo:
        return await asyncio.to_thread(self._stat, key)

    def _stat(self, key: str) -> ObjectInfo:
        path = self.path_of(key)
        try:
            stat = path.stat()
        except (FileNotFoundError, NotADirectoryError):
            self._check_root()
            raise ObjectNotFound(key) from None
        if not path.is_file():
            raise ObjectNotFound(key)
        meta = self._read_meta(key)
        return ObjectInfo(
            key,
            stat.st_size,
            meta.get("content_type"),
            _mtime(stat.st_mtime),
            None,
            meta.get("sha256"),
        )

    def _read_meta(self, key: str) -> dict[str, Any]:
        try:
            data: dict[str, Any] = json.loads(self._meta_path(key).read_text())
            return data
        except (OSError, ValueError):
            return {}

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._delete, key)

    def _delete(self, key: str) -> None:
        path = self.path_of(key)
        self._check_root()
        for target in (path, self._meta_path(key)):
            with contextlib.suppress(FileNotFoundError, IsADirectoryError, NotADirectoryError):
                target.unlink()
        # Drop the folders the object leaves empty, up to the root.
        parent = path.parent
        while parent != self.root and parent.is_relative_to(self.root):
            try:
                parent.rmdir()
            except OSError:
                break
            parent = parent.parent

    async def list(self, prefix: str) -> AsyncIterator[ObjectInfo]:
        validate_key(prefix, prefix=True)
        infos = await asyncio.to_thread(lambda: list(self._walk(prefix)))
        for info in infos:
            yield info

    def _walk(self, prefix: str) -> Iterator[ObjectInfo]:
        self._check_root()
        # Walk the deepest folder the prefix names entirely, then filter by the full prefix.
        folder = prefix.rsplit("/", 1)[0] if "/" in prefix else ""
        start = self.root / folder
        if not start.is_dir():
            return
        found = []
        for directory, dirs, files in os.walk(start):
            if Path(directory) == self.root:
                dirs[:] = [d for d in dirs if not d.startswith(".")]
            for name in files:
                relative = Path(directory, name).relative_to(self.root).as_posix()
                if relative.startswith(prefix):
                    found.append(relative)
        for key in sorted(found):
            with contextlib.suppress(ObjectNotFound):
                yield self._stat(key)

    async def download_url(
        self,
        key: str,
        *,
        expires: timedelta | None = None,
        filename: str | None = None,
        content_type: str | None = None,
    ) -> str:
        token = sign_file_token(
            self.secret_key,
            key,
            "GET",
            int(link_ttl(expires).total_seconds()),
            filename=filename,
            content_type=content_type,
        )
        return f"{self.link_base}/{token}"

    async def upload_url(
        self, key: str, *, expires: timedelta | None = None, max_size: int | None = None
    ) -> str:
        token = sign_file_token(
            self.secret_key, key, "PUT", int(link_ttl(expires).total_seconds()), max_size=max_size
        )
        return f"{self.link_base}/{token}"


def _flush(handle: BinaryIO) -> None:
    handle.flush()
    os.fsync(handle.fileno())


def _mtime(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, tz=UTC)


async def _chunks(body: Body, chunk_size: int = CHUNK_SIZE) -> AsyncIterator[bytes]:
    """Any accepted body as an async stream of chunks."""
    if isinstance(body, bytes | bytearray | memoryview):
        data = bytes(body)
        for start in range(0, len(data), chunk_size):
            yield data[start : start + chunk_size]
    elif hasattr(body, "read"):
        while chunk := await asyncio.to_thread(body.read, chunk_size):
            yield chunk
    else:
        async for chunk in body:
            if chunk:
                yield bytes(chunk)
