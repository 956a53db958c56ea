"""Who manages webhooks: staff holding `webhooks:manage` (firm admins by default). The check is
the Casbin field guard on every webhook operation (graphql.py); webhooks expose events of the
whole firm, so nobody narrower (a manager, a client user) ever sees endpoints or deliveries."""

from __future__ import annotations

from urllib.parse import urlsplit

PERMISSION = ("webhooks", "manage")

# The outbox topics an endpoint may subscribe to (grow with the modules that publish).
TOPICS: tuple[str, ...] = ("report.status_changed",)

MAX_URL = 2000


def url_problem(url: str) -> str | None:
    """Why `url` cannot receive webhooks, or None."""
    if len(url) > MAX_URL:
        return "the URL is too long"
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "an http(s) URL with a host is required"
    return None
