"""The built cabinet at "/": the app's routes get index.html, hashed assets are cached for a
year and come precompressed (brotli, gzip), index.html is revalidated, missing files stay
404, /favicon.ico answers, GraphQL answers over 1 KB are compressed, and the API routes win
over the cabinet."""

from __future__ import annotations

import base64
import gzip
import re
import socket
import time

import brotli
import httpx

from tests.e2e.support import FirmAdmin, Site, png


def get(site: Site, path: str, host: str = "firm-a.localhost") -> httpx.Response:
    return httpx.get(f"http://127.0.0.1:{site.port}{path}", headers={"host": host}, timeout=10)


def test_app_routes_get_the_index(site: Site) -> None:
    for path in ("/", "/login", "/invite?token=abc", "/clients/Q2xpZW50OjE=", "/settings/branding"):
        response = get(site, path)
        assert response.status_code == 200, path
        assert '<div id="root"></div>' in response.text
        assert response.headers["cache-control"] == "no-cache, private"


def test_hashed_assets_are_immutable(site: Site) -> None:
    index = get(site, "/").text
    script = re.search(r'src="(/assets/[^"]+\.js)"', index)
    assert script, index
    response = get(site, script.group(1))
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert "javascript" in response.headers["content-type"]


def raw_get(site: Site, path: str, accept_encoding: str) -> tuple[httpx.Headers, bytes]:
    """The headers and the bytes as sent (httpx would decode them): checked by hand."""
    with httpx.stream(
        "GET",
        f"http://127.0.0.1:{site.port}{path}",
        headers={"host": "firm-a.localhost", "accept-encoding": accept_encoding},
        timeout=10,
    ) as response:
        return response.headers, b"".join(response.iter_raw())


def script_path(site: Site) -> str:
    index = get(site, "/").text
    script = re.search(r'src="(/assets/[^"]+\.js)"', index)
    assert script, index
    return script.group(1)


def test_assets_come_precompressed(site: Site) -> None:
    path = script_path(site)
    plain, original = raw_get(site, path, "identity")
    assert "content-encoding" not in plain
    assert plain["vary"] == "Accept-Encoding"
    assert b"react" in original.lower()

    br, br_bytes = raw_get(site, path, "gzip, deflate, br, zstd")
    assert br["content-encoding"] == "br"
    assert br["vary"] == "Accept-Encoding"
    assert br["cache-control"] == "public, max-age=31536000, immutable"
    assert "javascript" in br["content-type"]
    assert brotli.decompress(br_bytes) == original
    assert len(br_bytes) < len(original) / 3

    gz, gz_bytes = raw_get(site, path, "gzip;q=1, br;q=0")
    assert gz["content-encoding"] == "gzip"
    assert gzip.decompress(gz_bytes) == original

    again = httpx.get(
        f"http://127.0.0.1:{site.port}{path}",
        headers={
            "host": "firm-a.localhost",
            "accept-encoding": "br",
            "if-none-match": br["etag"],
        },
        timeout=10,
    )
    assert again.status_code == 304


def test_an_idle_connection_outlives_uvicorns_default(site: Site) -> None:
    """Issue 12: a browser coming back within the minute reuses its connection (uvicorn closed
    it after 5 s idle: on slow 4G a new one costs round trips; saas.ops.proxies)."""
    request = b"GET /healthz HTTP/1.1\r\nHost: firm-a.localhost\r\n\r\n"

    def answered(sock: socket.socket) -> bytes:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            assert chunk, "the server closed the connection"
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        found = re.search(rb"(?i)content-length: *(\d+)", head)
        assert found, head
        length = int(found.group(1))
        while len(body) < length:
            chunk = sock.recv(65536)
            assert chunk, "the server closed the connection"
            body += chunk
        return head

    with socket.create_connection(("127.0.0.1", site.port), timeout=10) as sock:
        sock.sendall(request)
        assert answered(sock).startswith(b"HTTP/1.1 200")
        time.sleep(6)  # idle past uvicorn's default keep-alive (5 s): the wait is the point
        sock.sendall(request)
        assert answered(sock).startswith(b"HTTP/1.1 200")


def test_no_source_map_is_served(site: Site) -> None:
    path = script_path(site)
    assert "sourceMappingURL" not in get(site, path).text
    assert get(site, path + ".map").status_code == 404


def test_graphql_answers_over_a_kilobyte_are_compressed(site: Site) -> None:
    def post(query: str) -> httpx.Response:
        return httpx.post(
            f"http://127.0.0.1:{site.port}/graphql",
            headers={"host": "firm-a.localhost", "accept-encoding": "gzip, br"},
            json={"query": query},
            timeout=10,
        )

    small = post("{ branding { isPlatform } }")
    assert "content-encoding" not in small.headers
    # An unknown field's error names the field: a long name makes the answer pass 1 KB.
    big = post("{ " + "x" * 1200 + " }")
    assert big.headers["content-encoding"] == "br"
    assert "Accept-Encoding" in big.headers["vary"]
    assert int(big.headers["content-length"]) < 1024 < len(big.content)
    assert big.json()["errors"][0]["extensions"]["code"]
    # The security headers still apply to a compressed answer.
    assert big.headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" in big.headers


def test_missing_files_are_not_the_app(site: Site) -> None:
    assert get(site, "/assets/nope-123.js").status_code == 404
    assert get(site, "/nope.txt").status_code == 404


def test_favicon_is_the_firms_or_the_default(site: Site, firm_admins: dict[str, FirmAdmin]) -> None:
    default = get(site, "/favicon.ico", host="localhost")
    assert default.status_code == 200
    assert default.content[:4] == b"\x00\x00\x01\x00"  # an ICO file
    assert get(site, "/favicon.ico").content == default.content  # a firm without its own

    admin = firm_admins["a"]
    uploaded = admin.api.execute(
        """mutation($data: String!) { uploadLogo(kind: FAVICON, contentBase64: $data,
        filename: "f.png") { __typename ... on BrandingImageUploaded { url } } }""",
        {"data": base64.b64encode(png(32, 32, (200, 30, 30))).decode()},
    )["uploadLogo"]
    try:
        assert uploaded["__typename"] == "BrandingImageUploaded", uploaded
        redirect = get(site, "/favicon.ico")
        assert redirect.status_code == 302
        assert redirect.headers["location"] == uploaded["url"]
        image = get(site, redirect.headers["location"])
        assert image.status_code == 200
        assert image.headers["content-type"] == "image/png"
    finally:
        admin.api.execute("mutation { removeLogo(kind: FAVICON) { faviconUrl } }")
    assert get(site, "/favicon.ico").status_code == 200


def test_api_routes_come_first(site: Site) -> None:
    response = httpx.post(
        f"http://127.0.0.1:{site.port}/graphql",
        headers={"host": "firm-a.localhost"},
        json={"query": "{ branding { isPlatform } }"},
        timeout=10,
    )
    assert response.json() == {"data": {"branding": {"isPlatform": False}}}
    assert get(site, "/healthz").json()["status"] == "ok"


def test_unknown_host_gets_no_cabinet(site: Site) -> None:
    response = get(site, "/login", host="nobody.localhost")
    assert response.status_code == 404
    assert "UNKNOWN_HOST" in response.text
