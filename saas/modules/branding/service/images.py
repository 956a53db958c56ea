"""The firm's logo and favicon: pointing the brand at a stored image, and the stored files.

The checks of an upload are in checks.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from saas.modules.branding.service.checks import EXTENSION_TYPES, CheckedImage, ImageKind
from saas.modules.branding.service.settings import locked_tenant, record_change
from saas.modules.branding.service.validation import CONTROL
from saas.storage import InvalidKey, ObjectNotFound, tenant_files
from saas.tenants.registry import TenantRef

if TYPE_CHECKING:
    from saas.services import Services


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
    row = await locked_tenant(session, tenant_id)
    settings = dict(row.settings or {})
    previous = settings.get(f"{kind.value}_key")
    if key is None:
        settings.pop(f"{kind.value}_key", None)
        settings.pop(f"{kind.value}_filename", None)
    else:
        settings[f"{kind.value}_key"] = key
        settings[f"{kind.value}_filename"] = filename
    row.settings = settings
    await record_change(
        session, row, actor, f"branding.{kind.value}", {"key": key, "filename": filename}, ip
    )
    await session.flush()
    return TenantRef.of(row), previous if previous != key else None


def clean_filename(filename: str | None, image: CheckedImage) -> str:
    """A display name for the upload; the stored type comes from the content, not from it."""
    stem = Path((filename or "").replace("\\", "/")).name
    stem = CONTROL.sub("", stem).strip()[:100].rsplit(".", 1)[0] or image.kind.value
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
