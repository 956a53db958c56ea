"""Object storage: the same tests over the folder backend and a real S3 endpoint (nanio, which
checks signatures, or SAAS_TEST_STORAGE_URL), plus tenant key rules, links and outages."""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Route

from saas.storage import (
    ChecksumMismatch,
    ExpiredFileToken,
    InvalidFileToken,
    InvalidKey,
    InvalidStorageUrl,
    ObjectNotFound,
    ObjectStore,
    ObjectTooLarge,
    StorageAccessDenied,
    StorageUnavailable,
    TenantStorage,
    open_store,
    redacted,
    sign_file_token,
    storage_ready,
    verify_file_token,
)
from saas.storage.endpoint import file_link
from saas.storage.folder import FolderStore
from saas.storage.s3 import PART_SIZE, S3Store
from tests.support.nanio import NanioServer, s3_test_url

SECRET = "storage-test-secret"


@dataclass
class FakeServices:
    """What get_store/storage_ready/file_link read from Services."""

    settings: Any
    extras: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class FakeSettings:
    storage_url: str
    secret_key: str = SECRET


def services_for(store: ObjectStore, url: str = "file:///unused") -> FakeServices:
    return FakeServices(FakeSettings(url), {"storage": store})


@pytest.fixture(scope="session")
def s3_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with s3_test_url(tmp_path_factory.mktemp("s3")) as url:
        yield url


@dataclass
class Backend:
    """A backend under test and an HTTP client that follows its links like a browser."""

    store: ObjectStore
    http: Any

    async def get(self, url: str) -> httpx.Response:
        return await self.http.get(url)

    async def put(self, url: str, body: bytes) -> httpx.Response:
        return await self.http.put(url, content=body)


@pytest.fixture(params=["folder", "s3"])
async def backend(
    request: pytest.FixtureRequest, tmp_path: Path, s3_url: str
) -> AsyncIterator[Backend]:
    if request.param == "folder":
        store: ObjectStore = open_store(f"file://{tmp_path / 'files'}", secret_key=SECRET)
        await store.prepare()
        app = Starlette(routes=[Route("/files/{token}", file_link, methods=["GET", "PUT"])])
        app.state.services = services_for(store)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield Backend(store, http)
    else:
        store = open_store(s3_url, secret_key=SECRET)
        await store.prepare()
        async with httpx.AsyncClient(timeout=10) as http:
            yield Backend(store, http)
        await store.close()


@pytest.fixture
def files(backend: Backend) -> TenantStorage:
    # A tenant id of its own per test: tests share the S3 bucket.
    return TenantStorage(backend.store, int(uuid.uuid4().int % 10**9) + 1000)


async def chunks(*parts: bytes) -> AsyncIterator[bytes]:
    for part in parts:
        await asyncio.sleep(0)  # the point: the loop runs between parts, as over a network
        yield part


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- the interface, over both backends ------------------------------------------------------


async def test_put_get_stat_delete(files: TenantStorage) -> None:
    key = files.key("documents", 7, "v1")
    assert key == f"t{files.tenant_id}/documents/7/v1"
    body = "Акт сверки №1\n".encode() * 100
    info = await files.put(key, body, content_type="text/plain")
    assert (info.key, info.size, info.sha256) == (key, len(body), sha(body))
    assert await files.get(key) == body
    assert b"".join([c async for c in files.stream(key)]) == body
    stat = await files.stat(key)
    assert (stat.size, stat.content_type) == (len(body), "text/plain")
    assert await files.exists(key)
    assert await files.checksum(key) == (len(body), sha(body))
    await files.delete(key)
    assert not await files.exists(key)
    await files.delete(key)  # deleting a missing object is fine
    with pytest.raises(ObjectNotFound):
        await files.get(key)
    with pytest.raises(ObjectNotFound):
        await files.stat(key)


async def test_put_streams_async_chunks_and_files(files: TenantStorage) -> None:
    parts = [b"a" * 100_000, b"", b"b" * 3, b"c" * 1_500_000]
    info = await files.put(files.key("stream"), chunks(*parts))
    body = b"".join(parts)
    assert (info.size, info.sha256) == (len(body), sha(body))
    assert await files.get(files.key("stream")) == body
    info = await files.put(files.key("file"), io.BytesIO(body))
    assert (info.size, info.sha256) == (len(body), sha(body))


async def test_put_larger_than_one_part(files: TenantStorage) -> None:
    block = os.urandom(1024 * 1024)
    count = PART_SIZE // len(block) + 1  # S3: a multipart upload
    info = await files.put(files.key("big"), chunks(*[block] * count))
    assert info.size == count * len(block)
    assert info.sha256 == sha(block * count)
    assert (await files.stat(files.key("big"))).size == info.size


async def test_unicode_keys(files: TenantStorage) -> None:
    key = files.key("документы", "Акт №1 (итог).pdf")
    await files.put(key, b"%PDF")
    assert await files.get(key) == b"%PDF"
    assert [o.key async for o in files.list()] == [key]


async def test_size_limit_and_checksum_keep_nothing(files: TenantStorage) -> None:
    key = files.key("limited")
    with pytest.raises(ObjectTooLarge):
        await files.put(key, chunks(b"x" * 600, b"y" * 600), max_size=1000)
    assert not await files.exists(key)
    with pytest.raises(ChecksumMismatch):
        await files.put(key, b"hello", expected_sha256=sha(b"other"))
    assert not await files.exists(key)
    with pytest.raises(ChecksumMismatch):
        await files.put(key, b"hello", expected_size=6)
    assert not await files.exists(key)
    info = await files.put(key, b"hello", expected_size=5, expected_sha256=sha(b"hello"))
    assert info.sha256 == sha(b"hello")


async def test_put_replaces(files: TenantStorage) -> None:
    key = files.key("same")
    await files.put(key, b"first version")
    await files.put(key, b"second")
    assert await files.get(key) == b"second"
    assert (await files.stat(key)).size == 6


async def test_list_by_prefix(files: TenantStorage) -> None:
    for name in ("a/2", "a/1", "b/1", "ab"):
        await files.put(files.key(*name.split("/")), name.encode())
    p = files.prefix
    assert [o.key async for o in files.list(p + "a/")] == [p + "a/1", p + "a/2"]
    assert [o.key async for o in files.list(p + "a")] == [p + "a/1", p + "a/2", p + "ab"]
    listed = [o async for o in files.list()]
    assert [o.key for o in listed] == [p + "a/1", p + "a/2", p + "ab", p + "b/1"]
    assert [o.size for o in listed] == [3, 3, 2, 3]
    assert [o.key async for o in files.list(p + "missing/")] == []


async def test_keys_outside_the_tenant_are_refused(backend: Backend) -> None:
    tenant_1 = TenantStorage(backend.store, 1)
    tenant_12 = TenantStorage(backend.store, 12)
    secret = tenant_12.key("secret")
    await tenant_12.put(secret, b"firm 12 only")
    hostile = [
        secret,  # another tenant's key
        "t12/secret",
        "t1",
        "t1/",
        "secret",
        "",
        "t1/../t12/secret",
        "t1/./x",
        "t1//x",
        "/t1/x",
        "t1/a\\..\\x",
        "t1/a\x00b",
        "t1/a\nb",
        "t1/" + "x" * 1100,
    ]
    for key in hostile:
        with pytest.raises(InvalidKey):
            await tenant_1.get(key)
        with pytest.raises(InvalidKey):
            await tenant_1.put(key, b"overwrite")
        with pytest.raises(InvalidKey):
            await tenant_1.delete(key)
        with pytest.raises(InvalidKey):
            await tenant_1.download_url(key)
    with pytest.raises(InvalidKey):
        tenant_1.list("t12/")
    with pytest.raises(InvalidKey):
        tenant_1.list("t1")  # "t1" would also match "t12/…"
    with pytest.raises(InvalidKey):
        tenant_1.key("..", "t12", "secret")
    assert [o.key async for o in tenant_1.list()] == []
    assert await tenant_12.get(secret) == b"firm 12 only"
    await tenant_12.delete(secret)


async def test_download_and_upload_links(backend: Backend, files: TenantStorage) -> None:
    key = files.key("report.pdf")
    await files.put(key, b"%PDF-1.7 report", content_type="application/pdf")
    url = await files.download_url(key, expires=timedelta(minutes=1), filename="Отчёт.pdf")
    response = await backend.get(url)
    assert response.status_code == 200
    assert response.content == b"%PDF-1.7 report"
    if isinstance(backend.store, FolderStore):
        assert (
            "filename*=UTF-8''%D0%9E%D1%82%D1%87%D1%91%D1%82.pdf"
            in response.headers["content-disposition"]
        )
        assert response.headers["content-type"] == "application/pdf"

    upload_key = files.key("uploads", "scan.png")
    upload = await files.upload_url(upload_key, expires=timedelta(minutes=1))
    response = await backend.put(upload, b"\x89PNG scan")
    assert response.status_code in (200, 201), response.text
    assert await files.checksum(upload_key) == (9, sha(b"\x89PNG scan"))
    # A PUT link does not download, a GET link does not upload.
    assert (await backend.get(upload)).status_code in (403, 405)
    assert (await backend.put(url, b"overwrite")).status_code in (403, 405)
    assert await files.get(key) == b"%PDF-1.7 report"


def tamper(url: str) -> list[str]:
    """Variants of a link an attacker might try: another signature, another key."""
    parts = urlsplit(url)
    if "X-Amz-Signature=" in url:
        signature = url.split("X-Amz-Signature=")[1][:64]
        flipped = ("0" if signature[0] != "0" else "1") + signature[1:]
        return [
            url.replace(signature, flipped),
            parts._replace(path=parts.path.replace("report.pdf", "other.pdf")).geturl(),
            url.replace("X-Amz-Expires=60", "X-Amz-Expires=600"),
        ]
    token = parts.path.rsplit("/", 1)[1]
    payload, signature = token.split(".")
    other = sign_file_token(SECRET, "t1/other.pdf", "GET", 60).split(".")[0]
    return [
        url.replace(signature, signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")),
        url.replace(payload, other),
        url.replace(token, token + "x"),
    ]


async def test_tampered_and_expired_links_are_refused(
    backend: Backend, files: TenantStorage
) -> None:
    key = files.key("report.pdf")
    await files.put(key, b"secret report")
    await files.put(files.key("other.pdf"), b"other")
    url = await files.download_url(key, expires=timedelta(seconds=60))
    assert (await backend.get(url)).status_code == 200
    for bad in tamper(url):
        response = await backend.get(bad)
        assert response.status_code == 403, bad
        assert b"secret report" not in response.content
    assert (await backend.get(expired_link(backend.store, key))).status_code == 403


def expired_link(store: ObjectStore, key: str) -> str:
    """A link signed two minutes ago for one minute (no need to wait for it to expire)."""
    past = datetime.now(UTC) - timedelta(minutes=2)
    if isinstance(store, S3Store):
        return store.signer.presigned_get_object(
            store.bucket, key, expires=timedelta(minutes=1), request_date=past
        )
    assert isinstance(store, FolderStore)
    token = sign_file_token(SECRET, key, "GET", 60, now=past.timestamp())
    return f"{store.link_base}/{token}"


async def test_storage_ready(backend: Backend) -> None:
    assert await storage_ready(services_for(backend.store)) is True


# --- S3 specifics: real signature checks, outages -------------------------------------------


async def test_wrong_keys_are_refused_by_the_s3_endpoint(s3_url: str) -> None:
    parts = urlsplit(s3_url)
    wrong = s3_url.replace(f":{parts.password}@", ":not-the-secret@")
    store = open_store(wrong, secret_key=SECRET)
    with pytest.raises(StorageAccessDenied, match="refused our credentials"):
        await store.check()
    with pytest.raises(StorageAccessDenied):
        await store.put("t1/x", b"data")
    with pytest.raises(StorageAccessDenied):
        await store.get("t1/x")
    # A link signed with wrong keys is refused too.
    link = await store.download_url("t1/x")
    async with httpx.AsyncClient() as http:
        assert (await http.get(link)).status_code == 403


async def test_storage_outage_is_a_clear_error(tmp_path: Path) -> None:
    server = NanioServer(tmp_path / "s3").start()
    store = open_store(server.url, secret_key=SECRET)
    try:
        await store.prepare()
        files = TenantStorage(store, 5)
        await files.put(files.key("kept"), b"before the outage")

        async def body_then_outage() -> AsyncIterator[bytes]:
            yield b"first half "
            server.stop()  # the storage goes away mid-upload
            yield b"second half"

        with pytest.raises(StorageUnavailable, match=r"unreachable"):
            await files.put(files.key("mid-upload"), body_then_outage())
        started = time.monotonic()
        for operation in (
            files.get(files.key("kept")),
            files.stat(files.key("kept")),
            files.put(files.key("after"), b"x"),
            files.delete(files.key("kept")),
            store.check(),
        ):
            with pytest.raises(StorageUnavailable, match=rf"object storage at {server.endpoint}"):
                await operation
        assert time.monotonic() - started < 10  # reported quickly, not after long retries
        with pytest.raises(StorageUnavailable):
            await storage_ready(services_for(store))
    finally:
        server.stop()
        await store.close()


async def test_folder_outage_is_a_clear_error(tmp_path: Path) -> None:
    store = FolderStore(tmp_path / "gone", SECRET)
    with pytest.raises(StorageUnavailable, match="does not exist"):
        await store.check()
    with pytest.raises(StorageUnavailable):
        await store.put("t1/x", b"data")
    with pytest.raises(StorageUnavailable):
        await store.get("t1/x")
    with pytest.raises(StorageUnavailable):
        [o async for o in store.list("t1/")]


# --- URLs and tokens ------------------------------------------------------------------------


def test_storage_urls(tmp_path: Path) -> None:
    folder = open_store(f"file://{tmp_path}/files", secret_key=SECRET)
    assert isinstance(folder, FolderStore) and folder.root == tmp_path / "files"
    relative = open_store("file://.data/files", secret_key=SECRET)
    assert isinstance(relative, FolderStore) and relative.root == Path.cwd() / ".data/files"

    s3 = open_store(
        "s3://AK%2F1:SE%40CRET@minio.internal:9000/kabinet-files?secure=false&region=eu-1"
        "&public_endpoint=https://files.example.com",
        secret_key=SECRET,
    )
    assert isinstance(s3, S3Store)
    assert (s3.endpoint, s3.bucket) == ("minio.internal:9000", "kabinet-files")
    assert s3.client._provider.retrieve().access_key == "AK/1"  # type: ignore[attr-defined]
    assert s3.client._provider.retrieve().secret_key == "SE@CRET"  # type: ignore[attr-defined]
    assert s3.signer is not s3.client

    for bad in (
        "ftp://x/y",
        "s3://k:s@host:9000",
        "s3://k:s@host/a/b",
        "s3://k:s@host/b?secure=maybe",
        "s3://k:s@host/b?colour=red",
        "s3://k@host/b",
        "s3://k:s@host/b?public_endpoint=files",
        "file://",
    ):
        with pytest.raises(InvalidStorageUrl):
            open_store(bad, secret_key=SECRET)
    assert redacted("s3://key:secret@h:1/b") == "s3://key:***@h:1/b"


async def test_presigned_links_use_the_public_endpoint() -> None:
    store = open_store(
        "s3://k:s@minio.internal:9000/files?secure=false&public_endpoint=https://files.example.com",
        secret_key=SECRET,
    )
    url = await store.download_url("t1/a.pdf", expires=timedelta(minutes=5), filename="Акт.pdf")
    assert url.startswith("https://files.example.com/files/t1/a.pdf?")
    assert "X-Amz-Expires=300" in url and "response-content-disposition" in url
    with pytest.raises(ValueError):
        await store.download_url("t1/a.pdf", expires=timedelta(days=8))


def test_file_tokens() -> None:
    token = sign_file_token(SECRET, "t3/doc", "GET", 60, filename="a.pdf")
    claims = verify_file_token(SECRET, token, "GET")
    assert (claims.key, claims.filename, claims.method) == ("t3/doc", "a.pdf", "GET")
    with pytest.raises(InvalidFileToken, match="for GET"):
        verify_file_token(SECRET, token, "PUT")
    with pytest.raises(InvalidFileToken):
        verify_file_token("another-secret", token, "GET")
    payload, signature = token.split(".")
    forged = sign_file_token("another-secret", "t4/doc", "GET", 60).split(".")[0]
    for bad in (f"{forged}.{signature}", f"{payload}.{signature[::-1]}", payload, "", "a.b.c"):
        with pytest.raises(InvalidFileToken):
            verify_file_token(SECRET, bad, "GET")
    old = sign_file_token(SECRET, "t3/doc", "GET", 60, now=time.time() - 120)
    with pytest.raises(ExpiredFileToken):
        verify_file_token(SECRET, old, "GET")
    with pytest.raises(InvalidKey):
        sign_file_token(SECRET, "t3/../t4/doc", "GET", 60)


# --- the app's /files route (folder backend) ------------------------------------------------


async def test_file_links_are_served_only_at_their_tenants_host(
    live_server: Any, settings: Any, firms: dict[str, Any]
) -> None:
    store = open_store(settings.storage_url, secret_key=settings.secret_key)
    await store.prepare()
    a = TenantStorage(store, firms["a"].id)
    key = a.key("documents", "act.pdf")
    await a.put(key, b"%PDF firm A", content_type="application/pdf")
    link = await a.download_url(key, filename="Акт.pdf")
    assert link.startswith("/files/")
    async with httpx.AsyncClient(base_url=live_server.url) as http:
        response = await http.get(link, headers={"host": firms["a"].host})
        assert response.status_code == 200 and response.content == b"%PDF firm A"
        assert response.headers["cache-control"] == "private, no-store"
        # The same valid link at another firm's host, or at the platform's, finds nothing.
        for host in (firms["b"].host, settings.base_domain):
            response = await http.get(link, headers={"host": host})
            assert response.status_code == 404, host
            assert b"firm A" not in response.content
        response = await http.get(link[:-3] + "xyz", headers={"host": firms["a"].host})
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "LINK_INVALID"
        upload = await a.upload_url(a.key("uploads", "scan.bin"), max_size=10)
        response = await http.put(upload, content=b"x" * 11, headers={"host": firms["a"].host})
        assert response.status_code == 413
        assert not await a.exists(a.key("uploads", "scan.bin"))
        response = await http.put(upload, content=b"x" * 10, headers={"host": firms["a"].host})
        assert response.status_code == 201 and response.json()["size"] == 10
