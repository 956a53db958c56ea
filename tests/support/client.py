"""A GraphQL client as a browser or integrator would be: a Host header per firm, cookies kept
per host, the CSRF header echoed, or a bearer token."""

from __future__ import annotations

from typing import Any

import httpx

from saas.auth.tokens import CSRF_COOKIE


class GraphQLError(AssertionError):
    pass


class GraphQLClient:
    def __init__(self, base_url: str, host: str, *, token: str | None = None):
        self.base_url = base_url
        self.host = host
        self.token = token
        self.cookies: dict[str, str] = {}
        self.http = httpx.Client(base_url=base_url, timeout=30)

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {"host": self.host}
        if self.token:
            headers["authorization"] = f"Bearer {self.token}"
        if self.cookies:
            headers["cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            if CSRF_COOKIE in self.cookies:
                headers["x-csrf-token"] = self.cookies[CSRF_COOKIE]
        headers.update(extra or {})
        return headers

    def _keep_cookies(self, response: httpx.Response) -> None:
        for raw in response.headers.get_list("set-cookie"):
            name, _, rest = raw.partition("=")
            value = rest.split(";", 1)[0]
            if "max-age=0" in raw.lower() or value in ("", '""'):
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value

    def post(self, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
        response = self.http.post("/graphql", json=body, headers=self.headers(headers))
        self._keep_cookies(response)
        return response

    def raw(self, query: str, variables: dict[str, Any] | None = None, **kw: Any) -> dict[str, Any]:
        response = self.post({"query": query, "variables": variables or {}}, **kw)
        assert response.headers.get("content-type", "").startswith("application/json"), (
            response.text
        )
        return response.json()

    def execute(
        self, query: str, variables: dict[str, Any] | None = None, **kw: Any
    ) -> dict[str, Any]:
        """Data of a successful operation; any GraphQL error fails the test."""
        result = self.raw(query, variables, **kw)
        if result.get("errors"):
            raise GraphQLError(result["errors"])
        return result["data"]

    def close(self) -> None:
        self.http.close()


def error_codes(result: dict[str, Any]) -> list[str]:
    """The `extensions.code` of each error of a raw GraphQL result (`GraphQLClient.raw`)."""
    return [e.get("extensions", {}).get("code") for e in result.get("errors") or []]


def refused_outright(response: httpx.Response, status: int, code: str) -> None:
    """Asserts a refusal before any GraphQL runs: this HTTP status and `{"error": {"code"}}`
    (a session opened at another firm's host: 403 WRONG_HOST; another firm's API token: 403
    WRONG_TENANT; a revoked or unknown token: 401 INVALID_TOKEN)."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"]["code"] == code, body
    assert not body.get("data"), body
