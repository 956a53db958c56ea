"""Types, inputs and results of the branding GraphQL."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry

from saas.modules.branding import service
from saas.modules.branding.service import Theme, ThemeAdjustment
from saas.schema.context import Info, viewer_language
from saas.schema.errors import ConflictError, Error, ValidationError
from saas.tenants.registry import TenantRef


def pick(info: Info, ru: str, en: str) -> str:
    return en if viewer_language(info) == "en" else ru


@strawberry.enum(description="Which branding image.")
class BrandingImageKind(Enum):
    LOGO = "logo"
    FAVICON = "favicon"


@strawberry.type(
    name="ThemeAdjustment", description="A change the theme made to the chosen color, and why."
)
class ThemeAdjustmentType:
    token: str = strawberry.field(description="The theme token that was changed, e.g. `primary`.")
    requested_color: str
    applied_color: str
    contrast: float = strawberry.field(description="The contrast reached after the change (x:1).")
    message: str = strawberry.field(description="The explanation in the viewer's language.")
    message_ru: str
    message_en: str

    @classmethod
    def of(cls, adj: ThemeAdjustment, info: Info) -> ThemeAdjustmentType:
        return cls(
            token=adj.token,
            requested_color=adj.requested,
            applied_color=adj.applied,
            contrast=round(adj.contrast, 2),
            message=pick(info, adj.message_ru, adj.message_en),
            message_ru=adj.message_ru,
            message_en=adj.message_en,
        )


@strawberry.type(
    name="Theme",
    description="Colors derived from the firm's one primary color; text on `primary` and "
    "`primary` (`link`) on white reach WCAG AA 4.5:1.",
)
class ThemeType:
    primary: str
    on_primary: str = strawberry.field(description="Text and icons on `primary`.")
    primary_hover: str
    primary_active: str
    primary_muted: str = strawberry.field(
        description="A light tint for backgrounds (badges, selection)."
    )
    on_primary_muted: str = strawberry.field(description="Text on `primaryMuted`.")
    focus_ring: str
    link: str = strawberry.field(description="Links and the primary color on white.")
    link_hover: str
    contrast_on_primary: float
    contrast_on_white: float
    css: str = strawberry.field(
        description="The tokens as CSS custom properties (`--kb-primary: #...;`)."
    )

    @classmethod
    def of(cls, theme: Theme) -> ThemeType:
        return cls(
            primary=theme.primary,
            on_primary=theme.on_primary,
            primary_hover=theme.primary_hover,
            primary_active=theme.primary_active,
            primary_muted=theme.primary_muted,
            on_primary_muted=theme.on_primary_muted,
            focus_ring=theme.focus_ring,
            link=theme.link,
            link_hover=theme.link_hover,
            contrast_on_primary=round(theme.contrast_on_primary, 2),
            contrast_on_white=round(theme.contrast_on_white, 2),
            css=" ".join(f"{k}: {v};" for k, v in theme.css_variables().items()),
        )


@strawberry.type(description="What the login page and the cabinet show at this host. Public.")
class Branding:
    is_platform: bool = strawberry.field(
        description="True at the platform's own host (neutral brand)."
    )
    firm_slug: str | None
    display_name: str
    phone: str | None
    primary_color: str = strawberry.field(description="The color in use (after any adjustment).")
    theme: ThemeType
    logo_url: str | None = strawberry.field(
        description="Host-relative; null when none was uploaded."
    )
    favicon_url: str | None
    cabinet_enabled: bool = strawberry.field(
        description="False: client contacts cannot log in now."
    )

    @classmethod
    def of(cls, brand: service.Brand) -> Branding:
        return cls(
            is_platform=brand.is_platform,
            firm_slug=brand.slug,
            display_name=brand.display_name,
            phone=brand.phone,
            primary_color=brand.theme.primary,
            theme=ThemeType.of(brand.theme),
            logo_url=brand.logo_path,
            favicon_url=brand.favicon_path,
            cabinet_enabled=brand.cabinet_enabled,
        )


@strawberry.type(description="Everything a firm admin sets about the firm's brand and cabinet.")
class BrandingSettings:
    display_name: str
    phone: str | None
    requested_color: str = strawberry.field(description="The color the admin chose.")
    primary_color: str = strawberry.field(description="The color in use (after any adjustment).")
    theme: ThemeType
    adjustments: list[ThemeAdjustmentType]
    logo_url: str | None
    logo_filename: str | None
    favicon_url: str | None
    favicon_filename: str | None
    email_sender_name: str
    custom_domains: list[str]
    canonical_host: str = strawberry.field(description="The host used in links sent by e-mail.")
    cabinet_enabled: bool
    decrypted_storage_consent: bool
    decrypted_storage_consent_at: datetime | None

    @classmethod
    def of(cls, tenant: TenantRef, info: Info) -> BrandingSettings:
        brand = service.brand_of(tenant)
        consent_at = brand.consent_at
        return cls(
            display_name=brand.display_name,
            phone=brand.phone,
            requested_color=brand.requested_color,
            primary_color=brand.theme.primary,
            theme=ThemeType.of(brand.theme),
            adjustments=[ThemeAdjustmentType.of(a, info) for a in brand.theme.adjustments],
            logo_url=brand.logo_path,
            logo_filename=brand.logo_filename,
            favicon_url=brand.favicon_path,
            favicon_filename=brand.favicon_filename,
            email_sender_name=brand.email_sender_name,
            custom_domains=list(brand.custom_domains),
            canonical_host=info.context.services.registry.host_of(tenant),
            cabinet_enabled=brand.cabinet_enabled,
            decrypted_storage_consent=brand.decrypted_storage_consent,
            decrypted_storage_consent_at=datetime.fromisoformat(consent_at) if consent_at else None,
        )


@strawberry.input(
    description="Only the fields given change; null resets one to its default (the firm's "
    "registered name, no phone, the default color, no custom domains)."
)
class BrandingInput:
    display_name: str | None = strawberry.UNSET
    phone: str | None = strawberry.UNSET
    primary_color: str | None = strawberry.field(default=strawberry.UNSET, description="#RRGGBB")
    email_sender_name: str | None = strawberry.UNSET
    custom_domains: list[str] | None = strawberry.field(
        default=strawberry.UNSET,
        description="Host names the cabinet also answers at (the first is used in e-mails); "
        "`[]` or null removes them. DNS must point them at the platform.",
    )


@strawberry.type(description="The branding was saved.")
class BrandingUpdated:
    settings: BrandingSettings
    adjustments: list[ThemeAdjustmentType] = strawberry.field(
        description="Changes the theme made to the chosen color (empty when it passed as is)."
    )


@strawberry.type(description="The image was checked and stored.")
class BrandingImageUploaded:
    settings: BrandingSettings
    url: str | None
    width: int
    height: int
    content_type: str


@strawberry.type(description="The cabinet switch and the consent, as saved.")
class CabinetAccess:
    enabled: bool
    decrypted_storage_consent: bool
    decrypted_storage_consent_at: datetime | None


@strawberry.type(
    description="Switching the cabinet on needs the consent to store decrypted documents."
)
class ConsentRequiredError(Error):
    pass


UpdateBrandingResult = Annotated[
    BrandingUpdated | ValidationError | ConflictError, strawberry.union("UpdateBrandingResult")
]
UploadLogoResult = Annotated[
    BrandingImageUploaded | ValidationError, strawberry.union("UploadLogoResult")
]
UpdateCabinetAccessResult = Annotated[
    CabinetAccess | ConsentRequiredError, strawberry.union("UpdateCabinetAccessResult")
]
