"""Who manages webhooks: staff holding `webhooks:manage` (firm admins by default). The check is
the Casbin field guard on every webhook operation (graphql.py); webhooks expose events of the
whole firm, so nobody narrower (a manager, a client user) ever sees endpoints or deliveries.
Who reads in-app notifications: see the end of this file."""

from __future__ import annotations

import ipaddress
import re
import socket
import unicodedata
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from strawberry.permission import BasePermission, PermissionExtension

from saas.core.actor import Actor, actor_of
from saas.rbac.permissions import RequiresLogin

PERMISSION = ("webhooks", "manage")

# The outbox topics an endpoint may subscribe to (grow with the modules that publish).
TOPICS: tuple[str, ...] = ("report.status_changed",)

MAX_URL = 2000


PRIVATE_REFUSED = "private, loopback and link-local addresses cannot receive webhooks"

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def host_address(host: str) -> Address | None:
    """The IP address `host` spells, or None for a name. Every spelling a resolver accepts
    counts: dotted, short (`127.1`), decimal (`2130706433`), hex (`0x7f000001`), octal
    (`0177.0.0.1`) IPv4 (`socket.inet_aton`'s rules, which getaddrinfo follows), IPv6 with
    or without brackets and a zone (`fe80::1%eth0`). One classification for creation and
    delivery."""
    text = host.strip().removeprefix("[").removesuffix("]").rstrip(".")
    try:
        return ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        pass
    if not text or not text.isascii() or any(c.isspace() for c in text):
        return None  # inet_aton ignores what follows a space: never hand it one
    try:
        return ipaddress.IPv4Address(socket.inet_aton(text))
    except OSError:
        return None


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries: mapped (::ffff:a.b.c.d), compatible
    (::a.b.c.d), NAT64 (64:ff9b::a.b.c.d) or 6to4 (2002:aabb:ccdd::)."""
    if ip.ipv4_mapped:
        return ip.ipv4_mapped
    if ip.sixtofour:
        return ip.sixtofour
    if int(ip) >> 32 == 0 or ip in ipaddress.IPv6Network("64:ff9b::/96"):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def public_address(address: str | Address) -> bool:
    """Whether an IP address (any spelling, see host_address) is on the public internet: not
    private, loopback, link-local, multicast, reserved, unspecified or the cloud metadata
    address, nor an IPv6 address carrying such an IPv4 one."""
    ip = address if not isinstance(address, str) else host_address(address)
    if ip is None:
        raise ValueError(f"not an IP address: {address!r}")
    if isinstance(ip, ipaddress.IPv6Address) and (inner := _embedded_ipv4(ip)) is not None:
        ip = inner
    return ip.is_global and not ip.is_multicast


@dataclass(frozen=True)
class UrlRefusal:
    """Why a URL cannot receive webhooks (code, Russian and English text)."""

    code: str
    ru: str
    en: str


TOO_LONG = UrlRefusal(
    "INVALID_URL", f"Адрес длиннее {MAX_URL} символов.", f"The URL is longer than {MAX_URL}."
)
CONTROL = UrlRefusal(
    "INVALID_URL",
    "В адресе не может быть пробелов, переводов строки и других управляющих символов.",
    "The URL may not contain spaces, line breaks or other control characters.",
)
MALFORMED = UrlRefusal(
    "INVALID_URL",
    "Нужен адрес вида https://хост/путь.",
    "An https://host/path URL is required.",
)
HTTPS_ONLY = UrlRefusal(
    "INVALID_URL",
    "Вебхуки отправляются только по HTTPS: адрес должен начинаться с https://.",
    "Webhooks are sent over HTTPS only: the URL must start with https://.",
)
PRIVATE = UrlRefusal(
    "INVALID_URL",
    "Частные, локальные и служебные адреса не могут принимать вебхуки.",
    PRIVATE_REFUSED,
)


class UrlRefused(ValueError):
    def __init__(self, refusal: UrlRefusal):
        super().__init__(refusal.en)
        self.refusal = refusal


def normalize_url(url: str, *, allow_http: bool = False, private_networks: bool = False) -> str:
    """The URL to store for a webhook receiver, or UrlRefused. Surrounding spaces are
    dropped; any whitespace or control character inside refuses it (no header injection, no
    parser disagreement). The scheme and host are lowercased, a host spelling an IP address
    is rewritten in its canonical form (`127.1` -> `127.0.0.1`, `[::FFFF:7f00:1]` ->
    `[::ffff:7f00:1]`), the default port dropped. HTTPS only unless `allow_http`; a host
    naming a private, loopback or link-local address (any spelling, `localhost`) is refused
    unless `private_networks`; names are checked again at delivery, against every address
    they resolve to (service.pinned_addresses)."""
    url = url.strip(" ")
    if len(url) > MAX_URL:
        raise UrlRefused(TOO_LONG)
    if any(c.isspace() or unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") for c in url):
        raise UrlRefused(CONTROL)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise UrlRefused(MALFORMED) from None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if scheme not in ("http", "https") or not host or "\\" in url:
        raise UrlRefused(MALFORMED)
    if scheme == "http" and not allow_http:
        raise UrlRefused(HTTPS_ONLY)
    ip = host_address(host)
    if ip is None:
        netloc_host = _ascii_name(host)
        private = netloc_host == "localhost" or netloc_host.endswith(".localhost")
    else:
        private = not public_address(ip)
        netloc_host = f"[{ip}]" if ip.version == 6 else str(ip)
    if private and not private_networks:
        raise UrlRefused(PRIVATE)
    if port is not None and port != {"http": 80, "https": 443}[scheme]:
        netloc_host += f":{port}"
    userinfo = parts.netloc.rpartition("@")[0]
    netloc = f"{userinfo}@{netloc_host}" if userinfo else netloc_host
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, parts.fragment))


def _ascii_name(host: str) -> str:
    """A host name in ASCII (an internationalized one, кабинет.рф, in IDNA), or UrlRefused."""
    try:
        name = host.encode("idna").decode("ascii")
    except UnicodeError:
        raise UrlRefused(MALFORMED) from None
    if not re.fullmatch(r"[a-z0-9_-]+(\.[a-z0-9_-]+)*", name):
        raise UrlRefused(MALFORMED)
    return name


def url_problem(url: str, *, private_networks: bool = False, allow_http: bool = True) -> str | None:
    """Why `url` cannot receive webhooks (English), or None: normalize_url's verdict."""
    try:
        normalize_url(url, allow_http=allow_http, private_networks=private_networks)
    except UrlRefused as exc:
        return exc.refusal.en
    return None


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


def viewer_of(ctx: Any) -> Actor | None:
    """The actor of a person logged in to the firm of the request; None for anyone else."""
    principal, tenant = ctx.principal, ctx.tenant_or_none
    if (
        tenant is None
        or principal.kind != "person"
        or principal.person_id is None
        or principal.tenant_id != tenant.id
    ):
        return None
    return actor_of(ctx)


def own_notifications_only() -> list[Any]:
    return [PermissionExtension(permissions=[PersonOfFirm()])]


# A recorded report event notifies the organization's contacts and the report's manager in
# the transaction that records it (reports runs its ON_REPORT_EVENT hooks there and never
# imports notifications). Imported last: the service imports this file's names.
from saas.modules.notifications.service.inbox import notify_report_event  # noqa: E402
from saas.modules.reports.service.timeline import ON_REPORT_EVENT  # noqa: E402

if notify_report_event not in ON_REPORT_EVENT:
    ON_REPORT_EVENT.append(notify_report_event)
