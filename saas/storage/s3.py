"""The S3-compatible backend (MinIO, AWS S3, any SigV4 endpoint) through the `minio` client.

The minio client is synchronous: every call runs in a thread. An async body is pulled into
minio's reader from the event loop chunk by chunk, so uploads stream (parts of 16 MiB) and are
hashed on the way. Links are SigV4 presigned URLs, signed locally (no round trip), for the
public endpoint when one is configured (browsers may reach the storage by another name).
"""

from __future__ import annotations

import asyncio
import io
import os
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import timedelta
from typing import Any, TypeVar
from urllib.parse import quote

import urllib3
from minio import Minio
from minio.credentials import ChainedProvider, EnvAWSProvider, EnvMinioProvider
from minio.error import MinioException, S3Error, ServerError
from urllib3.exceptions import HTTPError as Urllib3Error

from saas.storage.base import (
    CHUNK_SIZE,
    Body,
    ChecksumMismatch,
    ObjectInfo,
    ObjectNotFound,
    ObjectStore,
    Sha256Counter,
    StorageAccessDenied,
    StorageError,
    StorageUnavailable,
    check_expected,
    link_ttl,
    validate_key,
)

PART_SIZE = 16 * 1024 * 1024
NOT_FOUND_CODES = {"NoSuchKey", "NoSuchObject", "ResourceNotFound"}
DENIED_CODES = {
    "AccessDenied",
    "SignatureDoesNotMatch",
    "InvalidAccessKeyId",
    "InvalidToken",
    "ExpiredToken",
    "RequestTimeTooSkewed",
    "AllAccessDisabled",
}

T = TypeVar("T")


def http_client(connect_timeout: float, read_timeout: float) -> urllib3.PoolManager:
    # minio's default retries a refused connection five times with backoff: an outage would
    # take seconds to report. Two quick retries, then a clear StorageUnavailable.
    return urllib3.PoolManager(
        timeout=urllib3.Timeout(connect=connect_timeout, read=read_timeout),
        maxsize=16,
        cert_reqs="CERT_REQUIRED",
        ca_certs=os.environ.get("SSL_CERT_FILE"),  # None: the system's CA store
        retries=urllib3.Retry(
            total=2,
            backoff_factor=0.1,
            status_forcelist=[500, 502, 503, 504],
            allowed_methods=None,
            raise_on_status=False,
        ),
    )


class S3Store(ObjectStore):
    kind = "s3"

    def __init__(
        self,
        *,
        endpoint: str,
        bucket: str,
        access_key: str | None,
        secret_key: str | None,
        secure: bool = True,
        region: str = "us-east-1",
        public_endpoint: str | None = None,
        public_secure: bool | None = None,
        connect_timeout: float = 3.0,
        read_timeout: float = 60.0,
    ):
        self.endpoint = endpoint
        self.bucket = bucket
        public_https = secure if public_secure is None else public_secure
        self.browser_origin = (
            f"{'https' if public_https else 'http'}://{public_endpoint}"
            if public_endpoint
            else f"{'https' if secure else 'http'}://{endpoint}"
        )
        credentials: dict[str, Any] = {}
        if access_key is None:
            credentials["credentials"] = ChainedProvider([EnvAWSProvider(), EnvMinioProvider()])
        else:
            credentials.update(access_key=access_key, secret_key=secret_key)
        self.client = Minio(
            endpoint,
            secure=secure,
            region=region,
            http_client=http_client(connect_timeout, read_timeout),
            **credentials,
        )
        # Presigning is local computation; a second client signs for the public host name.
        self.signer = (
            Minio(
                public_endpoint,
                secure=secure if public_secure is None else public_secure,
                region=region,
                **credentials,
            )
            if public_endpoint
            else self.client
        )

    def __repr__(self) -> str:
        return f"S3Store({self.endpoint!r}, bucket={self.bucket!r})"

    async def _call(self, fn: Callable[..., T], *args: Any, key: str = "", **kwargs: Any) -> T:
        try:
            return await asyncio.to_thread(fn, *args, **kwargs)
        except BaseException as exc:
            translated = self._translate(exc, key)
            if translated is exc:
                raise
            raise translated from exc

    def _translate(self, exc: BaseException, key: str) -> BaseException:
        if isinstance(exc, StorageError):
            return exc
        if isinstance(exc, S3Error):
            if exc.code in NOT_FOUND_CODES:
                return ObjectNotFound(key)
            if exc.code == "NoSuchBucket":
                return StorageUnavailable(
                    f"the bucket {self.bucket!r} does not exist at {self.endpoint}"
                )
            if exc.code in DENIED_CODES:
                return StorageAccessDenied(
                    f"object storage at {self.endpoint} refused our credentials ({exc.code})"
                )
            return StorageError(f"object storage error {exc.code}: {exc.message}")
        if isinstance(exc, ServerError):
            return StorageUnavailable(f"object storage at {self.endpoint} failed: {exc}")
        if isinstance(exc, Urllib3Error | OSError | MinioException):
            return StorageUnavailable(
                f"object storage at {self.endpoint} is unreachable: {type(exc).__name__}"
            )
        return exc

    # --- operations ----------------------------------------------------------------------

    async def check(self) -> None:
        if not await self._call(self.client.bucket_exists, self.bucket):
            raise StorageUnavailable(
                f"the bucket {self.bucket!r} does not exist at {self.endpoint}"
            )

    async def prepare(self) -> None:
        if not await self._call(self.client.bucket_exists, self.bucket):
            await self._call(self.client.make_bucket, self.bucket)

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
        validate_key(key)
        counter = Sha256Counter(max_size)
        metadata = {"sha256": expected_sha256.lower()} if expected_sha256 else None
        reader = _BodyReader(body, counter, asyncio.get_running_loop())
        length = len(body) if isinstance(body, bytes) else -1
        result = await self._call(
            self.client.put_object,
            self.bucket,
            key,
            reader,
            length,
            content_type=content_type,
            metadata=metadata,
            part_size=PART_SIZE,
            key=key,
        )
        try:
            check_expected(counter, expected_size, expected_sha256)
        except ChecksumMismatch:
            await self.delete(key)
            raise
        return ObjectInfo(key, counter.size, content_type, None, result.etag, counter.hexdigest)

    async def stream(self, key: str, *, chunk_size: int = CHUNK_SIZE) -> AsyncIterator[bytes]:
        validate_key(key)
        response = await self._call(self.client.get_object, self.bucket, key, key=key)
        try:
            chunks: Iterator[bytes] = response.stream(chunk_size)
            while chunk := await self._call(next, chunks, b"", key=key):
                yield chunk
        finally:
            response.close()
            response.release_conn()

    async def stat(self, key: str) -> ObjectInfo:
        validate_key(key)
        found = await self._call(self.client.stat_object, self.bucket, key, key=key)
        metadata = found.metadata or {}
        return ObjectInfo(
            key,
            int(found.size or 0),
            found.content_type,
            found.last_modified,
            found.etag,
            metadata.get("x-amz-meta-sha256"),
        )

    async def delete(self, key: str) -> None:
        validate_key(key)
        await self._call(self.client.remove_object, self.bucket, key, key=key)

    async def list(self, prefix: str) -> AsyncIterator[ObjectInfo]:
        validate_key(prefix, prefix=True)
        listing = self.client.list_objects(self.bucket, prefix=prefix, recursive=True)

        def page() -> list[Any]:
            return [item for _, item in zip(range(500), listing, strict=False)]

        while items := await self._call(page):
            for item in items:
                yield ObjectInfo(
                    item.object_name, int(item.size or 0), None, item.last_modified, item.etag
                )

    async def download_url(
        self,
        key: str,
        *,
        expires: timedelta | None = None,
        filename: str | None = None,
        content_type: str | None = None,
    ) -> str:
        validate_key(key)
        headers: dict[str, str | list[str] | tuple[str]] = {}
        if filename:
            headers["response-content-disposition"] = content_disposition(filename)
        if content_type:
            headers["response-content-type"] = content_type
        return await self._call(
            self.signer.presigned_get_object,
            self.bucket,
            key,
            expires=link_ttl(expires),
            response_headers=headers or None,
            key=key,
        )

    async def upload_url(
        self, key: str, *, expires: timedelta | None = None, max_size: int | None = None
    ) -> str:
        # A presigned PUT cannot bound the size: the completion step checks it (and the
        # checksum) with stat/checksum and deletes what breaks the limit.
        validate_key(key)
        return await self._call(
            self.signer.presigned_put_object, self.bucket, key, expires=link_ttl(expires), key=key
        )

    async def close(self) -> None:
        self.client._http.clear()  # type: ignore[attr-defined]


def content_disposition(filename: str, disposition: str = "attachment") -> str:
    """RFC 6266: an ASCII fallback plus the UTF-8 name (Cyrillic names survive)."""
    fallback = "".join(c if 0x20 <= ord(c) < 0x7F and c not in '"\\' else "_" for c in filename)
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


class _BodyReader:
    """A blocking file-like over any accepted body, for minio's reading thread: counts,
    hashes and enforces the size limit as bytes go by."""

    def __init__(self, body: Body, counter: Sha256Counter, loop: asyncio.AbstractEventLoop):
        self.counter = counter
        self.loop = loop
        self.buffer = bytearray()
        self.exhausted = False
        if isinstance(body, bytes | bytearray | memoryview):
            self.source: Any = io.BytesIO(bytes(body))
            self.stream = None
        elif hasattr(body, "read"):
            self.source = body
            self.stream = None
        else:
            self.source = None
            self.stream = body.__aiter__()

    def _next_chunk(self) -> bytes:
        if self.source is not None:
            return bytes(self.source.read(CHUNK_SIZE))
        return asyncio.run_coroutine_threadsafe(self._pull(), self.loop).result()

    async def _pull(self) -> bytes:
        assert self.stream is not None
        async for chunk in self.stream:  # skips empty chunks; b"" means the end
            if chunk:
                return bytes(chunk)
        return b""

    def read(self, size: int = -1) -> bytes:
        while (size < 0 or len(self.buffer) < size) and not self.exhausted:
            chunk = self._next_chunk()
            if not chunk:
                self.exhausted = True
                break
            self.counter.update(chunk)
            self.buffer += chunk
        if size < 0:
            data = bytes(self.buffer)
            self.buffer.clear()
        else:
            data = bytes(self.buffer[:size])
            del self.buffer[:size]
        return data
