"""Security headers of every page and API answer (saas.security_headers): the cabinet's
Content-Security-Policy, no framing by other sites, nosniff, no referrer from pages whose URL
holds a token, HSTS in production only. The browser tests (tests/e2e) fail on any CSP
violation the cabinet causes (their `page` fixture)."""

from __future__ import annotations

import dataclasses

import httpx
import pytest

from saas.jobs import current_runtime_or_none, restore_jobs
from saas.security_headers import cabinet_policy
from saas.settings import Settings
from saas.storage import open_store
from tests.support.firms import Firm
from tests.support.server import LiveServer


def get(server_url: str, host: str, path: str, **kw: object) -> httpx.Response:
    return httpx.get(f"{server_url}{path}", headers={"host": host}, timeout=30, **kw)  # type: ignore[arg-type]


def directives(response: httpx.Response) -> dict[str, str]:
    policy = response.headers["content-security-policy"]
    return {
        part.strip().split(" ", 1)[0]: part.strip().partition(" ")[2]
        for part in policy.split(";")
        if part.strip()
    }


def test_cabinet_pages_carry_the_policy_and_refuse_framing(  # type: ignore[no-untyped-def]
    live_server, firms: dict[str, Firm]
) -> None:
    for path in ("/", "/reports", "/login"):
        page = get(live_server.url, firms["a"].host, path)
        csp = directives(page)
        assert csp["script-src"] == "'self'" and csp["style-src"] == "'self'", csp
        assert csp["connect-src"] == "'self'" and csp["frame-ancestors"] == "'none'", csp
        assert csp["object-src"] == "'none'" and csp["base-uri"] == "'none'", csp
        assert page.headers["x-frame-options"] == "DENY"
        assert page.headers["x-content-type-options"] == "nosniff"
        assert page.headers["referrer-policy"] == "same-origin"
        assert "strict-transport-security" not in page.headers  # not production


@pytest.mark.parametrize(
    "path",
    [
        "/invite?token=secret-invitation",
        "/reset-password?token=secret-reset",
        "/files/not-a-real-token",
        "/auth/handoff?token=secret-handoff",
    ],
)
def test_pages_whose_url_holds_a_token_send_no_referrer(  # type: ignore[no-untyped-def]
    live_server, firms: dict[str, Firm], path: str
) -> None:
    response = get(live_server.url, firms["a"].host, path, follow_redirects=False)
    assert response.headers["referrer-policy"] == "no-referrer", (path, response.headers)
    assert response.headers["x-content-type-options"] == "nosniff"


def test_file_links_may_be_framed_by_the_cabinet_only(live_server, firms: dict[str, Firm]) -> None:  # type: ignore[no-untyped-def]
    response = get(live_server.url, firms["a"].host, "/files/not-a-real-token")
    assert response.headers["x-frame-options"] == "SAMEORIGIN"
    assert directives(response)["frame-ancestors"] == "'self'"


def test_api_answers_refuse_framing_and_sniffing(live_server, firms: dict[str, Firm]) -> None:  # type: ignore[no-untyped-def]
    api = httpx.post(
        f"{live_server.url}/graphql",
        json={"query": "{ __typename }"},
        headers={"host": firms["a"].host},
        timeout=30,
    )
    assert api.status_code == 200
    assert api.headers["x-content-type-options"] == "nosniff"
    assert api.headers["x-frame-options"] == "DENY"
    assert directives(api) == {"frame-ancestors": "'none'"}
    # Refusals of the request binding (an unknown host) carry them too.
    unknown_host = get(live_server.url, "nobody.kabinet.test", "/")
    assert unknown_host.headers["x-frame-options"] == "DENY"


def test_hsts_in_production_only(settings: Settings, firms: dict[str, Firm]) -> None:
    from saas.app import create_app

    production = dataclasses.replace(settings, environment="production")
    previous = current_runtime_or_none()
    server = LiveServer(create_app(production)).start()
    restore_jobs(previous)  # later tests' jobs keep running on the main live server
    try:
        page = get(server.url, firms["a"].host, "/")
        assert page.headers["strict-transport-security"] == "max-age=31536000"
        assert directives(page)["frame-ancestors"] == "'none'"
    finally:
        previous = current_runtime_or_none()
        server.stop()
        restore_jobs(previous)


def test_an_s3_storage_origin_is_allowed_for_presigned_links(settings: Settings) -> None:
    """Uploads PUT to presigned S3 links and previews load from them: the policy names the
    origin browsers use (public_endpoint when set)."""
    public = open_store(
        "s3://k:s@minio.internal:9000/files?secure=false&public_endpoint=https://files.example.com",
        secret_key="x",
    )
    direct = open_store("s3://k:s@minio.example.com:9000/files", secret_key="x")
    folder = open_store(settings.storage_url, secret_key="x")
    assert public.browser_origin == "https://files.example.com"
    assert direct.browser_origin == "https://minio.example.com:9000"
    assert folder.browser_origin is None
    policy = cabinet_policy(public.browser_origin)
    assert "connect-src 'self' https://files.example.com" in policy
    assert "img-src 'self' data: blob: https://files.example.com" in policy
    assert "frame-src 'self' https://files.example.com" in policy
