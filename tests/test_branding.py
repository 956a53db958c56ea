"""Firm branding and the cabinet switch over GraphQL/HTTP, plus the image checks.

Mutating tests use their own two firms (brand-x, brand-y) so the shared firms a/b keep their
defaults for everyone else's tests.
"""

from __future__ import annotations

import base64
import dataclasses
import io
import os
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from PIL import Image

from saas.auth.tokens import API_TOKEN_PREFIX, digest, new_secret
from saas.modules.branding.service.checks import ImageKind, ImageRefused, check_image, sniff
from saas.tenants.provisioning import provision_tenant
from tests.support.client import GraphQLClient
from tests.support.waiting import async_eventually, eventually

BASE = "kabinet.test"

BRANDING = """{ branding { isPlatform firmSlug displayName phone primaryColor cabinetEnabled
  logoUrl faviconUrl theme { primary onPrimary link focusRing css } } }"""

UPDATE = """mutation($input: BrandingInput!) { updateBranding(input: $input) {
  __typename
  ... on BrandingUpdated { settings { displayName phone requestedColor primaryColor
      emailSenderName customDomains canonicalHost }
    adjustments { requestedColor appliedColor contrast message messageRu messageEn } }
  ... on Error { code message }
  ... on ValidationError { field } } }"""

UPLOAD = """mutation($kind: BrandingImageKind!, $data: String!, $name: String) {
  uploadLogo(kind: $kind, contentBase64: $data, filename: $name) {
    __typename
    ... on BrandingImageUploaded {
      url width height contentType settings { logoFilename faviconUrl } }
    ... on ValidationError { code message field } } }"""

CABINET = """mutation($on: Boolean!, $consent: Boolean!) {
  updateCabinetAccess(enabled: $on, decryptedStorageConsent: $consent) {
    __typename
    ... on CabinetAccess { enabled decryptedStorageConsent decryptedStorageConsentAt }
    ... on Error { code message } } }"""


@dataclasses.dataclass(frozen=True)
class BrandFirm:
    id: int
    slug: str
    name: str
    host: str
    schema: str
    tokens: dict[str, str]


def make_token(engine: sa.Engine, tenant_id: int, role: str) -> str:
    secret = API_TOKEN_PREFIX + new_secret()
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO shared.api_tokens (tenant_id, name, role, prefix, token_hash) "
                "VALUES (:t, :n, :r, :p, :h)"
            ),
            {"t": tenant_id, "n": f"test {role}", "r": role, "p": secret[:12], "h": digest(secret)},
        )
    return secret


@pytest.fixture(scope="module")
def brand_firms(db_engine: sa.Engine, live_server) -> dict[str, BrandFirm]:  # type: ignore[no-untyped-def]
    out = {}
    for key, name in (("x", "Икс Бухгалтерия"), ("y", "Yankee Books")):
        slug = f"brand-{key}"
        tenant_id = provision_tenant(db_engine, slug, name)
        tokens = {
            role: make_token(db_engine, tenant_id, role)
            for role in ("firm_admin", "manager", "client_member")
        }
        out[key] = BrandFirm(tenant_id, slug, name, f"{slug}.{BASE}", f"tenant_brand_{key}", tokens)
    return out


@pytest.fixture
def as_role(client, brand_firms) -> Callable[[str, str], GraphQLClient]:  # type: ignore[no-untyped-def]
    def make(firm: str, role: str, host: str | None = None) -> GraphQLClient:
        f = brand_firms[firm]
        return client(host or f.host, token=f.tokens[role])

    return make


def _png(width: int = 200, height: int = 60, color: tuple[int, int, int] = (31, 111, 235)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buf, "PNG")
    return buf.getvalue()


def _b64(content: bytes) -> str:
    return base64.b64encode(content).decode()


def _code(result: dict) -> str:  # type: ignore[type-arg]
    return result["errors"][0]["extensions"]["code"]


# --- setting and reading the brand ----------------------------------------------------------


def test_admin_sets_branding_and_login_page_of_each_firm_shows_its_own(
    as_role, client, brand_firms
) -> None:  # type: ignore[no-untyped-def]
    x, y = brand_firms["x"], brand_firms["y"]
    done = as_role("x", "firm_admin").execute(
        UPDATE,
        {
            "input": {
                "displayName": "Икс: бухгалтерия для бизнеса",
                "phone": "+7 495 111-22-33",
                "primaryColor": "#1f6feb",
                "emailSenderName": "Икс Бухгалтерия",
            }
        },
    )["updateBranding"]
    assert done["__typename"] == "BrandingUpdated"
    assert done["settings"]["primaryColor"] == "#1F6FEB" and done["adjustments"] == []
    assert done["settings"]["canonicalHost"] == x.host
    as_role("y", "firm_admin").execute(
        UPDATE,
        {
            "input": {
                "displayName": "Yankee Books",
                "phone": "+7 812 444-55-66",
                "primaryColor": "#B4235A",
            }
        },
    )

    seen_x = client(x.host).execute(BRANDING)["branding"]  # no login: the login page
    seen_y = client(y.host).execute(BRANDING)["branding"]
    assert seen_x["displayName"] == "Икс: бухгалтерия для бизнеса"
    assert seen_x["phone"] == "+7 495 111-22-33"
    assert seen_x["primaryColor"] == "#1F6FEB" and seen_x["theme"]["onPrimary"] == "#FFFFFF"
    assert "--kb-primary: #1F6FEB;" in seen_x["theme"]["css"]
    assert seen_x["firmSlug"] == x.slug and seen_x["isPlatform"] is False
    assert seen_y["displayName"] == "Yankee Books" and seen_y["primaryColor"] == "#B4235A"
    assert seen_y["phone"] == "+7 812 444-55-66"
    for mine, other in ((seen_x, seen_y), (seen_y, seen_x)):
        text = str(mine)
        assert other["displayName"] not in text and other["phone"] not in text
        assert other["primaryColor"] not in text


def test_platform_host_shows_the_neutral_platform_brand(client, brand_firms) -> None:  # type: ignore[no-untyped-def]
    seen = client(BASE).execute(BRANDING)["branding"]
    assert seen["isPlatform"] is True and seen["firmSlug"] is None
    assert seen["displayName"] == "Кабинет" and seen["phone"] is None and seen["logoUrl"] is None
    assert "Икс" not in str(seen) and "Yankee" not in str(seen)


def test_null_resets_a_setting_to_its_default(as_role, client, brand_firms) -> None:  # type: ignore[no-untyped-def]
    y = brand_firms["y"]
    admin = as_role("y", "firm_admin")
    admin.execute(
        UPDATE,
        {"input": {"displayName": "Temporary", "emailSenderName": "Temp", "phone": "+7 1 234"}},
    )
    assert client(y.host).execute(BRANDING)["branding"]["displayName"] == "Temporary"
    done = admin.execute(
        UPDATE,
        {
            "input": {
                "displayName": None,
                "emailSenderName": None,
                "phone": None,
                "primaryColor": None,
            }
        },
    )["updateBranding"]["settings"]
    assert done["displayName"] == y.name and done["emailSenderName"] == y.name
    assert done["phone"] is None and done["requestedColor"] == "#1F6FEB"
    seen = client(y.host).execute(BRANDING)["branding"]
    assert seen["displayName"] == y.name and seen["phone"] is None
    assert seen["cabinetEnabled"] is True


def test_color_that_fails_contrast_is_adjusted_and_explained(as_role, client, brand_firms) -> None:  # type: ignore[no-untyped-def]
    admin = as_role("x", "firm_admin")
    done = admin.execute(UPDATE, {"input": {"primaryColor": "#FFD700"}})["updateBranding"]
    (adjustment,) = done["adjustments"]
    assert adjustment["requestedColor"] == "#FFD700" and adjustment["appliedColor"] == "#8B7500"
    assert adjustment["contrast"] >= 4.5
    assert adjustment["message"] == adjustment["messageRu"]  # Russian by default
    assert adjustment["messageRu"].startswith("Цвет затемнён с #FFD700 до #8B7500")
    assert adjustment["messageEn"].startswith("The color was darkened")
    english = admin.execute(
        UPDATE,
        {"input": {"primaryColor": "#FFD700"}},
        headers={"accept-language": "en-GB,en;q=0.9"},
    )["updateBranding"]
    assert english["adjustments"][0]["message"].startswith("The color was darkened")
    assert english["settings"]["requestedColor"] == "#FFD700"
    seen = client(brand_firms["x"].host).execute(BRANDING)["branding"]
    assert seen["primaryColor"] == "#8B7500"
    # Links: the gold's shade that reads on every background links are drawn on, not only on
    # white (#8B7500 is 4.18:1 on the page's grey; #816C00 4.76:1, 4.54:1 on its own tint).
    assert seen["theme"]["link"] == "#816C00"
    admin.execute(UPDATE, {"input": {"primaryColor": "#1F6FEB"}})


@pytest.mark.parametrize(
    ("field_input", "code", "field"),
    [
        ({"primaryColor": "green"}, "INVALID_COLOR", "primaryColor"),
        ({"primaryColor": "#12345"}, "INVALID_COLOR", "primaryColor"),
        ({"phone": "call me"}, "INVALID_PHONE", "phone"),
        ({"displayName": "   "}, "INVALID_DISPLAYNAME", "displayName"),
        ({"displayName": "x" * 121}, "INVALID_DISPLAYNAME", "displayName"),
        (
            {"emailSenderName": "Evil <ceo@bank.example>"},
            "INVALID_EMAILSENDERNAME",
            "emailSenderName",
        ),
        ({"emailSenderName": "Line\nBcc: x@y.z"}, "INVALID_EMAILSENDERNAME", "emailSenderName"),
        ({"customDomains": ["https://cabinet.example.ru"]}, "INVALID_DOMAIN", "customDomains"),
        ({"customDomains": ["cabinet.example.ru:8443"]}, "INVALID_DOMAIN", "customDomains"),
        ({"customDomains": ["10.0.0.7"]}, "INVALID_DOMAIN", "customDomains"),
        ({"customDomains": ["localhost"]}, "INVALID_DOMAIN", "customDomains"),
        ({"customDomains": ["nodots"]}, "INVALID_DOMAIN", "customDomains"),
        ({"customDomains": ["-bad-.example.ru"]}, "INVALID_DOMAIN", "customDomains"),
        ({"customDomains": ["a..example.ru"]}, "INVALID_DOMAIN", "customDomains"),
        ({"customDomains": ["under_score.example.ru"]}, "INVALID_DOMAIN", "customDomains"),
        ({"customDomains": [BASE]}, "INVALID_DOMAIN", "customDomains"),
        ({"customDomains": [f"firm-a.{BASE}"]}, "INVALID_DOMAIN", "customDomains"),
        (
            {"customDomains": [f"d{i}.example.ru" for i in range(6)]},
            "TOO_MANY_DOMAINS",
            "customDomains",
        ),
    ],
)
def test_invalid_branding_is_refused_with_a_typed_error(
    as_role, client, brand_firms, field_input, code, field
) -> None:  # type: ignore[no-untyped-def]
    before = client(brand_firms["x"].host).execute(BRANDING)["branding"]
    result = as_role("x", "firm_admin").execute(
        UPDATE, {"input": {"phone": "+7 000 000-00-00", **field_input}}
    )
    refusal = result["updateBranding"]
    assert refusal["__typename"] == "ValidationError"
    assert refusal["code"] == code and refusal["field"] == field
    assert refusal["message"]
    # Nothing of the refused input was saved, not even its valid part.
    assert client(brand_firms["x"].host).execute(BRANDING)["branding"] == before


def test_staff_without_the_permission_and_clients_cannot_change_branding(
    as_role, client, brand_firms
) -> None:  # type: ignore[no-untyped-def]
    before = client(brand_firms["x"].host).execute(BRANDING)["branding"]
    for role in ("manager", "client_member"):
        c = as_role("x", role)
        assert _code(c.raw(UPDATE, {"input": {"displayName": "Hijacked"}})) == "FORBIDDEN"
        assert _code(c.raw(UPLOAD, {"kind": "LOGO", "data": _b64(_png())})) == "FORBIDDEN"
        assert _code(c.raw(CABINET, {"on": False, "consent": False})) == "FORBIDDEN"
        assert _code(c.raw("{ brandingSettings { displayName } }")) == "FORBIDDEN"
    anonymous = client(brand_firms["x"].host)
    refused = _code(anonymous.raw(UPDATE, {"input": {"displayName": "Hijacked"}}))
    assert refused == "UNAUTHENTICATED"
    assert client(brand_firms["x"].host).execute(BRANDING)["branding"] == before


def test_cross_tenant_attempts_are_refused(as_role, client, brand_firms) -> None:  # type: ignore[no-untyped-def]
    x, y = brand_firms["x"], brand_firms["y"]
    before_y = client(y.host).execute(BRANDING)["branding"]
    # X's admin token at Y's host: refused before any resolver runs.
    response = as_role("x", "firm_admin", host=y.host).post(
        {"query": UPDATE, "variables": {"input": {"displayName": "Taken over"}}}
    )
    assert response.status_code == 403 and response.json()["error"]["code"] == "WRONG_TENANT"
    # X's admin token at the platform host acts on X only.
    done = as_role("x", "firm_admin", host=BASE).execute(
        UPDATE, {"input": {"phone": "+7 495 000-00-01"}}
    )
    assert done["updateBranding"]["settings"]["phone"] == "+7 495 000-00-01"
    assert client(y.host).execute(BRANDING)["branding"] == before_y
    assert client(x.host).execute(BRANDING)["branding"]["phone"] == "+7 495 000-00-01"
    # An anonymous caller at the platform host has no firm to change.
    refused = _code(client(BASE).raw(UPDATE, {"input": {"displayName": "Nobody"}}))
    assert refused == "UNAUTHENTICATED"


# --- custom domains -------------------------------------------------------------------------


def test_custom_domain_resolves_after_change_and_cannot_be_taken_twice(
    as_role, client, brand_firms
) -> None:  # type: ignore[no-untyped-def]
    x = brand_firms["x"]
    domain = "cabinet.iks-buh.example"
    assert client(domain).post({"query": BRANDING}).status_code == 404
    done = as_role("x", "firm_admin").execute(
        UPDATE, {"input": {"customDomains": [" Cabinet.Iks-Buh.Example. ", "кабинет.рф"]}}
    )["updateBranding"]
    assert done["settings"]["customDomains"] == [domain, "xn--80acmlhv0b.xn--p1ai"]
    assert done["settings"]["canonicalHost"] == domain
    seen = client(domain).execute(BRANDING)["branding"]
    assert seen["firmSlug"] == x.slug
    assert client("xn--80acmlhv0b.xn--p1ai").execute(BRANDING)["branding"]["firmSlug"] == x.slug
    # The slug host keeps working beside the custom domain.
    assert client(x.host).execute(BRANDING)["branding"]["firmSlug"] == x.slug

    taken = as_role("y", "firm_admin").execute(
        UPDATE, {"input": {"customDomains": ["CABINET.iks-buh.example"]}}
    )
    assert taken["updateBranding"]["__typename"] == "ConflictError"
    assert taken["updateBranding"]["code"] == "DOMAIN_TAKEN"
    assert client(domain).execute(BRANDING)["branding"]["firmSlug"] == x.slug

    as_role("x", "firm_admin").execute(UPDATE, {"input": {"customDomains": []}})
    eventually(
        lambda: client(domain).post({"query": BRANDING}).status_code == 404,
        within=5,
        what="the removed domain to answer 404",
    )
    # Released: now the other firm may have it.
    again = as_role("y", "firm_admin").execute(UPDATE, {"input": {"customDomains": [domain]}})
    assert again["updateBranding"]["__typename"] == "BrandingUpdated"
    assert client(domain).execute(BRANDING)["branding"]["firmSlug"] == brand_firms["y"].slug
    as_role("y", "firm_admin").execute(UPDATE, {"input": {"customDomains": None}})


async def test_another_process_registry_hears_the_domain_change(
    as_role, brand_firms, database_url
) -> None:  # type: ignore[no-untyped-def]
    """A second API process (its own registry and listener, a cache that would keep the old
    answer for 10 minutes) resolves the new domain only because of NOTIFY kabinet_tenants."""
    import asyncio

    from saas.db.engine import create_engine
    from saas.db.notify import NotificationHub
    from saas.tenants.registry import TENANTS_CHANGED, TenantRegistry, UnknownHost

    engine = create_engine(database_url, pool_size=1)
    registry = TenantRegistry(engine, BASE, dev_hosts=False, ttl=600)
    hub = NotificationHub(database_url)
    hub.subscribe(TENANTS_CHANGED, registry.invalidate)
    await hub.start()
    domain = "second-process.iks-buh.example"
    try:
        with pytest.raises(UnknownHost):
            await registry.resolve_host(domain)  # the negative answer is now cached
        admin = as_role("x", "firm_admin")
        await asyncio.to_thread(admin.execute, UPDATE, {"input": {"customDomains": [domain]}})

        async def resolved() -> Any:
            try:
                return await registry.resolve_host(domain)
            except UnknownHost:
                return None

        match = await async_eventually(resolved, within=5, what="the registry to hear the change")
        assert match.tenant is not None and match.tenant.slug == brand_firms["x"].slug
        await asyncio.to_thread(admin.execute, UPDATE, {"input": {"customDomains": []}})
    finally:
        await hub.stop()
        await engine.dispose()


# --- logo and favicon -----------------------------------------------------------------------


def test_logo_upload_is_served_at_the_firms_host_only(
    as_role, client, live_server, brand_firms
) -> None:  # type: ignore[no-untyped-def]
    import httpx

    x, y = brand_firms["x"], brand_firms["y"]
    png = _png()
    done = as_role("x", "firm_admin").execute(
        UPLOAD,
        {
            "kind": "LOGO",
            "data": "data:image/png;base64," + _b64(png),
            "name": "../../etc/logo.PNG",
        },
    )["uploadLogo"]
    assert done["__typename"] == "BrandingImageUploaded"
    assert (done["width"], done["height"], done["contentType"]) == (200, 60, "image/png")
    assert done["settings"]["logoFilename"] == "logo.png"
    url = done["url"]
    assert url.startswith("/branding/logo?v=")
    assert client(x.host).execute(BRANDING)["branding"]["logoUrl"] == url

    with httpx.Client(base_url=live_server.url) as http:
        got = http.get(url, headers={"host": x.host})
        assert got.status_code == 200 and got.content == png
        assert got.headers["content-type"] == "image/png"
        assert got.headers["x-content-type-options"] == "nosniff"
        assert "immutable" in got.headers["cache-control"]
        unversioned = http.get("/branding/logo", headers={"host": x.host})
        assert (
            unversioned.status_code == 200
            and "immutable" not in unversioned.headers["cache-control"]
        )
        assert (
            http.get(
                url, headers={"host": x.host, "if-none-match": got.headers["etag"]}
            ).status_code
            == 304
        )
        # The other firm has no logo, and never gets this one.
        other = http.get(url, headers={"host": y.host})
        assert other.status_code == 404 and other.content != png
        assert http.get("/branding/logo", headers={"host": BASE}).status_code == 404
        assert http.get("/branding/script", headers={"host": x.host}).status_code == 404


def test_favicon_accepts_ico_and_replacing_removes_the_old_file(
    as_role, client, live_server, brand_firms, settings
) -> None:  # type: ignore[no-untyped-def]
    import httpx

    x = brand_firms["x"]
    buf = io.BytesIO()
    Image.new("RGBA", (32, 32), (180, 35, 90, 255)).save(buf, "ICO", sizes=[(32, 32)])
    admin = as_role("x", "firm_admin")
    first = admin.execute(
        UPLOAD, {"kind": "FAVICON", "data": _b64(buf.getvalue()), "name": "favicon.ico"}
    )["uploadLogo"]
    assert first["contentType"] == "image/x-icon"
    second = admin.execute(
        UPLOAD, {"kind": "FAVICON", "data": _b64(_png(48, 48)), "name": "icon.png"}
    )["uploadLogo"]
    assert second["url"] != first["url"]
    folder = settings.data_dir / "files" / f"t{x.id}" / "branding"
    files = list(folder.glob("favicon-*"))
    assert len(files) == 1 and second["url"].split("v=")[1] in files[0].name
    with httpx.Client(base_url=live_server.url) as http:
        got = http.get("/branding/favicon", headers={"host": x.host})
        assert got.status_code == 200 and got.headers["content-type"] == "image/png"
    removed = admin.execute("mutation { removeLogo(kind: FAVICON) { faviconUrl } }")["removeLogo"]
    assert removed["faviconUrl"] is None
    assert client(x.host).execute(BRANDING)["branding"]["faviconUrl"] is None


HOSTILE_SVG = b"""<?xml version="1.0"?>
<svg xmlns="http://www.w3.org/2000/svg" width="100" height="40">
  <script>fetch('/graphql',{method:'POST',body:document.cookie})</script>
  <rect width="100" height="40" fill="#1F6FEB" onload="alert(1)"/>
</svg>"""


def _noise_png(side: int) -> bytes:
    buf = io.BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(
        buf, "PNG", compress_level=0
    )
    return buf.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("setup.png", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 200, "UNSUPPORTED_TYPE"),
        ("tool.png", b"\x7fELF\x02\x01\x01" + b"\x00" * 200, "UNSUPPORTED_TYPE"),
        ("big.png", _noise_png(430), "FILE_TOO_LARGE"),
        ("logo.svg", HOSTILE_SVG, "SVG_NOT_ACCEPTED"),
        ("cut.png", _png()[:60], "CORRUPT_IMAGE"),
        ("dot.png", _png(1, 1), "BAD_DIMENSIONS"),
        ("page.png", b"<html><script>alert(1)</script></html>", "UNSUPPORTED_TYPE"),
    ],
)
def test_bad_logo_uploads_are_refused_and_the_logo_stays(
    as_role, client, brand_firms, name, content, code
) -> None:  # type: ignore[no-untyped-def]
    admin = as_role("x", "firm_admin")
    admin.execute(UPLOAD, {"kind": "LOGO", "data": _b64(_png()), "name": "good.png"})
    before = client(brand_firms["x"].host).execute(BRANDING)["branding"]["logoUrl"]
    refused = admin.execute(UPLOAD, {"kind": "LOGO", "data": _b64(content), "name": name})[
        "uploadLogo"
    ]
    assert refused["__typename"] == "ValidationError"
    assert refused["code"] == code and refused["field"] == "contentBase64"
    assert client(brand_firms["x"].host).execute(BRANDING)["branding"]["logoUrl"] == before


def test_not_base64_is_refused(as_role) -> None:  # type: ignore[no-untyped-def]
    refused = as_role("x", "firm_admin").execute(
        UPLOAD, {"kind": "LOGO", "data": "not base64 at all!"}
    )
    assert refused["uploadLogo"]["code"] == "INVALID_BASE64"


def test_image_checks_by_content() -> None:
    assert check_image(_png(), ImageKind.LOGO).format == "PNG"
    buf = io.BytesIO()
    Image.new("RGB", (64, 64), (0, 0, 0)).save(buf, "JPEG")
    assert check_image(buf.getvalue(), ImageKind.LOGO).content_type == "image/jpeg"
    buf = io.BytesIO()
    Image.new("RGB", (64, 64), (0, 0, 0)).save(buf, "WEBP")
    assert check_image(buf.getvalue(), ImageKind.FAVICON).extension == "webp"
    # A JPEG is a fine logo but not a favicon; a logo-sized image is too big for a favicon.
    with pytest.raises(ImageRefused) as refused:
        check_image(_png(1000, 1000), ImageKind.FAVICON)
    assert refused.value.code == "BAD_DIMENSIONS"
    # A PNG header in front of garbage is not a PNG.
    with pytest.raises(ImageRefused, match="damaged"):
        check_image(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, ImageKind.LOGO)
    assert sniff(b"\xef\xbb\xbf  <svg xmlns='http://www.w3.org/2000/svg'/>") == "SVG"
    # The header says 60000x60000: refused from the header, the pixels are never expanded.
    header = bytearray(_png(16, 16))
    header[16:24] = (60000).to_bytes(4, "big") * 2
    with pytest.raises(ImageRefused):
        check_image(bytes(header), ImageKind.LOGO)


# --- the cabinet switch ---------------------------------------------------------------------


def test_cabinet_switch_needs_consent_to_go_on(as_role, client, brand_firms, db_engine) -> None:  # type: ignore[no-untyped-def]
    x = brand_firms["x"]
    admin = as_role("x", "firm_admin")
    off = admin.execute(CABINET, {"on": False, "consent": False})["updateCabinetAccess"]
    assert off == {
        "__typename": "CabinetAccess",
        "enabled": False,
        "decryptedStorageConsent": False,
        "decryptedStorageConsentAt": None,
    }
    assert client(x.host).execute(BRANDING)["branding"]["cabinetEnabled"] is False
    assert client(brand_firms["y"].host).execute(BRANDING)["branding"]["cabinetEnabled"] is True

    refused = admin.execute(CABINET, {"on": True, "consent": False})["updateCabinetAccess"]
    assert refused["__typename"] == "ConsentRequiredError" and refused["code"] == "CONSENT_REQUIRED"
    assert "расшифрованном" in refused["message"]
    english = admin.execute(
        CABINET, {"on": True, "consent": False}, headers={"accept-language": "en"}
    )
    assert "decrypted" in english["updateCabinetAccess"]["message"]
    assert client(x.host).execute(BRANDING)["branding"]["cabinetEnabled"] is False

    on = admin.execute(CABINET, {"on": True, "consent": True})["updateCabinetAccess"]
    assert on["enabled"] is True and on["decryptedStorageConsent"] is True
    assert on["decryptedStorageConsentAt"] is not None
    assert client(x.host).execute(BRANDING)["branding"]["cabinetEnabled"] is True
    settings = admin.execute(
        "{ brandingSettings { cabinetEnabled decryptedStorageConsent decryptedStorageConsentAt } }"
    )
    assert (
        settings["brandingSettings"]["decryptedStorageConsentAt"] == on["decryptedStorageConsentAt"]
    )

    # Who did it is in the firm's own audit log.
    with db_engine.connect() as conn:
        actions = conn.execute(
            sa.text(
                f'SELECT data FROM "{x.schema}".audit_log '
                "WHERE action = 'cabinet.access' ORDER BY id"
            )
        ).all()
    assert [a.data for a in actions[-2:]] == [
        {"enabled": False, "consent": False},
        {"enabled": True, "consent": True},
    ]


def test_client_logins_get_a_clear_message_while_the_cabinet_is_off(
    as_role, client, brand_firms, db_engine
) -> None:  # type: ignore[no-untyped-def]
    from tests.support.auth import create_firm_people, login, login_result

    x = brand_firms["x"]
    people = create_firm_people(db_engine, x.id, x.slug)
    admin = as_role("x", "firm_admin")
    admin.execute(CABINET, {"on": False, "consent": False})
    try:
        closed = login_result(client(x.host), people.client.email, people.client.password)
        assert closed["__typename"] == "CabinetClosed" and closed["code"] == "CABINET_CLOSED"
        assert "отключён" in closed["message"]
        english = login_result(
            client(x.host),
            people.client.email,
            people.client.password,
            headers={"accept-language": "en"},
        )
        assert "switched off" in english["message"]
        login(client(x.host), people.admin.email, people.admin.password)  # staff still may
    finally:
        admin.execute(CABINET, {"on": True, "consent": True})
    login(client(x.host), people.client.email, people.client.password)


def test_cabinet_enabled_reads_the_tenant_settings() -> None:
    from saas.tenants.cabinet import cabinet_enabled
    from saas.tenants.registry import TenantRef

    def ref(settings: dict) -> TenantRef:  # type: ignore[type-arg]
        return TenantRef(1, "f", "F", "active", "tenant_f", "r", settings=settings)

    assert cabinet_enabled(ref({})) is True  # consent given with the terms at sign-up
    assert cabinet_enabled(ref({"cabinet_enabled": False})) is False
    assert (
        cabinet_enabled(ref({"cabinet_enabled": True, "decrypted_storage_consent": False})) is False
    )
    assert cabinet_enabled(None) is True
