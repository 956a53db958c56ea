"""Audited download links: the app serves them and logs every fetch.

A module hands out a link with `TenantStorage.audited_url(key, audit=..., person_id=...)`
after writing its "link issued" log entry; the signed token (saas.storage.tokens) carries the
person the link was issued to, a nonce and that entry ("<kind>:<entry id>"). Whatever the
backend (a folder or S3), the link is `/files/<token>` on the firm's host: saas.storage.endpoint
checks it, asks the recorder of `<kind>` to log the fetch (the person from the token, the
fetch's own address and user agent, the issuing entry's file and version) in the tenant's
schema, and only then streams the bytes. A link fetched twice is logged twice.

Recorders register by kind (`@recorder("drive")`) in the module that issues the links.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from saas.db.session import tenant_transaction

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from saas.services import Services
    from saas.storage.tokens import FileClaims
    from saas.tenants.registry import TenantRef


@dataclass(frozen=True)
class Fetch:
    """One fetch of an audited link: the issuing entry and the token's person (both signed),
    the fetching request's address and user agent."""

    issued_id: int
    person_id: int | None
    ip: str | None
    user_agent: str | None
    # The app's services, for what a recorder's listeners publish (a chat notice's entry).
    services: Services | None = None


# A recorder writes the fetch's log entry; False when the issuing entry is gone (the link is
# then refused).
Recorder = Callable[["AsyncSession", Fetch], Awaitable[bool]]
RECORDERS: dict[str, Recorder] = {}


def recorder(kind: str) -> Callable[[Recorder], Recorder]:
    def register(fn: Recorder) -> Recorder:
        RECORDERS[kind] = fn
        return fn

    return register


def audit_ref(kind: str, issued_id: int) -> str:
    return f"{kind}:{int(issued_id)}"


async def record_fetch(
    services: Services,
    tenant: TenantRef,
    claims: FileClaims,
    *,
    ip: str | None,
    user_agent: str | None,
) -> bool:
    """Log one fetch of an audited link in the tenant's schema (committed before a byte is
    sent); False when the link names no recorder or no issuing entry."""
    kind, _, issued = (claims.audit or "").partition(":")
    record = RECORDERS.get(kind)
    if record is None or not issued.isdigit():
        return False
    fetch = Fetch(
        issued_id=int(issued),
        person_id=claims.person_id,
        ip=ip,
        user_agent=(user_agent or "")[:1000] or None,
        services=services,
    )
    async with tenant_transaction(services.engine, tenant) as session:
        return await record(session, fetch)
