"""Domain rules of a firm's brand and cabinet switch, by sub-domain. No GraphQL here.

- brand: the `Brand` shown at a host (`brand_of`), `cabinet_enabled` (read by the login);
- theme: the accessible theme derived from one color (pure);
- validation: names, phone, color, custom domains as typed by the admin;
- settings: writing the brand and the cabinet switch (row lock, audit, NOTIFY);
- checks: an uploaded logo or favicon, checked by its content (pure);
- images: pointing the brand at a stored image, the stored files.

Other code imports what it needs from this package.
"""

from saas.modules.branding.service.brand import (
    PLATFORM_BRAND,
    Brand,
    BrandingRefused,
    brand_of,
    cabinet_enabled,
    image_path,
    version_of,
)
from saas.modules.branding.service.checks import (
    CheckedImage,
    ImageKind,
    ImageRefused,
    check_image,
    decode_base64,
)
from saas.modules.branding.service.images import (
    clean_filename,
    content_type_of,
    delete_image,
    image_key,
    put_image,
    read_image,
    set_image,
)
from saas.modules.branding.service.settings import (
    BrandingChanges,
    set_cabinet_access,
    update_branding,
)
from saas.modules.branding.service.theme import Theme, ThemeAdjustment, derive_theme

__all__ = [
    "PLATFORM_BRAND",
    "Brand",
    "BrandingChanges",
    "BrandingRefused",
    "CheckedImage",
    "ImageKind",
    "ImageRefused",
    "Theme",
    "ThemeAdjustment",
    "brand_of",
    "cabinet_enabled",
    "check_image",
    "clean_filename",
    "content_type_of",
    "decode_base64",
    "delete_image",
    "derive_theme",
    "image_key",
    "image_path",
    "put_image",
    "read_image",
    "set_cabinet_access",
    "set_image",
    "update_branding",
    "version_of",
]
