"""The object storage interface, its errors, and the key rules every backend shares.

Keys are "/"-separated paths. Each tenant's objects live under "t<tenant id>/": modules get a
`TenantStorage` (saas.storage.tenant) that refuses any key outside that prefix.
"""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import BinaryIO

# What `put` accepts: the whole body, a readable binary file, or an async stream of chunks
# (e.g. Starlette's `request.stream()`).
Body = bytes | BinaryIO | AsyncIterable[bytes]

CHUNK_SIZE = 1024 * 1024
MAX_KEY_BYTES = 1024  # the S3 limit
DEFAULT_LINK_TTL = timedelta(minutes=10)
MAX_LINK_TTL = timedelta(days=7)  # the S3 (SigV4) limit; links are meant to be short-lived


class StorageError(Exception):
    """Base of every storage failure."""


class InvalidKey(StorageError, ValueError):
    """A key that is malformed, tries path tricks, or lies outside the tenant's prefix."""


class ObjectNotFound(StorageError, LookupError):
    pass


class StorageUnavailable(StorageError):
    """The storage cannot be reached (server down, network, missing folder)."""


class StorageAccessDenied(StorageError):
    """The storage refused our credentials or the request's signature."""


class ObjectTooLarge(StorageError):
    """The body exceeded the size limit given to `put`; nothing was stored."""


class ChecksumMismatch(StorageError):
    """The stored body's size or SHA-256 differs from what the caller expected; nothing kept."""


@dataclass(frozen=True)
class ObjectInfo:
    key: str
    size: int
    content_type: str | None = None
    modified: datetime | None = None
    etag: str | None = None
    # Known after `put` on every backend; from `stat` when the backend stored it.
    sha256: str | None = None


def validate_key(key: str, *, prefix: bool = False) -> str:
    """Refuse anything that is not a plain relative path of safe segments.

    No absolute paths, no `.`/`..` segments, no empty segments, no backslashes, no NUL or
    other control characters. With `prefix=True` a trailing "/" is allowed (a folder prefix)
    and the empty string means "everything".
    """
    if not isinstance(key, str):
        raise InvalidKey("object keys are strings")
    if prefix and key == "":
        return key
    body = key[:-1] if prefix and key.endswith("/") else key
    if not body:
        raise InvalidKey("empty object key")
    if len(key.encode("utf-8")) > MAX_KEY_BYTES:
        raise InvalidKey(f"object key longer than {MAX_KEY_BYTES} bytes")
    if key.startswith("/"):
        raise InvalidKey("object keys are relative (no leading '/')")
    if "\\" in key:
        raise InvalidKey("object keys use '/' only (no backslash)")
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in key):
        raise InvalidKey("object keys may not contain NUL or control characters")
    for segment in body.split("/"):
        if segment in ("", ".", ".."):
            raise InvalidKey(f"invalid object key segment {segment!r} in {key!r}")
    return key


class Sha256Counter:
    """Counts and hashes a body as it streams through, enforcing an optional size limit."""

    def __init__(self, max_size: int | None = None):
        self.hash = hashlib.sha256()
        self.size = 0
        self.max_size = max_size

    def update(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.max_size is not None and self.size > self.max_size:
            raise ObjectTooLarge(f"the file is larger than the limit of {self.max_size} bytes")
        self.hash.update(chunk)

    @property
    def hexdigest(self) -> str:
        return self.hash.hexdigest()


def check_expected(
    counter: Sha256Counter, expected_size: int | None, expected_sha256: str | None
) -> None:
    if expected_size is not None and counter.size != expected_size:
        raise ChecksumMismatch(f"expected {expected_size} bytes, received {counter.size}")
    if expected_sha256 is not None and counter.hexdigest != expected_sha256.lower():
        raise ChecksumMismatch("the SHA-256 of the received bytes differs from the expected one")


def link_ttl(expires: timedelta | None) -> timedelta:
    ttl = expires or DEFAULT_LINK_TTL
    if ttl <= timedelta(0) or ttl > MAX_LINK_TTL:
        raise ValueError("a link lives between 1 second and 7 days")
    return ttl


class ObjectStore(ABC):
    """A storage backend. Keys are full keys (already tenant-prefixed); backends validate
    their shape again (defence in depth) but know nothing of tenants."""

    kind: str
    # The origin (scheme://host[:port]) browsers reach for this backend's links, when it is
    # not this app (S3's presigned URLs): the cabinet's Content-Security-Policy allows it.
    browser_origin: str | None = None

    @abstractmethod
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
        """Store a body, streaming it; returns its size and SHA-256.

        Replaces an existing object atomically. With `max_size`, `expected_size` or
        `expected_sha256`, a body that breaks them is not kept (ObjectTooLarge /
        ChecksumMismatch)."""

    @abstractmethod
    def stream(self, key: str, *, chunk_size: int = CHUNK_SIZE) -> AsyncIterator[bytes]:
        """The object's bytes in chunks (ObjectNotFound before the first chunk)."""

    async def get(self, key: str) -> bytes:
        return b"".join([chunk async for chunk in self.stream(key)])

    @abstractmethod
    async def stat(self, key: str) -> ObjectInfo: ...

    async def exists(self, key: str) -> bool:
        try:
            await self.stat(key)
        except ObjectNotFound:
            return False
        return True

    @abstractmethod
    async def delete(self, key: str) -> None:
        """Remove the object; removing a missing object is not an error."""

    @abstractmethod
    def list(self, prefix: str) -> AsyncIterator[ObjectInfo]:
        """Every object whose key starts with `prefix`, in key order."""

    async def checksum(self, key: str) -> tuple[int, str]:
        """(size, SHA-256) of a stored object, read back in full: verifies a presigned upload."""
        counter = Sha256Counter()
        async for chunk in self.stream(key):
            counter.update(chunk)
        return counter.size, counter.hexdigest

    @abstractmethod
    async def download_url(
        self,
        key: str,
        *,
        expires: timedelta | None = None,
        filename: str | None = None,
        content_type: str | None = None,
    ) -> str:
        """A short-lived GET link: presigned for S3, a signed token for the folder backend."""

    @abstractmethod
    async def upload_url(
        self,
        key: str,
        *,
        expires: timedelta | None = None,
        max_size: int | None = None,
    ) -> str:
        """A short-lived PUT link for uploading straight to storage."""

    @abstractmethod
    async def check(self) -> None:
        """Raise StorageUnavailable / StorageAccessDenied unless the storage is usable."""

    async def prepare(self) -> None:  # noqa: B027 (optional for a backend)
        """Create what the backend needs (folder, bucket) if missing."""

    async def close(self) -> None:  # noqa: B027 (optional for a backend)
        """Release connections."""
