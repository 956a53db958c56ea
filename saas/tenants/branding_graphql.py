"""GraphQL for the firm's brand and the cabinet switch: thin, the rules are in branding.py.

- `branding` (public, by host): what the login page and the cabinet shell paint.
- `brandingSettings` / `updateBranding` / `uploadLogo` / `removeLogo`: the firm admin's page.
- `updateCabinetAccess`: the cabinet switch with the consent to store decrypted documents.

Images are uploaded as base64 inside the mutation (GraphQL multipart is off): the same
permission, CSRF and typed-error path as every other change, one JSON call for an integrator,
`FileReader.readAsDataURL` for a browser. The 512 KB logo limit keeps the request under the
1 MB body limit.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated

import strawberry

from saas.rbac.permissions import requires
from saas.schema.context import Info, viewer_language
from saas.schema.errors import ConflictError, Error, ValidationError
from saas.tenants import branding as service
from saas.tenants.branding_images import ImageKind, ImageRefused, check_image, decode_base64
from saas.tenants.models import Tenant
from saas.tenants.registry import TenantRef
from saas.tenants.theme import Theme, ThemeAdjustment


def _pick(info: Info, ru: str, en: str) -> str:
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
            message=_pick(info, adj.message_ru, adj.message_en),
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


def _refusal(info: Info, exc: service.BrandingRefused) -> ValidationError | ConflictError:
    message = _pick(info, exc.message_ru, exc.message_en)
    if exc.code == "DOMAIN_TAKEN":
        return ConflictError(code=exc.code, message=message)
    return ValidationError(code=exc.code, message=message, field=exc.field)


def _after_change(info: Info) -> None:
    """This process drops its cached tenants at once; the others hear the NOTIFY."""
    registry = info.context.services.registry

    async def drop() -> None:
        registry.invalidate()

    info.context.after_commit(drop)


def _actor(info: Info) -> str:
    return info.context.principal.subject


@strawberry.type
class Query:
    @strawberry.field(
        description="The brand at this host (no login needed); the neutral platform brand "
        "at the platform's host."
    )
    def branding(self, info: Info) -> Branding:
        return Branding.of(service.brand_of(info.context.tenant_or_none))

    @strawberry.field(
        description="The firm's branding and cabinet settings, for its admin.",
        extensions=requires("branding", "manage"),
    )
    async def branding_settings(self, info: Info) -> BrandingSettings:
        # Read from the row, not the registry's cache: the admin sees what was just saved.
        row = await info.context.shared.get(Tenant, info.context.tenant.id)
        return BrandingSettings.of(TenantRef.of(row) if row else info.context.tenant, info)


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Change the firm's name, phone, color, e-mail sender name or custom domains.",
        extensions=requires("branding", "manage"),
    )
    async def update_branding(self, info: Info, input: BrandingInput) -> UpdateBrandingResult:
        changes = service.BrandingChanges()
        for name in (
            "display_name",
            "phone",
            "primary_color",
            "email_sender_name",
            "custom_domains",
        ):
            value = getattr(input, name)
            if value is not strawberry.UNSET:
                setattr(changes, name, value)
                changes.present.add(name)
        ctx = info.context
        try:
            async with ctx.unit_of_work(shared=True) as session:
                tenant = await service.update_branding(
                    session,
                    ctx.tenant.id,
                    changes,
                    actor=_actor(info),
                    base_domain=ctx.settings.base_domain,
                    ip=ctx.binding.ip,
                )
                _after_change(info)
        except service.BrandingRefused as exc:
            return _refusal(info, exc)
        settings = BrandingSettings.of(tenant, info)
        return BrandingUpdated(settings=settings, adjustments=settings.adjustments)

    @strawberry.mutation(
        description="Upload the logo (PNG, JPEG or WebP, up to 512 KB) or the favicon (PNG, ICO "
        "or WebP, up to 64 KB) as base64 or a data: URL. The type is read from the content; SVG "
        "is refused.",
        extensions=requires("branding", "manage"),
    )
    async def upload_logo(
        self,
        info: Info,
        kind: BrandingImageKind,
        content_base64: str,
        filename: str | None = None,
    ) -> UploadLogoResult:
        ctx = info.context
        image_kind = ImageKind(kind.value)
        try:
            image = check_image(decode_base64(content_base64, image_kind), image_kind)
        except ImageRefused as exc:
            return ValidationError(
                code=exc.code,
                message=_pick(info, exc.message_ru, exc.message_en),
                field="contentBase64",
            )
        key = service.image_key(ctx.services, ctx.tenant.id, image)
        # Stored first: a failed transaction leaves an unreferenced file, never a broken link.
        await service.put_image(ctx.services, ctx.tenant.id, key, image)
        async with ctx.unit_of_work(shared=True) as session:
            tenant, replaced = await service.set_image(
                session,
                ctx.tenant.id,
                image_kind,
                key,
                service.clean_filename(filename, image),
                actor=_actor(info),
                ip=ctx.binding.ip,
            )
            _after_change(info)
            _delete_after_commit(info, replaced)
        return BrandingImageUploaded(
            settings=BrandingSettings.of(tenant, info),
            url=service.image_path(image_kind, key),
            width=image.width,
            height=image.height,
            content_type=image.content_type,
        )

    @strawberry.mutation(
        description="Remove the logo or the favicon.", extensions=requires("branding", "manage")
    )
    async def remove_logo(self, info: Info, kind: BrandingImageKind) -> BrandingSettings:
        ctx = info.context
        async with ctx.unit_of_work(shared=True) as session:
            tenant, replaced = await service.set_image(
                session,
                ctx.tenant.id,
                ImageKind(kind.value),
                None,
                None,
                actor=_actor(info),
                ip=ctx.binding.ip,
            )
            _after_change(info)
            _delete_after_commit(info, replaced)
        return BrandingSettings.of(tenant, info)

    @strawberry.mutation(
        description="Switch the client cabinet on or off. On needs `decryptedStorageConsent: "
        "true`; while off, client contacts cannot log in (staff still can).",
        extensions=requires("firm", "manage"),
    )
    async def update_cabinet_access(
        self, info: Info, enabled: bool, decrypted_storage_consent: bool
    ) -> UpdateCabinetAccessResult:
        ctx = info.context
        try:
            async with ctx.unit_of_work(shared=True) as session:
                tenant = await service.set_cabinet_access(
                    session,
                    ctx.tenant.id,
                    enabled=enabled,
                    consent=decrypted_storage_consent,
                    actor=_actor(info),
                    ip=ctx.binding.ip,
                )
                _after_change(info)
        except service.BrandingRefused as exc:
            return ConsentRequiredError(
                code=exc.code, message=_pick(info, exc.message_ru, exc.message_en)
            )
        brand = service.brand_of(tenant)
        return CabinetAccess(
            enabled=brand.cabinet_enabled,
            decrypted_storage_consent=brand.decrypted_storage_consent,
            decrypted_storage_consent_at=(
                datetime.fromisoformat(brand.consent_at) if brand.consent_at else None
            ),
        )


def _delete_after_commit(info: Info, key: str | None) -> None:
    if not key:
        return
    services, tenant_id = info.context.services, info.context.tenant.id

    async def delete() -> None:
        await service.delete_image(services, tenant_id, key)

    info.context.after_commit(delete)
