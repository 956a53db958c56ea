"""A host that serves no cabinet: a browser gets a neutral 404 page in its language with a
link to the platform entry (no script, no inline style: the cabinet's CSP holds); an API client
(Accept: JSON, or POST /graphql) keeps the documented `UNKNOWN_HOST` JSON."""

from __future__ import annotations

import re

import httpx
import pytest

from saas.settings import Settings
from tests.support.server import LiveServer

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
HOST = "nobody.kabinet.test"


def fetch(live_server: LiveServer, path: str, **headers: str) -> httpx.Response:
    return httpx.get(f"{live_server.url}{path}", headers={"host": HOST, **headers}, timeout=10)


@pytest.mark.parametrize(
    ("accept_language", "lang", "title", "link"),
    [
        ("ru-RU,ru;q=0.9,en;q=0.8", "ru", "Кабинет не найден", "Перейти ко входу"),
        ("en-GB,en;q=0.9", "en", "Cabinet not found", "Go to sign-in"),
    ],
)
def test_a_browser_gets_a_page_in_its_language(
    live_server: LiveServer,
    settings: Settings,
    accept_language: str,
    lang: str,
    title: str,
    link: str,
) -> None:
    for path in ("/", "/login", "/clients/abc"):
        response = fetch(live_server, path, accept=BROWSER, **{"accept-language": accept_language})
        assert response.status_code == 404, path
        assert response.headers["content-type"].startswith("text/html")
        html = response.text
        assert f'<html lang="{lang}">' in html
        assert f"<title>{title}</title>" in html and f"<h1>{title}</h1>" in html
        [(href, text)] = re.findall(r'<a href="([^"]+)">([^<]+)</a>', html)
        assert text == link
        # The platform entry: the base domain (where login and the cabinet picker are).
        assert httpx.URL(href).host == settings.base_domain and httpx.URL(href).path == "/"
        assert HOST in html
        assert "UNKNOWN_HOST" not in html
        # Nothing the cabinet's policy (script-src/style-src 'self') would block.
        assert "<script" not in html and "<style" not in html and "style=" not in html
        policy = response.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "style-src 'self'" in policy


def test_the_host_named_on_the_page_is_escaped(live_server: LiveServer) -> None:
    response = httpx.get(
        f"{live_server.url}/",
        headers={"host": "<b>x</b>.kabinet.test", "accept": BROWSER},
        timeout=10,
    )
    assert response.status_code == 404
    assert "&lt;b&gt;x&lt;/b&gt;" in response.text
    assert "<b>x</b>" not in response.text


@pytest.mark.parametrize("accept_language", ["ru", "en"])
def test_api_clients_keep_the_json_answer(live_server: LiveServer, accept_language: str) -> None:
    as_json = fetch(
        live_server, "/", accept="application/json", **{"accept-language": accept_language}
    )
    posted = httpx.post(
        f"{live_server.url}/graphql",
        json={"query": "{ currentFirm { slug } }"},
        headers={"host": HOST, "accept": BROWSER, "accept-language": accept_language},
        timeout=10,
    )
    for response in (as_json, posted):
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/json"
        assert response.json()["error"]["code"] == "UNKNOWN_HOST"
        assert HOST in response.json()["error"]["message"]
        assert not re.search(r"<html", response.text)
