"""What the identity resolvers read from the request (language, address, session) and set on
the response (the session cookies)."""

from __future__ import annotations

from saas.auth.cookies import cookies_secure, set_session_cookies
from saas.auth.messages import language_of
from saas.auth.service.sessions import IssuedSession
from saas.core.actor import Actor
from saas.schema.context import Info
from saas.schema.errors import PublicError


def request_language(info: Info) -> str:
    return language_of(info.context.request.headers.get("accept-language"))


def request_caller(info: Info) -> Actor:
    """The caller at any host, for login-like steps (its origin: address, user agent)."""
    return Actor.of_request(info.context.binding)


def session_id_of(info: Info) -> int | None:
    principal = info.context.principal
    return principal.session_id if principal.kind == "person" else None


def set_cookies(info: Info, issued: IssuedSession) -> None:
    response = info.context.response
    if response is None:
        raise PublicError("Log in over HTTP: a WebSocket cannot set the session cookie.")
    set_session_cookies(response, issued, secure=secure_cookies(info))


def secure_cookies(info: Info) -> bool:
    return cookies_secure(info.context.request, info.context.services.settings)
