"""GET /auth/handoff?code=...: opens a cabinet at its firm's host.

A session is valid only at the host where it was created, so the cabinet picker at the
platform's host (or at another firm's) asks `openCabinet` for a one-minute, single-use code
and sends the browser here; this host spends the code (it must have been issued for this
very firm), creates a session bound to the firm, sets the cookies and redirects to "/".
"""

from __future__ import annotations

import html

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from saas.auth.cookies import cookies_secure, set_session_cookies
from saas.auth.messages import language_of
from saas.auth.service.cabinets import consume_handoff
from saas.core.actor import Actor
from saas.mail import sender_name
from saas.request import RequestBinding
from saas.tenants.registry import TenantRef

# The code travels in the URL: keep it out of caches and of Referer headers.
PRIVATE = {"cache-control": "no-store", "referrer-policy": "no-referrer"}

_TEXT = {
    "ru": (
        "Ссылка недействительна",
        "Ссылка для входа устарела или уже использована. Войдите ещё раз.",
        "Войти",
    ),
    "en": (
        "The link is not valid",
        "This sign-in link has expired or was already used. Please log in again.",
        "Log in",
    ),
}


def _refusal(tenant: TenantRef | None, lang: str) -> Response:
    title, text, action = _TEXT[lang]
    firm = html.escape(sender_name(tenant, lang))
    page = (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)} — {firm}</title></head>"
        f'<body style="font-family:sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem">'
        f"<p><strong>{firm}</strong></p><h1>{html.escape(title)}</h1><p>{html.escape(text)}</p>"
        f'<p><a href="/">{html.escape(action)}</a></p></body></html>'
    )
    return HTMLResponse(page, status_code=400, headers=PRIVATE)


async def handoff(request: Request) -> Response:
    services = request.app.state.services
    binding: RequestBinding = request.scope["state"]["binding"]
    lang = language_of(request.headers.get("accept-language"))
    code = request.query_params.get("code", "")
    if binding.tenant is None or not code:
        return _refusal(binding.tenant, lang)
    principal = binding.principal
    issued = await consume_handoff(
        services,
        binding.tenant,
        code,
        Actor.of_request(binding),
        replaces_session_id=principal.session_id if principal.kind == "person" else None,
    )
    if issued is None:
        return _refusal(binding.tenant, lang)
    response = RedirectResponse("/", status_code=303, headers=PRIVATE)
    set_session_cookies(response, issued, secure=cookies_secure(request, services.settings))
    return response
