"""The document drive over GraphQL against the live server (folder storage backend).

Organizations, contacts and grants are written straight into the tenant schema (the clients
module's own tests cover how they get there); people log in with sessions in shared.sessions.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from saas.storage import sign_file_token
from tests.support.client import GraphQLClient
from tests.support.documents import (
    COMPLETE,
    DELETE,
    DRIVE,
    ELF,
    ERR,
    EXE,
    FILE,
    LIMIT,
    LINK,
    PDF,
    PNG,
    QERR,
    START,
    World,
    drive_world,
    fetch,
    folders,
    link,
    schema_of,
    upload,
)
from tests.support.ids import gid, pk
from tests.support.waiting import eventually

FOLDER = f"""query($id: ID!, $deleted: Boolean! = false) {{ driveFolder(id: $id) {{ __typename
  ... on DriveFolder {{ id name canUpload
      files(first: 50, includeDeleted: $deleted) {{ totalCount edges {{ node {{
        id name currentVersionNo deletedAt }} }} }} }}
  {QERR} }} }}"""
RESTORE = f"mutation($id: ID!) {{ restoreFile(fileId: $id) {{ {FILE} }} }}"
MKDIR = f"""mutation($parent: ID!, $name: String!) {{ createDriveFolder(parentId: $parent,
  name: $name) {{ __typename ... on DriveFolder {{ id name direction canUpload }} {ERR} }} }}"""


def access_rows(db_engine: sa.Engine, slug: str, file_pk: int) -> list[Any]:
    with db_engine.connect() as conn:
        return list(
            conn.execute(
                sa.text(
                    f"SELECT person_id, ip, user_agent, action, version_id, organization_id "
                    f"FROM {schema_of(slug)}.drive_access_log WHERE file_id = :f ORDER BY id"
                ),
                {"f": file_pk},
            )
        )


@pytest.fixture(scope="module")
def world(db_engine, firms) -> Iterator[World]:  # type: ignore[no-untyped-def]
    yield from drive_world(db_engine, firms)


# -------------------------------------------------------------------------------- tests


def test_each_organization_gets_the_two_system_folders(world: World, login, firms) -> None:
    a = firms["a"]
    manager = login(a, world.manager_a)
    org = gid("ClientOrganization", world.org_x)
    drive = manager.execute(DRIVE, {"org": org})["drive"]
    by_kind = {f["systemKind"]: f for f in drive["folders"]}
    assert by_kind["FOR_CLIENT"]["nameRu"] == "Данные для клиента"
    assert by_kind["FROM_CLIENT"]["nameRu"] == "Данные от клиента"
    assert by_kind["FOR_CLIENT"]["name"] == "Данные для клиента"
    assert (by_kind["FOR_CLIENT"]["canUpload"], by_kind["FROM_CLIENT"]["canUpload"]) == (
        True,
        False,
    )
    # Created once: a second look (and an English one) finds the same two folders.
    again = manager.execute(DRIVE, {"org": org}, headers={"accept-language": "en"})["drive"]
    assert sorted(f["id"] for f in again["folders"]) == sorted(f["id"] for f in drive["folders"])
    assert {f["name"] for f in again["folders"]} == {"For client", "From client"}

    client = login(a, world.client_x)
    seen = client.execute(DRIVE, {"org": org})["drive"]["folders"]
    assert {f["systemKind"]: f["canUpload"] for f in seen} == {
        "FOR_CLIENT": False,
        "FROM_CLIENT": True,
    }
    reader = login(a, world.reader_x)
    assert not any(f["canUpload"] for f in reader.execute(DRIVE, {"org": org})["drive"]["folders"])


def test_direction_rules_for_staff_and_clients(world: World, login, firms) -> None:
    a = firms["a"]
    manager, client, reader = (
        login(a, world.manager_a),
        login(a, world.client_x),
        login(a, world.reader_x),
    )
    f = folders(manager, world.org_x)

    sent = upload(manager, f["FOR_CLIENT"], "Акт сверки.pdf", PDF)
    assert sent["__typename"] == "DriveFile", sent
    assert sent["currentVersion"]["contentType"] == "application/pdf"
    assert sent["currentVersion"]["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert sent["currentVersion"]["size"] == len(PDF)
    assert sent["currentVersion"]["uploadedBy"]["id"] == gid("Person", world.manager_a)

    refused = upload(manager, f["FROM_CLIENT"], "staff.pdf", PDF)
    assert (refused["__typename"], refused["code"]) == ("ForbiddenError", "DIRECTION_FORBIDDEN")

    received = upload(client, f["FROM_CLIENT"], "Выписка.pdf", PDF)
    assert received["__typename"] == "DriveFile", received
    refused = upload(client, f["FOR_CLIENT"], "client.pdf", PDF)
    assert (refused["__typename"], refused["code"]) == ("ForbiddenError", "DIRECTION_FORBIDDEN")
    # Without the 'upload' grant nothing goes up, even into "From client".
    refused = upload(reader, f["FROM_CLIENT"], "reader.pdf", PDF)
    assert (refused["__typename"], refused["code"]) == ("ForbiddenError", "FORBIDDEN")

    # Both sides read both folders.
    for viewer in (client, reader, manager):
        names = {
            e["node"]["name"]
            for kind in ("FOR_CLIENT", "FROM_CLIENT")
            for e in viewer.execute(FOLDER, {"id": f[kind]})["driveFolder"]["files"]["edges"]
        }
        assert {"Акт сверки.pdf", "Выписка.pdf"} <= names
        assert not {"staff.pdf", "client.pdf", "reader.pdf"} & names

    # Upload without 'documents': sees where to upload, uploads, reads nothing.
    uploader = login(a, world.uploader_x)
    assert folders(uploader, world.org_x) == f
    assert upload(uploader, f["FROM_CLIENT"], "Накладная.pdf", PDF)["__typename"] == "DriveFile"
    listing = uploader.execute(FOLDER, {"id": f["FROM_CLIENT"]})["driveFolder"]
    assert (listing["__typename"], listing["code"]) == ("ForbiddenError", "FORBIDDEN")
    assert link(uploader, received["id"])["__typename"] == "ForbiddenError"

    # A staff member with read only (role `staff`) cannot upload at all.
    staff = login(a, world.staff_a)
    refused = upload(staff, f["FOR_CLIENT"], "x.pdf", PDF)
    assert refused["__typename"] == "ForbiddenError"

    # Subfolders: staff add them under "For client" only; they inherit the direction.
    sub = manager.execute(MKDIR, {"parent": f["FOR_CLIENT"], "name": "2026/Q1"})[
        "createDriveFolder"
    ]
    assert (sub["__typename"], sub["name"], sub["direction"]) == ("DriveFolder", "Q1", "FOR_CLIENT")
    assert upload(manager, sub["id"], "q1.pdf", PDF)["__typename"] == "DriveFile"
    assert upload(client, sub["id"], "q1.pdf", PDF)["code"] == "DIRECTION_FORBIDDEN"
    no = manager.execute(MKDIR, {"parent": f["FROM_CLIENT"], "name": "mine"})["createDriveFolder"]
    assert no["code"] == "DIRECTION_FORBIDDEN"
    denied = client.raw(MKDIR, {"parent": f["FROM_CLIENT"], "name": "mine"})
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"


def test_clients_never_delete_staff_soft_delete_admin_restores(
    world: World,
    login,
    firms,
) -> None:
    a = firms["a"]
    manager, client, admin = (
        login(a, world.manager_a),
        login(a, world.client_x),
        login(a, world.admin_a),
    )
    f = folders(manager, world.org_x)
    mine = upload(client, f["FROM_CLIENT"], "client-own.pdf", PDF)
    theirs = upload(manager, f["FOR_CLIENT"], "for-you.pdf", PDF)

    for target in (mine["id"], theirs["id"]):
        result = client.raw(DELETE, {"id": target})
        assert result["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        assert result["data"] is None
    # A moderator (documents read/write) does not delete either.
    moderator = login(a, world.moderator_a)
    assert moderator.raw(DELETE, {"id": mine["id"]})["errors"][0]["extensions"]["code"] == (
        "FORBIDDEN"
    )

    gone = manager.execute(DELETE, {"id": theirs["id"]})["deleteFile"]
    assert gone["__typename"] == "DriveFile" and gone["deletedAt"]
    listed = client.execute(FOLDER, {"id": f["FOR_CLIENT"]})["driveFolder"]["files"]["edges"]
    assert "for-you.pdf" not in {e["node"]["name"] for e in listed}
    assert link(client, theirs["id"])["__typename"] == "NotFoundError"

    # Only a firm admin restores; the admin sees deleted files on request.
    refused = manager.execute(RESTORE, {"id": theirs["id"]})["restoreFile"]
    assert refused["__typename"] == "ForbiddenError"
    seen = admin.execute(FOLDER, {"id": f["FOR_CLIENT"], "deleted": True})["driveFolder"]
    assert "for-you.pdf" in {e["node"]["name"] for e in seen["files"]["edges"]}
    back = admin.execute(RESTORE, {"id": theirs["id"]})["restoreFile"]
    assert back["__typename"] == "DriveFile" and back["deletedAt"] is None
    assert link(client, theirs["id"])["__typename"] == "DownloadLink"


def test_hostile_names_are_sanitized_unicode_kept(world: World, login, firms) -> None:
    manager = login(firms["a"], world.manager_a)
    folder = folders(manager, world.org_x)["FOR_CLIENT"]
    cases = {
        "../../etc/passwd": "passwd",
        "..\\..\\windows\\system.ini": "system.ini",
        "evil\x00.pdf": "evil.pdf",
        "bell\x07\nline.pdf": "bellline.pdf",
        "CON.txt": "_CON.txt",
        "  Счёт №5 «март».pdf  ": "Счёт №5 «март».pdf",
        "report\u202efdp.exe": "reportfdp.exe",
    }
    for raw, expected in cases.items():
        result = upload(manager, folder, raw, b"plain text " + raw.encode("utf-8", "replace"))
        assert (result["__typename"], result["name"]) == ("DriveFile", expected), raw
    long = upload(manager, folder, "я" * 300 + ".pdf", PDF)
    assert long["__typename"] == "DriveFile"
    assert len(long["name"]) == 200 and long["name"].endswith("я.pdf")
    for bad in ("..", "/", "\x00", "   "):
        refused = upload(manager, folder, bad, PDF)
        assert (refused["__typename"], refused["code"]) == ("ValidationError", "INVALID_FILENAME")


def test_content_type_is_sniffed_and_executables_refused(
    world: World,
    login,
    firms,
    db_engine,
) -> None:
    client = login(firms["a"], world.client_x)
    folder = folders(client, world.org_x)["FROM_CLIENT"]
    for name, body in (
        ("invoice.pdf", EXE),
        ("scan.pdf", ELF),
        ("run.txt", b"#!/bin/sh\nrm -rf /"),
    ):
        refused = upload(client, folder, name, body)
        assert (refused["__typename"], refused["code"]) == ("ValidationError", "EXECUTABLE_REFUSED")
    picture = upload(client, folder, "photo.pdf", PNG)
    assert picture["currentVersion"]["contentType"] == "image/png"
    text = upload(client, folder, "notes.pdf", "Привет".encode())
    assert text["currentVersion"]["contentType"] == "text/plain"
    blob = upload(client, folder, "data.pdf", bytes(range(256)) * 4)
    assert blob["currentVersion"]["contentType"] == "application/octet-stream"
    with db_engine.connect() as conn:
        names = set(
            conn.execute(
                sa.text(f"SELECT name FROM {schema_of(firms['a'].slug)}.drive_files")
            ).scalars()
        )
    assert not {"invoice.pdf", "scan.pdf", "run.txt"} & names


def test_size_limit_is_the_firms_setting(world: World, login, firms) -> None:
    client = login(firms["a"], world.client_x)
    folder = folders(client, world.org_x)["FROM_CLIENT"]

    def refused_big() -> dict[str, Any] | None:
        answer = upload(client, folder, "big.bin", PDF + b"\x00" * LIMIT)
        return answer if answer["__typename"] != "DriveFile" else None

    # The registry hears the setting's NOTIFY shortly: until then the file still goes up.
    refused = eventually(refused_big, within=10, what="the firm's upload limit to apply")
    assert (refused["__typename"], refused["code"]) == ("ValidationError", "FILE_TOO_LARGE")
    ok = upload(client, folder, "fits.bin", PDF + b"\x00" * (LIMIT - len(PDF)))
    assert ok["__typename"] == "DriveFile"
    ticket = client.execute(
        START, {"folder": folder, "name": "huge.bin", "size": LIMIT + 1, "sha": "0" * 64}
    )["startUpload"]
    assert (ticket["__typename"], ticket["code"]) == ("ValidationError", "FILE_TOO_LARGE")


def test_same_name_adds_versions_even_concurrently(world: World, login, firms) -> None:
    a = firms["a"]
    manager = login(a, world.manager_a)
    folder = folders(manager, world.org_x)["FOR_CLIENT"]
    first = upload(manager, folder, "Баланс.pdf", PDF + b"1")
    second = upload(manager, folder, "баланс.pdf", PDF + b"2")  # names match case-insensitively
    assert first["id"] == second["id"]
    assert second["currentVersionNo"] == 2
    assert [v["versionNo"] for v in second["versions"]] == [2, 1]

    clients = [login(a, world.manager_a) for _ in range(4)]
    bodies = [PDF + f"parallel {i}".encode() for i in range(4)]
    with ThreadPoolExecutor(4) as pool:
        results = list(
            pool.map(
                lambda cb: upload(cb[0], folder, "Параллельно.pdf", cb[1]),
                zip(clients, bodies, strict=True),
            )
        )
    assert all(r["__typename"] == "DriveFile" for r in results), results
    assert len({r["id"] for r in results}) == 1
    final = manager.execute(LINK, {"file": results[0]["id"]})  # current = the last one
    versions = upload(manager, folder, "Параллельно.pdf", PDF + b"last")["versions"]
    assert [v["versionNo"] for v in versions] == [5, 4, 3, 2, 1]
    assert {v["sha256"] for v in versions[1:]} == {hashlib.sha256(b).hexdigest() for b in bodies}
    assert final["downloadLink"]["__typename"] == "DownloadLink"


def test_download_links_are_short_lived_signed_and_logged_per_fetch(
    world: World,
    login,
    firms,
    db_engine,
    settings,
) -> None:
    a = firms["a"]
    manager, client = login(a, world.manager_a), login(a, world.client_x)
    folder = folders(manager, world.org_x)["FOR_CLIENT"]
    v1 = upload(manager, folder, "Договор.pdf", PDF + b"v1")
    v2 = upload(manager, folder, "Договор.pdf", PDF + b"v2")
    file_pk = pk(v2["id"])

    got = link(client, v2["id"])
    assert got["version"]["versionNo"] == 2
    response = fetch(client, got["url"])
    assert response.status_code == 200 and response.content == PDF + b"v2"
    assert "attachment" in response.headers.get("content-disposition", "")
    old = link(client, v2["id"], version=v1["versions"][0]["id"], action="VIEW")
    assert fetch(client, old["url"]).content == PDF + b"v1"
    # Issuing a link is logged, and so is each fetch of it (test_download_audit.py).
    fetch(client, got["url"])
    rows = access_rows(db_engine, a.slug, file_pk)
    assert [(r.person_id, r.action) for r in rows] == [
        (world.client_x, "download"),
        (world.client_x, "downloaded"),
        (world.client_x, "view"),
        (world.client_x, "downloaded"),
        (world.client_x, "downloaded"),
    ]
    assert rows[0].ip == "127.0.0.1" and rows[0].user_agent
    assert rows[0].organization_id == world.org_x

    # A version of another file is not found (and not logged).
    other = upload(manager, folder, "Другой.pdf", PDF)
    wrong = link(client, v2["id"], version=other["versions"][0]["id"])
    assert wrong["__typename"] == "NotFoundError"
    assert len(access_rows(db_engine, a.slug, file_pk)) == 5

    # Tampered, expired, wrong-method and other-firm links are refused.
    token = got["url"].rsplit("/", 1)[1]
    payload, signature = token.split(".")
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    assert fetch(client, f"/files/{payload}.{flipped}").status_code == 403
    with db_engine.connect() as conn:
        key = conn.execute(
            sa.text(
                f"SELECT storage_key FROM {schema_of(a.slug)}.drive_file_versions "
                "WHERE file_id = :f AND version_no = 2"
            ),
            {"f": file_pk},
        ).scalar_one()
    expired = sign_file_token(settings.secret_key, key, "GET", 60, now=time.time() - 3600)
    response = fetch(client, f"/files/{expired}")
    assert (response.status_code, response.json()["error"]["code"]) == (403, "LINK_EXPIRED")
    assert fetch(client, got["url"], method="PUT", content=b"overwrite").status_code == 403
    at_b = httpx.get(f"{client.base_url}{got['url']}", headers={"host": firms["b"].host})
    assert at_b.status_code == 404


def test_large_upload_goes_straight_to_storage_and_is_verified(
    world: World,
    login,
    firms,
) -> None:
    client = login(firms["a"], world.client_x)
    folder = folders(client, world.org_x)["FROM_CLIENT"]
    body = PDF + b"large " * 1000
    sha = hashlib.sha256(body).hexdigest()
    ticket = client.execute(
        START, {"folder": folder, "name": "Большой.pdf", "size": len(body), "sha": sha}
    )["startUpload"]
    assert ticket["__typename"] == "UploadTicket", ticket
    assert fetch(client, ticket["url"], method="PUT", content=body).status_code in (200, 201)
    done = client.execute(COMPLETE, {"id": ticket["uploadId"]})["completeUpload"]
    assert done["__typename"] == "DriveFile", done
    assert done["currentVersion"]["sha256"] == sha
    assert done["currentVersion"]["contentType"] == "application/pdf"
    # A completed upload cannot be completed again.
    assert client.execute(COMPLETE, {"id": ticket["uploadId"]})["completeUpload"]["code"] == (
        "NOT_FOUND"
    )

    # Wrong bytes: refused, and the object is deleted from storage.
    ticket = client.execute(
        START, {"folder": folder, "name": "Подмена.pdf", "size": len(body), "sha": sha}
    )["startUpload"]
    forged = body[:-1] + b"!"
    assert fetch(client, ticket["url"], method="PUT", content=forged).status_code in (200, 201)
    refused = client.execute(COMPLETE, {"id": ticket["uploadId"]})["completeUpload"]
    assert (refused["__typename"], refused["code"]) == ("ValidationError", "CHECKSUM_MISMATCH")
    again = client.execute(COMPLETE, {"id": ticket["uploadId"]})["completeUpload"]
    assert again["code"] == "UPLOAD_MISSING"

    # The direction rule holds for large uploads too; another person cannot complete mine.
    refused = client.execute(
        START,
        {
            "folder": folders(client, world.org_x)["FOR_CLIENT"],
            "name": "x.pdf",
            "size": 10,
            "sha": sha,
        },
    )["startUpload"]
    assert refused["code"] == "DIRECTION_FORBIDDEN"
    ticket = client.execute(
        START, {"folder": folder, "name": "Чужой.pdf", "size": len(body), "sha": sha}
    )["startUpload"]
    fetch(client, ticket["url"], method="PUT", content=body)
    manager = login(firms["a"], world.manager_a)
    assert manager.execute(COMPLETE, {"id": ticket["uploadId"]})["completeUpload"]["code"] == (
        "NOT_FOUND"
    )


def test_other_organizations_and_other_firms_are_not_found(
    world: World,
    login,
    firms,
) -> None:
    a, b = firms["a"], firms["b"]
    manager, client_y, admin_b = (
        login(a, world.manager_a),
        login(a, world.client_y),
        login(b, world.admin_b),
    )
    fx = folders(manager, world.org_x)
    file = upload(manager, fx["FOR_CLIENT"], "Секрет.pdf", PDF)
    assert file["__typename"] == "DriveFile"
    fz = folders(admin_b, world.org_z)  # firm B's own drive works
    assert set(fz) == {"FOR_CLIENT", "FROM_CLIENT"}

    for viewer in (client_y, admin_b):  # another organization; another firm
        assert (
            viewer.execute(DRIVE, {"org": gid("ClientOrganization", world.org_x)})["drive"][
                "__typename"
            ]
            == "NotFoundError"
        )
        assert viewer.execute(FOLDER, {"id": fx["FOR_CLIENT"]})["driveFolder"]["__typename"] == (
            "NotFoundError"
        )
        assert upload(viewer, fx["FROM_CLIENT"], "in.pdf", PDF)["__typename"] == "NotFoundError"
        assert link(viewer, file["id"])["__typename"] == "NotFoundError"
        ticket = viewer.execute(
            START, {"folder": fx["FROM_CLIENT"], "name": "x.pdf", "size": 1, "sha": "a" * 64}
        )["startUpload"]
        assert ticket["__typename"] == "NotFoundError"
        node = viewer.execute("query($id: ID!) { node(id: $id) { id } }", {"id": file["id"]})
        assert node["node"] is None
    # Firm A's organization id at firm B, and firm B's folder from firm A.
    assert admin_b.raw(DELETE, {"id": file["id"]})["data"]["deleteFile"]["__typename"] == (
        "NotFoundError"
    )
    assert upload(manager, fz["FOR_CLIENT"], "x.pdf", PDF)["__typename"] == "NotFoundError"
    # Anonymous callers get nothing.
    anonymous = GraphQLClient(manager.base_url, a.host)
    try:
        result = anonymous.raw(DRIVE, {"org": gid("ClientOrganization", world.org_x)})
        assert result.get("errors") or result["data"]["drive"]["__typename"] == "NotFoundError"
    finally:
        anonymous.close()
