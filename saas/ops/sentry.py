"""Sentry, when SENTRY_DSN is set: unexpected errors of the API and the worker, with the tenant
as a tag and no personal data.

No personal data means: `send_default_pii=False`, no request bodies, no query strings (GraphQL
GET requests carry variables there), no cookies or credentials headers, no local variables of
stack frames, no `user`, and every e-mail address in any string replaced by "[email]".
"""

from __future__ import annotations

import logging
import os
import re
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import sentry_sdk
from graphql import GraphQLError
from sentry_sdk.integrations.dramatiq import DramatiqIntegration
from sentry_sdk.integrations.logging import LoggingIntegration
from sentry_sdk.integrations.sqlalchemy import SqlalchemyIntegration
from sentry_sdk.integrations.starlette import StarletteIntegration
from sentry_sdk.integrations.strawberry import StrawberryIntegration
from sentry_sdk.scrubber import DEFAULT_DENYLIST, EventScrubber
from sentry_sdk.transport import Transport

from saas.auth.tokens import CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE
from saas.logs import request_id_var, tenant_var
from saas.settings import Settings

log = logging.getLogger(__name__)

EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
SECRET_HEADERS = {"cookie", "set-cookie", "authorization", "proxy-authorization", CSRF_HEADER}
DENYLIST = [*DEFAULT_DENYLIST, SESSION_COOKIE, CSRF_COOKIE, CSRF_HEADER, "email", "phone"]


def _release() -> str | None:
    try:
        return f"kabinet@{version('saas')}"
    except PackageNotFoundError:
        return None


def _scrub_strings(value: Any) -> Any:
    if isinstance(value, str):
        return EMAIL_RE.sub("[email]", value)
    if isinstance(value, dict):
        return {key: _scrub_strings(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_scrub_strings(item) for item in value]
    return value


def _scrub_request(request: dict[str, Any]) -> None:
    request.pop("cookies", None)
    request.pop("data", None)
    request.pop("query_string", None)
    headers = request.get("headers")
    if isinstance(headers, dict):
        for name in list(headers):
            if name.lower() in SECRET_HEADERS:
                del headers[name]


def before_send(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any] | None:
    exc_info = hint.get("exc_info")
    if exc_info and isinstance(exc_info[1], GraphQLError):
        # The strawberry view reports every GraphQL error of a response: refusals meant for the
        # caller, or bugs already masked. Bugs are reported by saas.ops.observer with their
        # original exception and traceback instead.
        return None
    tags = event.setdefault("tags", {})
    if tenant := tenant_var.get():
        tags["tenant"] = tenant
    if request_id := request_id_var.get():
        tags["request_id"] = request_id
    event.pop("user", None)
    if isinstance(event.get("request"), dict):
        _scrub_request(event["request"])
    scrubbed: dict[str, Any] = _scrub_strings(event)
    return scrubbed


def before_breadcrumb(crumb: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any] | None:
    scrubbed: dict[str, Any] = _scrub_strings(crumb)
    return scrubbed


def init_sentry(
    settings: Settings, *, transport: type[Transport] | Transport | None = None
) -> bool:
    """Start the Sentry client if a DSN is configured; returns whether it runs.

    `transport` replaces the HTTP transport (tests capture envelopes locally with it).
    """
    if not settings.sentry_dsn:
        return False
    options: dict[str, Any] = {}
    if transport is not None:
        options["transport"] = transport
    sentry_sdk.init(
        dsn=settings.sentry_dsn,
        environment=os.environ.get("SENTRY_ENVIRONMENT") or settings.environment,
        release=_release(),
        send_default_pii=False,
        include_local_variables=False,
        max_request_body_size="never",
        event_scrubber=EventScrubber(denylist=DENYLIST, recursive=True),
        before_send=before_send,  # type: ignore[arg-type]
        before_breadcrumb=before_breadcrumb,  # type: ignore[arg-type]
        integrations=[
            StarletteIntegration(),
            StrawberryIntegration(async_execution=True),
            DramatiqIntegration(),
            SqlalchemyIntegration(),
            LoggingIntegration(level=logging.INFO, event_level=logging.ERROR),
        ],
        **options,
    )
    log.info("sentry enabled", extra={"environment": settings.environment})
    return True
