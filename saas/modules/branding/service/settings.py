"""Writing a firm's brand and its cabinet switch.

Writers lock the tenant row, change it, write the firm's audit log in the same transaction and
NOTIFY kabinet_tenants, which PostgreSQL delivers on commit (`locked_tenant`,
`record_change`; images.py writes the same way).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Text, literal, select, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession

from saas.core.audit import audit_shared
from saas.modules.branding.service.brand import BrandingRefused
from saas.modules.branding.service.validation import (
    clean_color,
    clean_display_name,
    clean_domain,
    clean_phone,
    clean_sender_name,
)
from saas.tenants.models import Tenant
from saas.tenants.registry import TENANTS_CHANGED, TenantRef

MAX_DOMAINS = 5
# Serializes custom-domain claims across firms (no unique index can cover array elements).
_DOMAINS_LOCK = 0x6B61_6264  # "kabd"


@dataclass
class BrandingChanges:
    """Only the fields named in `present` change; None resets one to its default."""

    display_name: str | None = None
    phone: str | None = None
    primary_color: str | None = None
    email_sender_name: str | None = None
    custom_domains: list[str] | None = None
    present: set[str] = field(default_factory=set)


async def locked_tenant(session: AsyncSession, tenant_id: int) -> Tenant:
    row = (
        await session.execute(select(Tenant).where(Tenant.id == tenant_id).with_for_update())
    ).scalar_one_or_none()
    if row is None:
        raise BrandingRefused("NOT_FOUND", "Фирма не найдена.", "The firm does not exist.")
    return row


async def record_change(
    session: AsyncSession,
    row: Tenant,
    actor: str,
    action: str,
    data: dict[str, Any],
    ip: str | None,
) -> None:
    """Audit entry in the firm's own log and the cache-drop notice, both in this transaction
    (NOTIFY is delivered by PostgreSQL only if and when the transaction commits)."""
    await audit_shared(
        session, TenantRef.of(row), actor, action, "firm", row.id, ip=ip, details=data
    )
    await session.execute(
        text("SELECT pg_notify(:ch, :id)"), {"ch": TENANTS_CHANGED, "id": str(row.id)}
    )


async def _domains_taken(session: AsyncSession, tenant_id: int, domains: list[str]) -> list[str]:
    await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _DOMAINS_LOCK})
    rows = (
        (
            await session.execute(
                select(Tenant.domains).where(
                    Tenant.id != tenant_id,
                    Tenant.domains.op("&&")(literal(domains, type_=postgresql.ARRAY(Text))),
                )
            )
        )
        .scalars()
        .all()
    )
    taken = {d for row in rows for d in row}
    return [d for d in domains if d in taken]


async def update_branding(
    session: AsyncSession,
    tenant_id: int,
    changes: BrandingChanges,
    *,
    actor: str,
    base_domain: str,
    ip: str | None = None,
) -> TenantRef:
    """Validate and apply `changes`; returns the firm as it will be after commit."""
    cleaners = {
        "display_name": clean_display_name,
        "phone": clean_phone,
        "primary_color": clean_color,
        "email_sender_name": clean_sender_name,
    }
    # null resets a setting to its default (the firm's name, no phone, the default color).
    new: dict[str, Any] = {
        name: None if getattr(changes, name) is None else clean(getattr(changes, name))
        for name, clean in cleaners.items()
        if name in changes.present
    }
    domains: list[str] | None = None
    if "custom_domains" in changes.present:
        domains = []
        for raw in changes.custom_domains or []:
            host = clean_domain(raw, base_domain)
            if host not in domains:
                domains.append(host)
        if len(domains) > MAX_DOMAINS:
            raise BrandingRefused(
                "TOO_MANY_DOMAINS",
                f"Можно указать не больше {MAX_DOMAINS} доменов.",
                f"At most {MAX_DOMAINS} custom domains.",
                "customDomains",
            )
    row = await locked_tenant(session, tenant_id)
    if domains:
        taken = await _domains_taken(session, tenant_id, domains)
        if taken:
            raise BrandingRefused(
                "DOMAIN_TAKEN",
                f"Домен {taken[0]} уже подключён к другой фирме.",
                f"Domain {taken[0]} is already used by another firm.",
                "customDomains",
            )
    settings = dict(row.settings or {})
    settings.update(new)
    settings = {k: v for k, v in settings.items() if not (k in new and v is None)}
    row.settings = settings
    if domains is not None:
        row.domains = domains
    audit = dict(new)
    if domains is not None:
        audit["custom_domains"] = domains
    await record_change(session, row, actor, "branding.update", audit, ip)
    await session.flush()
    return TenantRef.of(row)


async def set_cabinet_access(
    session: AsyncSession,
    tenant_id: int,
    *,
    enabled: bool,
    consent: bool,
    actor: str,
    ip: str | None = None,
) -> TenantRef:
    """Switch the client cabinet; switching it on needs the consent to store decrypted
    documents (as Kontur.Extern asks before its Кабинет клиента can be turned on)."""
    if enabled and not consent:
        raise BrandingRefused(
            "CONSENT_REQUIRED",
            "Чтобы включить кабинет клиента, подтвердите согласие хранить документы в "
            "расшифрованном виде: иначе клиенты не смогут их просматривать.",
            "To switch the client cabinet on, confirm the consent to store documents in "
            "decrypted form: clients cannot view them otherwise.",
            "decryptedStorageConsent",
        )
    row = await locked_tenant(session, tenant_id)
    settings = dict(row.settings or {})
    settings["cabinet_enabled"] = enabled
    if consent and not settings.get("decrypted_storage_consent_at"):
        settings["decrypted_storage_consent_at"] = datetime.now(UTC).isoformat()
        settings["decrypted_storage_consent_by"] = actor
    if not consent:
        settings.pop("decrypted_storage_consent_at", None)
        settings.pop("decrypted_storage_consent_by", None)
    settings["decrypted_storage_consent"] = consent
    row.settings = settings
    await record_change(
        session, row, actor, "cabinet.access", {"enabled": enabled, "consent": consent}, ip
    )
    await session.flush()
    return TenantRef.of(row)
