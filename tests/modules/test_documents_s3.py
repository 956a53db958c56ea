"""The drive on the S3 backend: a second live server whose storage is a real S3 endpoint over
HTTP (nanio, which checks SigV4 signatures; or the MinIO of SAAS_TEST_STORAGE_URL), and the
storage going away during an upload."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from saas.auth.tokens import CSRF_COOKIE, SESSION_COOKIE
from saas.jobs import current_runtime_or_none, restore_jobs
from saas.settings import Settings
from saas.storage import prepare_storage
from tests.support.client import GraphQLClient
from tests.support.documents import (
    COMPLETE,
    PDF,
    START,
    UPLOAD,
    World,
    b64,
    drive_world,
    fetch,
    folders,
    link,
    schema_of,
    upload,
)
from tests.support.ids import pk
from tests.support.nanio import NanioServer, s3_test_url
from tests.support.people import open_session
from tests.support.server import LiveServer


@pytest.fixture(scope="module")
def world(db_engine, firms) -> Iterator[World]:  # type: ignore[no-untyped-def]
    yield from drive_world(db_engine, firms)


Login = Callable[[Any, int], GraphQLClient]


def s3_server(settings: Settings, url: str) -> LiveServer:
    from saas.app import create_app

    s3_settings = dataclasses.replace(settings, storage_url=url)
    prepare_storage(s3_settings)  # the bucket
    # The second server configures this process's job runtime at start-up: give the main
    # live server's back at once, so later tests' jobs run on it (and with its storage).
    previous = current_runtime_or_none()
    server = LiveServer(create_app(s3_settings)).start()
    restore_jobs(previous)
    return server


def logins(server: LiveServer, db_engine: sa.Engine, made: list[GraphQLClient]) -> Login:
    def make(firm: Any, person_id: int) -> GraphQLClient:
        c = GraphQLClient(server.url, firm.host)
        secret, csrf = open_session(db_engine, person_id, firm.id)
        c.cookies[SESSION_COOKIE] = secret
        c.cookies[CSRF_COOKIE] = csrf
        made.append(c)
        return c

    return make


@pytest.fixture(scope="module")
def s3_login(
    tmp_path_factory: pytest.TempPathFactory, settings: Settings, db_engine: sa.Engine, firms: Any
) -> Iterator[Login]:
    made: list[GraphQLClient] = []
    with s3_test_url(tmp_path_factory.mktemp("drive-s3")) as url:
        server = s3_server(settings, url)
        try:
            yield logins(server, db_engine, made)
        finally:
            for c in made:
                c.close()
            server.stop()


def test_upload_and_download_through_s3(world: World, s3_login: Login, firms: Any) -> None:
    a = firms["a"]
    manager, client = s3_login(a, world.manager_a), s3_login(a, world.client_x)
    f = folders(manager, world.org_x)

    sent = upload(manager, f["FOR_CLIENT"], "S3 акт.pdf", PDF)
    assert sent["__typename"] == "DriveFile", sent
    got = link(client, sent["id"])
    # A download link is served by the app on S3 too, which logs each fetch (the bytes
    # stream from the storage); a tampered one is refused.
    assert got["url"].startswith("/files/") and "X-Amz-Signature=" not in got["url"]
    response = fetch(client, got["url"])
    assert response.status_code == 200 and response.content == PDF
    assert "attachment" in response.headers["content-disposition"]
    payload, signature = got["url"].rsplit("/", 1)[1].split(".")
    tampered = f"/files/{payload}.{signature[::-1]}"
    assert fetch(client, tampered).status_code == 403

    body = PDF + b"big " * 5000
    sha = hashlib.sha256(body).hexdigest()
    ticket = client.execute(
        START, {"folder": f["FROM_CLIENT"], "name": "Большой.pdf", "size": len(body), "sha": sha}
    )["startUpload"]
    assert ticket["__typename"] == "UploadTicket", ticket
    assert httpx.put(ticket["url"], content=body, timeout=10).status_code == 200
    done = client.execute(COMPLETE, {"id": ticket["uploadId"]})["completeUpload"]
    assert (done["__typename"], done["currentVersion"]["sha256"]) == ("DriveFile", sha)
    download = link(manager, done["id"])
    assert fetch(manager, download["url"]).content == body

    # Wrong bytes in storage: refused and deleted.
    ticket = client.execute(
        START, {"folder": f["FROM_CLIENT"], "name": "Подмена.pdf", "size": len(body), "sha": sha}
    )["startUpload"]
    httpx.put(ticket["url"], content=body.replace(b"big", b"bad", 1), timeout=10)
    refused = client.execute(COMPLETE, {"id": ticket["uploadId"]})["completeUpload"]
    assert refused["code"] == "CHECKSUM_MISMATCH"
    assert client.execute(COMPLETE, {"id": ticket["uploadId"]})["completeUpload"]["code"] == (
        "UPLOAD_MISSING"
    )


def test_storage_going_away_leaves_no_row(
    world: World,
    tmp_path: Path,
    settings: Settings,
    db_engine: sa.Engine,
    firms: Any,
) -> None:
    a = firms["a"]
    nanio = NanioServer(tmp_path / "s3").start()
    server = s3_server(settings, nanio.url)
    made: list[GraphQLClient] = []
    try:
        manager = logins(server, db_engine, made)(a, world.manager_a)
        folder = folders(manager, world.org_x)["FOR_CLIENT"]
        kept = upload(manager, folder, "До сбоя.pdf", PDF)
        assert kept["__typename"] == "DriveFile"
        ticket = manager.execute(
            START,
            {"folder": folder, "name": "Крупный.pdf", "size": len(PDF), "sha": "a" * 64},
        )["startUpload"]
        nanio.stop()  # the storage goes away

        result = manager.execute(
            UPLOAD, {"folder": folder, "name": "Во время сбоя.pdf", "content": b64(PDF)}
        )["uploadFile"]
        assert (result["__typename"], result["code"]) == (
            "StorageUnavailableError",
            "STORAGE_UNAVAILABLE",
        )
        assert "недоступно" in result["message"]
        completed = manager.execute(COMPLETE, {"id": ticket["uploadId"]})["completeUpload"]
        assert completed["code"] == "STORAGE_UNAVAILABLE"
        broken_link = link(manager, kept["id"])  # presigning needs no server: still a link
        assert broken_link["__typename"] in ("DownloadLink", "StorageUnavailableError")
        with db_engine.connect() as conn:
            names = set(
                conn.execute(sa.text(f"SELECT name FROM {schema_of(a.slug)}.drive_files")).scalars()
            )
            versions = conn.execute(
                sa.text(
                    f"SELECT count(*) FROM {schema_of(a.slug)}.drive_file_versions "
                    "WHERE file_id = :f"
                ),
                {"f": pk(kept["id"])},
            ).scalar_one()
        assert "Во время сбоя.pdf" not in names and "Крупный.pdf" not in names
        assert versions == 1
    finally:
        for c in made:
            c.close()
        server.stop()
        nanio.stop()
