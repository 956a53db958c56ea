"""Branding mutations: the brand, the logo and favicon, the cabinet switch.

Images are uploaded as base64 inside the mutation (GraphQL multipart is off): the same
permission, CSRF and typed-error path as every other change, one JSON call for an integrator,
`FileReader.readAsDataURL` for a browser. The 512 KB logo limit keeps the request under the
1 MB body limit.
"""

from __future__ import annotations

from datetime import datetime

import strawberry

from saas.modules.branding import service
from saas.modules.branding.graphql.types import (
    BrandingImageKind,
    BrandingImageUploaded,
    BrandingInput,
    BrandingSettings,
    BrandingUpdated,
    CabinetAccess,
    ConsentRequiredError,
    UpdateBrandingResult,
    UpdateCabinetAccessResult,
    UploadLogoResult,
    pick,
)
from saas.modules.branding.service import ImageKind, ImageRefused, check_image, decode_base64
from saas.rbac.permissions import requires
from saas.schema.context import Info
from saas.schema.errors import ConflictError, ValidationError


def _refusal(info: Info, exc: service.BrandingRefused) -> ValidationError | ConflictError:
    message = pick(info, exc.message_ru, exc.message_en)
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
                message=pick(info, exc.message_ru, exc.message_en),
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
                code=exc.code, message=pick(info, exc.message_ru, exc.message_en)
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
