"""Who manages webhooks: staff holding `webhooks:manage` (firm admins by default). The check is
the Casbin field guard on every webhook operation (graphql.py); webhooks expose events of the
whole firm, so nobody narrower (a manager, a client user) ever sees endpoints or deliveries.
Who reads in-app notifications: see the end of this file."""

from __future__ import annotations

import ipaddress
from typing import Any
from urllib.parse import urlsplit

from strawberry.permission import BasePermission, PermissionExtension

from saas.rbac.permissions import RequiresLogin

PERMISSION = ("webhooks", "manage")

# The outbox topics an endpoint may subscribe to (grow with the modules that publish).
TOPICS: tuple[str, ...] = ("report.status_changed",)

MAX_URL = 2000


PRIVATE_REFUSED = "private, loopback and link-local addresses cannot receive webhooks"


def public_address(address: str) -> bool:
    """Whether an IP address is on the public internet (not private, loopback, link-local,
    multicast, reserved or the cloud metadata address)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def url_problem(url: str, *, private_networks: bool = False) -> str | None:
    """Why `url` cannot receive webhooks, or None. A host given as an IP address (or
    `localhost`) must be public unless `private_networks`; names are checked again at
    delivery, against every address they resolve to (service.post)."""
    if len(url) > MAX_URL:
        return "the URL is too long"
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "an http(s) URL with a host is required"
    if private_networks:
        return None
    host = parts.hostname.rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return PRIVATE_REFUSED
    try:
        return None if public_address(host) else PRIVATE_REFUSED
    except ValueError:
        return None  # a name: resolved and checked when delivering


# ------------------------------------------------------------------- in-app notifications
#
# Nobody holds a role permission over notifications: each person reads and marks only their
# own, in the firm of the host. The guard is "a person logged in to this firm" (API tokens
# and anonymous callers are refused); the rows are then scoped to the viewer's person id,
# and for a client user to organizations still granting it 'reports' (service.own_notifications).


class PersonOfFirm(BasePermission):
    message = "Log in to this firm's cabinet to see your notifications."
    error_extensions = {"code": "FORBIDDEN"}
    _schema_directive = RequiresLogin()

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        return viewer_of(info.context) is not None


def viewer_of(ctx: Any) -> tuple[int, frozenset[int] | None] | None:
    """(person id, client organizations or None for staff) of a person logged in to the
    firm of the request; None for anyone else."""
    from saas.modules.clients.service import Actor

    principal, tenant = ctx.principal, ctx.tenant_or_none
    if (
        tenant is None
        or principal.kind != "person"
        or principal.person_id is None
        or principal.tenant_id != tenant.id
    ):
        return None
    actor = Actor.of(principal, tenant.id)
    return principal.person_id, (None if actor.staff else actor.client_org_ids)


def own_notifications_only() -> list[Any]:
    return [PermissionExtension(permissions=[PersonOfFirm()])]
