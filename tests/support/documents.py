"""The document drive for tests: files of known types, organizations and contacts written
straight into the tenant schema, the drive's personas (`drive_world`), and its GraphQL calls.

    @pytest.fixture(scope="module")
    def world(db_engine, firms) -> Iterator[World]:
        yield from drive_world(db_engine, firms)
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import sqlalchemy as sa

from tests.support.client import GraphQLClient
from tests.support.clients import inn10, ogrn13
from tests.support.ids import gid
from tests.support.people import add_membership, make_person

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489")
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200
ELF = b"\x7fELF\x02\x01\x01" + b"\x00" * 200
LIMIT = 300_000  # firm A's max_upload_bytes during these tests


def schema_of(slug: str) -> str:
    return "tenant_" + slug.replace("-", "_")


def make_org(db_engine: sa.Engine, slug: str, name: str) -> int:
    with db_engine.begin() as conn:
        return int(
            conn.execute(
                sa.text(
                    f"INSERT INTO {schema_of(slug)}.client_organizations "
                    "(name, legal_form, inn, kpp, ogrn, tax_regime) "
                    "VALUES (:n, 'ooo', :inn, '773601001', :ogrn, 'osno') RETURNING id"
                ),
                {"n": name, "inn": inn10(), "ogrn": ogrn13()},
            ).scalar_one()
        )


def make_contact(
    db_engine: sa.Engine, firm: Any, org: int, grants: list[str], name: str = "Клиент"
) -> int:
    person = make_person(db_engine, name)
    add_membership(db_engine, person, firm.id, "client", ["client_member"], org)
    with db_engine.begin() as conn:
        contact = conn.execute(
            sa.text(
                f"INSERT INTO {schema_of(firm.slug)}.client_contacts (organization_id, person_id) "
                "VALUES (:o, :p) RETURNING id"
            ),
            {"o": org, "p": person},
        ).scalar_one()
        for module in grants:
            conn.execute(
                sa.text(
                    f"INSERT INTO {schema_of(firm.slug)}.client_grants (contact_id, module) "
                    "VALUES (:c, :m)"
                ),
                {"c": contact, "m": module},
            )
    return person


@dataclass(frozen=True)
class World:
    org_x: int  # firm A
    org_y: int  # firm A
    org_z: int  # firm B
    admin_a: int
    manager_a: int
    moderator_a: int
    staff_a: int
    admin_b: int
    client_x: int  # documents + upload in X
    reader_x: int  # documents only in X
    client_y: int  # documents + upload in Y
    uploader_x: int  # upload only in X


def set_limit(db_engine: sa.Engine, tenant_id: int, limit: int | None) -> None:
    with db_engine.begin() as conn:
        if limit is None:
            conn.execute(
                sa.text(
                    "UPDATE shared.tenants SET settings = settings - 'max_upload_bytes' "
                    "WHERE id = :t"
                ),
                {"t": tenant_id},
            )
        else:
            conn.execute(
                sa.text(
                    "UPDATE shared.tenants SET settings = coalesce(settings, '{}'::jsonb) "
                    "|| jsonb_build_object('max_upload_bytes', :l) WHERE id = :t"
                ),
                {"t": tenant_id, "l": limit},
            )
        conn.exec_driver_sql("NOTIFY kabinet_tenants")


def drive_world(db_engine: sa.Engine, firms: dict[str, Any]) -> Iterator[World]:
    """The drive's personas: firm A's staff of each role, client users with different grants
    in two organizations, firm B's admin and organization; firm A's upload limit set to
    LIMIT meanwhile. A module's `world` fixture yields from it."""
    a, b = firms["a"], firms["b"]
    people = {}
    for key, firm, role in (
        ("admin_a", a, "firm_admin"),
        ("manager_a", a, "manager"),
        ("moderator_a", a, "moderator"),
        ("staff_a", a, "staff"),
        ("admin_b", b, "firm_admin"),
    ):
        people[key] = make_person(db_engine, key)
        add_membership(db_engine, people[key], firm.id, "staff", [role])
    # Firm A's ids start far above firm B's, so "A's id at B" names nothing at B; firm B's
    # organizations made here start at 500,000, clear of small ids other tests assume free.
    tables = ("client_organizations", "drive_folders", "drive_files", "drive_file_versions")
    with db_engine.begin() as conn:
        for slug, first, names in (
            (a.slug, 1_000_000, tables),
            (b.slug, 500_000, ("client_organizations",)),
        ):
            for table in names:
                sequence = f"{schema_of(slug)}.{table}_id_seq"
                conn.exec_driver_sql(
                    f"SELECT setval('{sequence}', {first}, false) "
                    f"WHERE (SELECT last_value FROM {sequence}) < {first}"
                )
    org_x = make_org(db_engine, a.slug, "ООО «Икс»")
    org_y = make_org(db_engine, a.slug, "ООО «Игрек»")
    org_z = make_org(db_engine, b.slug, "Zeta LLC")
    # Staff without `clients:read_all` work on the organizations assigned to them (issue 11):
    # the manager is responsible for both of firm A's, the moderator and the staff member
    # moderate both.
    with db_engine.begin() as conn:
        for org in (org_x, org_y):
            conn.execute(
                sa.text(
                    f"UPDATE {schema_of(a.slug)}.client_organizations "
                    "SET responsible_manager_person_id = :m WHERE id = :o"
                ),
                {"m": people["manager_a"], "o": org},
            )
            for moderator in (people["moderator_a"], people["staff_a"]):
                conn.execute(
                    sa.text(
                        f"INSERT INTO {schema_of(a.slug)}.client_org_moderators "
                        "(organization_id, person_id) VALUES (:o, :p)"
                    ),
                    {"o": org, "p": moderator},
                )
    set_limit(db_engine, a.id, LIMIT)
    yield World(
        org_x=org_x,
        org_y=org_y,
        org_z=org_z,
        client_x=make_contact(db_engine, a, org_x, ["documents", "upload"]),
        reader_x=make_contact(db_engine, a, org_x, ["documents"]),
        client_y=make_contact(db_engine, a, org_y, ["documents", "upload"]),
        uploader_x=make_contact(db_engine, a, org_x, ["upload"]),
        **people,
    )
    set_limit(db_engine, a.id, None)


# ------------------------------------------------------------------------------ GraphQL


ERR = "... on Error { code message } ... on ValidationError { field }"
QERR = "... on Error { code message }"
DRIVE = f"""query($org: ID!) {{ drive(organizationId: $org) {{ __typename
  ... on Drive {{ organizationId folders {{ id parentId name nameRu nameEn systemKind direction
                                           canUpload }} }}
  {QERR} }} }}"""
FILE = f"""__typename ... on DriveFile {{ id name folderId currentVersionNo deletedAt
  currentVersion {{ id versionNo size sha256 contentType uploadedBy {{ id }} }}
  versions {{ id versionNo sha256 }} }} {ERR}"""
UPLOAD = f"""mutation($folder: ID!, $name: String!, $content: String!) {{
  uploadFile(folderId: $folder, filename: $name, contentBase64: $content) {{ {FILE} }} }}"""
START = f"""mutation($folder: ID!, $name: String!, $size: Float!, $sha: String!) {{
  startUpload(folderId: $folder, filename: $name, size: $size, sha256: $sha) {{ __typename
    ... on UploadTicket {{ uploadId url expiresAt }} {ERR} }} }}"""
COMPLETE = f"""mutation($id: ID!) {{ completeUpload(uploadId: $id) {{ {FILE} }} }}"""
LINK = f"""mutation($file: ID!, $version: ID, $action: DriveAccessAction! = DOWNLOAD) {{
  downloadLink(fileId: $file, versionId: $version, action: $action) {{ __typename
    ... on DownloadLink {{ url expiresAt version {{ id versionNo }} }} {QERR} }} }}"""
DELETE = f"mutation($id: ID!) {{ deleteFile(fileId: $id) {{ {FILE} }} }}"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def folders(c: GraphQLClient, org: int) -> dict[str, str]:
    """system kind -> folder id."""
    drive = c.execute(DRIVE, {"org": gid("ClientOrganization", org)})["drive"]
    assert drive["__typename"] == "Drive", drive
    return {f["systemKind"]: f["id"] for f in drive["folders"] if f["systemKind"]}


def upload(c: GraphQLClient, folder: str, name: str, data: bytes) -> dict[str, Any]:
    return c.execute(UPLOAD, {"folder": folder, "name": name, "content": b64(data)})["uploadFile"]


def link(c: GraphQLClient, file: str, **kw: Any) -> dict[str, Any]:
    return c.execute(LINK, {"file": file, **kw})["downloadLink"]


def fetch(c: GraphQLClient, url: str, method: str = "GET", **kw: Any) -> httpx.Response:
    if url.startswith("/"):
        return c.http.request(method, url, headers={"host": c.host}, **kw)
    return httpx.request(method, url, timeout=10, **kw)
