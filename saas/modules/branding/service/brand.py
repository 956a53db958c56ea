"""A firm's brand as the login page, the cabinet and the e-mails show it, and the cabinet
switch (read side: no query, no GraphQL).

Everything lives in `shared.tenants.settings` (JSON) and `shared.tenants.domains`:

    display_name, phone, primary_color, logo_key, favicon_key, logo_filename,
    favicon_filename, email_sender_name, cabinet_enabled, decrypted_storage_consent,
    decrypted_storage_consent_at, decrypted_storage_consent_by

Readers take a `TenantRef` (the registry's cached copy, dropped on NOTIFY kabinet_tenants),
so the login page, e-mails and the login check cost no query: `brand_of(tenant)` and
`cabinet_enabled(tenant)` (saas.tenants.cabinet, which the login reads). Writers: settings.py
and images.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from saas.modules.branding.service.checks import ImageKind
from saas.modules.branding.service.theme import InvalidColor, Theme, derive_theme, parse_hex
from saas.schema.errors import DomainError
from saas.tenants.cabinet import cabinet_enabled, consent_given
from saas.tenants.registry import TenantRef

PLATFORM_NAME_RU = "Кабинет"
PLATFORM_NAME_EN = "Kabinet"
# A calm slate blue: the platform's own login page must not look like any firm's.
PLATFORM_COLOR = "#3B4A5E"
DEFAULT_FIRM_COLOR = "#1F6FEB"


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
        decrypted_storage_consent=consent_given(s),
        consent_at=s.get("decrypted_storage_consent_at"),
    )
