"""A firm's brand and its cabinet switch: the domain rules (no GraphQL here).

Everything lives in `shared.tenants.settings` (JSON) and `shared.tenants.domains`:

    display_name, phone, primary_color, logo_key, favicon_key, logo_filename,
    favicon_filename, email_sender_name, cabinet_enabled, decrypted_storage_consent,
    decrypted_storage_consent_at, decrypted_storage_consent_by

Readers take a `TenantRef` (the registry's cached copy, dropped on NOTIFY kabinet_tenants),
so the login page, e-mails and the login check cost no query: `brand_of(tenant)` and
`cabinet_enabled(tenant)`. Writers lock the tenant row, change it, write the tenant's audit
log in the same transaction and NOTIFY kabinet_tenants, which PostgreSQL delivers on commit.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import idna
from sqlalchemy import Text, literal, select, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession

from saas.core.audit import audit_shared
from saas.schema.errors import DomainError
from saas.storage import InvalidKey, ObjectNotFound, tenant_files
from saas.tenants.branding_images import EXTENSION_TYPES, CheckedImage, ImageKind
from saas.tenants.models import Tenant
from saas.tenants.registry import DEV_PLATFORM_HOSTS, TENANTS_CHANGED, TenantRef
from saas.tenants.theme import InvalidColor, Theme, derive_theme, parse_hex

if TYPE_CHECKING:
    from saas.services import Services

PLATFORM_NAME_RU = "Кабинет"
PLATFORM_NAME_EN = "Kabinet"
# A calm slate blue: the platform's own login page must not look like any firm's.
PLATFORM_COLOR = "#3B4A5E"
DEFAULT_FIRM_COLOR = "#1F6FEB"
MAX_DOMAINS = 5
_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_PHONE = re.compile(r"^\+?[0-9][0-9 ()\-]{3,24}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Serializes custom-domain claims across firms (no unique index can cover array elements).
_DOMAINS_LOCK = 0x6B61_6264  # "kabd"


class BrandingRefused(DomainError):
    """An expected refusal, explained in both languages of the cabinet."""

    def __init__(self, code: str, message_ru: str, message_en: str, field: str | None = None):
        super().__init__(code, message_en, field)
        self.message_ru, self.message_en = message_ru, message_en


@dataclass(frozen=True)
class Brand:
    """What the cabinet, its login page and its e-mails show of a firm (or of the platform)."""

    tenant_id: int | None
    slug: str | None
    display_name: str
    phone: str | None
    requested_color: str
    theme: Theme
    email_sender_name: str
    logo_key: str | None = None
    favicon_key: str | None = None
    logo_filename: str | None = None
    favicon_filename: str | None = None
    custom_domains: tuple[str, ...] = ()
    cabinet_enabled: bool = True
    decrypted_storage_consent: bool = True
    consent_at: str | None = None

    @property
    def is_platform(self) -> bool:
        return self.tenant_id is None

    @property
    def logo_path(self) -> str | None:
        return image_path(ImageKind.LOGO, self.logo_key)

    @property
    def favicon_path(self) -> str | None:
        return image_path(ImageKind.FAVICON, self.favicon_key)


def image_path(kind: ImageKind, key: str | None) -> str | None:
    """The host-relative URL of a stored image; the version makes it cacheable forever."""
    if not key:
        return None
    return f"/branding/{kind.value}?v={version_of(key)}"


def version_of(key: str) -> str:
    return Path(key).stem.rsplit("-", 1)[-1]


PLATFORM_BRAND = Brand(
    tenant_id=None,
    slug=None,
    display_name=PLATFORM_NAME_RU,
    phone=None,
    requested_color=PLATFORM_COLOR,
    theme=derive_theme(PLATFORM_COLOR),
    email_sender_name=PLATFORM_NAME_RU,
)


def _consent_default(settings: dict[str, Any]) -> bool:
    # Firms accept storing documents in readable form with the terms at sign-up, so a firm
    # that never touched the switch has the cabinet on; switching it back on after turning it
    # off asks for the consent again, explicitly.
    return bool(settings.get("decrypted_storage_consent", True))


def cabinet_enabled(tenant: TenantRef | None) -> bool:
    """Whether the firm's client contacts may log in to its cabinet (staff always may).

    The login calls this for people whose only memberships at the firm are client contacts.
    """
    if tenant is None:
        return True
    settings = tenant.settings or {}
    return bool(settings.get("cabinet_enabled", True)) and _consent_default(settings)


def brand_of(tenant: TenantRef | None) -> Brand:
    """The brand shown at a tenant's host; the neutral platform brand for None."""
    if tenant is None:
        return PLATFORM_BRAND
    s = tenant.settings or {}
    try:
        requested = parse_hex(s.get("primary_color") or DEFAULT_FIRM_COLOR)
    except InvalidColor:  # written by hand into the database: fall back, never fail the page
        requested = DEFAULT_FIRM_COLOR
    display_name = s.get("display_name") or tenant.name
    return Brand(
        tenant_id=tenant.id,
        slug=tenant.slug,
        display_name=display_name,
        phone=s.get("phone") or None,
        requested_color=requested,
        theme=derive_theme(requested),
        email_sender_name=s.get("email_sender_name") or display_name,
        logo_key=s.get("logo_key") or None,
        favicon_key=s.get("favicon_key") or None,
        logo_filename=s.get("logo_filename") or None,
        favicon_filename=s.get("favicon_filename") or None,
        custom_domains=tuple(tenant.domains),
        cabinet_enabled=cabinet_enabled(tenant),
        decrypted_storage_consent=_consent_default(s),
        consent_at=s.get("decrypted_storage_consent_at"),
    )


# --- validation --------------------------------------------------------------------------


def _text(value: str, field_name: str, limit: int, what_ru: str, what_en: str) -> str:
    value = " ".join(value.split())
    if not value or len(value) > limit or _CONTROL.search(value):
        raise BrandingRefused(
            "INVALID_" + field_name.upper(),
            f"{what_ru}: от 1 до {limit} символов.",
            f"{what_en}: 1 to {limit} characters.",
            field_name,
        )
    return value


def clean_display_name(value: str) -> str:
    return _text(value, "displayName", 120, "Название", "Display name")


def clean_sender_name(value: str) -> str:
    value = _text(value, "emailSenderName", 80, "Имя отправителя писем", "E-mail sender name")
    if any(c in value for c in '<>"@\\'):
        raise BrandingRefused(
            "INVALID_EMAILSENDERNAME",
            'Имя отправителя не может содержать символы < > " @ \\.',
            'The sender name cannot contain < > " @ \\.',
            "emailSenderName",
        )
    return value


def clean_phone(value: str) -> str | None:
    value = " ".join(value.split())
    if not value:
        return None
    digits = sum(c.isdigit() for c in value)
    if not _PHONE.match(value) or not 5 <= digits <= 15:
        raise BrandingRefused(
            "INVALID_PHONE",
            "Телефон: цифры, пробелы, скобки и дефисы, можно начать с +, "
            "например +7 495 111-22-33.",
            "Phone: digits, spaces, brackets and hyphens, optionally starting with +, "
            "e.g. +7 495 111-22-33.",
            "phone",
        )
    return value


def clean_color(value: str) -> str:
    try:
        return parse_hex(value)
    except InvalidColor as exc:
        raise BrandingRefused(
            "INVALID_COLOR", exc.message_ru, exc.message_en, "primaryColor"
        ) from None


def clean_domain(value: str, base_domain: str) -> str:
    """A custom domain as the Host header carries it (lowercase, IDNA/punycode)."""
    raw = value.strip().rstrip(".")

    def invalid(reason_ru: str, reason_en: str) -> BrandingRefused:
        return BrandingRefused(
            "INVALID_DOMAIN",
            f"Домен «{value}» не подходит: {reason_ru}",
            f"Domain {value!r} cannot be used: {reason_en}",
            "customDomains",
        )

    if "://" in raw or "/" in raw or ":" in raw:
        raise invalid(
            "укажите только имя хоста, например cabinet.example.ru.",
            "give the host name only, e.g. cabinet.example.ru.",
        )
    try:
        ipaddress.ip_address(raw)
    except ValueError:
        pass
    else:
        raise invalid(
            "нужно доменное имя, а не IP-адрес.", "a domain name is needed, not an IP address."
        )
    try:
        host = idna.encode(raw, uts46=True).decode("ascii").lower()
    except (idna.IDNAError, UnicodeError):
        raise invalid(
            "недопустимые символы.", "it has characters a host name cannot have."
        ) from None
    labels = host.split(".")
    if (
        len(host) > 253
        or len(labels) < 2
        or not all(_LABEL.match(label) for label in labels)
        or labels[-1].isdigit()
    ):
        raise invalid(
            "имя хоста — это метки из латинских букв, цифр и дефисов через точку, например "
            "cabinet.example.ru.",
            "a host name is dot-separated labels of letters, digits and hyphens, e.g. "
            "cabinet.example.ru.",
        )
    base = base_domain.lower()
    if host == base or host.endswith("." + base) or host in DEV_PLATFORM_HOSTS:
        raise invalid(
            f"адреса в {base} выдаёт платформа.",
            f"addresses under {base} belong to the platform.",
        )
    return host


# --- writes ------------------------------------------------------------------------------


@dataclass
class BrandingChanges:
    """Only the fields named in `present` change; None resets one to its default."""

    display_name: str | None = None
    phone: str | None = None
    primary_color: str | None = None
    email_sender_name: str | None = None
    custom_domains: list[str] | None = None
    present: set[str] = field(default_factory=set)


async def _locked_tenant(session: AsyncSession, tenant_id: int) -> Tenant:
    row = (
        await session.execute(select(Tenant).where(Tenant.id == tenant_id).with_for_update())
    ).scalar_one_or_none()
    if row is None:
        raise BrandingRefused("NOT_FOUND", "Фирма не найдена.", "The firm does not exist.")
    return row


async def _record(
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
    row = await _locked_tenant(session, tenant_id)
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
    await _record(session, row, actor, "branding.update", audit, ip)
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
    row = await _locked_tenant(session, tenant_id)
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
    await _record(
        session, row, actor, "cabinet.access", {"enabled": enabled, "consent": consent}, ip
    )
    await session.flush()
    return TenantRef.of(row)


async def set_image(
    session: AsyncSession,
    tenant_id: int,
    kind: ImageKind,
    key: str | None,
    filename: str | None,
    *,
    actor: str,
    ip: str | None = None,
) -> tuple[TenantRef, str | None]:
    """Point the firm's logo or favicon at a stored key (None removes it); returns the firm
    and the key it replaced, for deleting after commit."""
    row = await _locked_tenant(session, tenant_id)
    settings = dict(row.settings or {})
    previous = settings.get(f"{kind.value}_key")
    if key is None:
        settings.pop(f"{kind.value}_key", None)
        settings.pop(f"{kind.value}_filename", None)
    else:
        settings[f"{kind.value}_key"] = key
        settings[f"{kind.value}_filename"] = filename
    row.settings = settings
    await _record(
        session, row, actor, f"branding.{kind.value}", {"key": key, "filename": filename}, ip
    )
    await session.flush()
    return TenantRef.of(row), previous if previous != key else None


def clean_filename(filename: str | None, image: CheckedImage) -> str:
    """A display name for the upload; the stored type comes from the content, not from it."""
    stem = Path((filename or "").replace("\\", "/")).name
    stem = _CONTROL.sub("", stem).strip()[:100].rsplit(".", 1)[0] or image.kind.value
    return f"{stem}.{image.extension}"


# --- stored files ------------------------------------------------------------------------
# Through the object storage (a folder or S3), in the tenant's own prefix:
#   t<tenant_id>/branding/<kind>-<sha256 prefix>.<ext>
# The content hash in the key makes the URL versioned and lets a replaced image be deleted.


def image_key(services: Services, tenant_id: int, image: CheckedImage) -> str:
    name = f"{image.kind.value}-{image.digest[:16]}.{image.extension}"
    return tenant_files(services, tenant_id).key("branding", name)


def content_type_of(key: str) -> str:
    return EXTENSION_TYPES.get(Path(key).suffix.lstrip("."), "application/octet-stream")


async def put_image(services: Services, tenant_id: int, key: str, image: CheckedImage) -> None:
    await tenant_files(services, tenant_id).put(
        key, image.content, content_type=image.content_type, max_size=len(image.content)
    )


async def read_image(services: Services, tenant_id: int, key: str) -> bytes | None:
    """The stored bytes, or None when missing or when the key is not this tenant's."""
    try:
        return await tenant_files(services, tenant_id).get(key)
    except (ObjectNotFound, InvalidKey):
        return None


async def delete_image(services: Services, tenant_id: int, key: str) -> None:
    try:
        await tenant_files(services, tenant_id).delete(key)
    except InvalidKey:  # a hand-edited setting: never delete outside the tenant's prefix
        pass
