"""The answer to a host that serves no cabinet: a neutral HTML page in the visitor's language
(Accept-Language) with a link to the platform entry, for a browser (GET or HEAD accepting
text/html, any path but the API's); the documented `UNKNOWN_HOST` JSON for everyone else.
The page carries no script and no inline style: the cabinet's Content-Security-Policy holds."""

from __future__ import annotations

from html import escape

from starlette.datastructures import Headers
from starlette.types import Scope

from saas.auth.messages import language_of

TEXTS = {
    "ru": (
        "Кабинет не найден",
        "По адресу {host} нет кабинета. Проверьте адрес или войдите через общую страницу входа.",
        "Перейти ко входу",
    ),
    "en": (
        "Cabinet not found",
        "No cabinet is served at {host}. Check the address or sign in from the common entry.",
        "Go to sign-in",
    ),
}


def wants_page(scope: Scope) -> bool:
    """A browser asking for a page, not an API client (POST /graphql, Accept: JSON)."""
    if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
        return False
    if scope["path"] == "/graphql":
        return False
    return "text/html" in Headers(scope=scope).get("accept", "")


def page(scope: Scope, host: str, entry_url: str) -> bytes:
    language = language_of(Headers(scope=scope).get("accept-language"))
    title, text, link = TEXTS[language]
    return (
        f'<!doctype html><html lang="{language}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}</title></head><body><main><h1>{title}</h1>"
        f"<p>{escape(text.format(host=host))}</p>"
        f'<p><a href="{escape(entry_url)}">{link}</a></p></main></body></html>'
    ).encode()
