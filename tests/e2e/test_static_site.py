"""The built cabinet at "/": the app's routes get index.html, hashed assets are cached for a
year, index.html is revalidated, missing files stay 404, and the API routes win over it."""

from __future__ import annotations

import re

import httpx

from tests.e2e.conftest import Site


def get(site: Site, path: str, host: str = "firm-a.localhost") -> httpx.Response:
    return httpx.get(f"http://127.0.0.1:{site.port}{path}", headers={"host": host}, timeout=10)


def test_app_routes_get_the_index(site: Site) -> None:
    for path in ("/", "/login", "/invite?token=abc", "/clients/Q2xpZW50OjE=", "/settings/branding"):
        response = get(site, path)
        assert response.status_code == 200, path
        assert '<div id="root"></div>' in response.text
        assert response.headers["cache-control"] == "no-cache"


def test_hashed_assets_are_immutable(site: Site) -> None:
    index = get(site, "/").text
    script = re.search(r'src="(/assets/[^"]+\.js)"', index)
    assert script, index
    response = get(site, script.group(1))
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert "javascript" in response.headers["content-type"]


def test_missing_files_are_not_the_app(site: Site) -> None:
    assert get(site, "/assets/nope-123.js").status_code == 404
    assert get(site, "/favicon.ico").status_code == 404


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
