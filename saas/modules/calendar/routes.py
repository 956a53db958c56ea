"""GET /calendar/<token>.ics: a person's iCalendar feed at the firm's host.

The token is the only authority: it is looked up in the schema of the firm the host serves
(another firm's host answers 404), then the feed shows what the person sees now (their
roles, organizations and grants as they are at this request: a deactivated contact's feed is
empty of organizations, a person without any membership left gets 404). `?lang=en` words the
events in English (Russian by default).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from saas.auth.authenticate import memberships_in_tenant
from saas.auth.principal import Principal
from saas.core.actor import Actor
from saas.core.calendar.firm import calendar_of
from saas.db.session import tenant_session
from saas.modules.calendar.service.agenda import interactions
from saas.modules.calendar.service.feeds import feed_window, person_of_token, render_ics
from saas.rbac.cache import enforcer_cache
from saas.tenants.cabinet import cabinet_enabled

HEADERS = {
    "cache-control": "private, no-store",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
}


def _not_found() -> JSONResponse:
    return JSONResponse(
        {"error": {"code": "NOT_FOUND", "message": "No such calendar here."}},
        status_code=404,
        headers=HEADERS,
    )


async def calendar_feed(request: Request) -> Response:
    binding = request.scope.get("state", {}).get("binding")
    tenant = binding.tenant if binding is not None else None
    if tenant is None:
        return _not_found()
    services = request.app.state.services
    language = "en" if request.query_params.get("lang") == "en" else "ru"
    async with tenant_session(services.engine, tenant) as session:
        person_id = await person_of_token(session, request.path_params["token"])
        if person_id is None:
            return _not_found()
        roles, orgs, kinds = await memberships_in_tenant(services, person_id, tenant.id)
        if not roles or (kinds == {"client"} and not cabinet_enabled(tenant)):
            return _not_found()
        principal = Principal(
            kind="person",
            person_id=person_id,
            tenant_id=tenant.id,
            roles=roles,
            client_org_ids=orgs,
        )
        actor = Actor.of(principal, tenant.id, policy=await enforcer_cache(services).get(tenant.id))
        start, days = feed_window(calendar_of(tenant).today())
        organizations, events = await interactions(session, actor, None, days, start)
    name = f"{tenant.name}: календарь" if language == "ru" else f"{tenant.name}: calendar"
    body = render_ics(
        events, organizations, host=binding.host.split(":")[0], name=name, language=language
    )
    return Response(body, media_type="text/calendar; charset=utf-8", headers=HEADERS)
