"""Checking an uploaded logo or favicon before it is stored (pure: bytes in, verdict out).

The type is decided by the content (magic bytes), never by the file name or a declared type,
and then confirmed by decoding the whole image with Pillow limited to that one format, so a
renamed executable or a truncated file is refused. Dimensions are read from the header
before decoding, so a decompression bomb is refused without being expanded.

SVG is refused, not sanitized: the logo also goes into e-mails (Gmail and Outlook do not show
SVG) and PDF exports, which need a raster image anyway, and refusing removes scripts,
external references and XML entity tricks as a class instead of trusting a sanitizer to
know every one of them.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import warnings
from dataclasses import dataclass
from enum import Enum

from PIL import Image, UnidentifiedImageError


class ImageKind(Enum):
    LOGO = "logo"
    FAVICON = "favicon"


@dataclass(frozen=True)
class ImageRules:
    max_bytes: int
    min_side: int
    max_side: int
    formats: tuple[str, ...]  # Pillow format names


RULES: dict[ImageKind, ImageRules] = {
    ImageKind.LOGO: ImageRules(512 * 1024, 16, 4096, ("PNG", "JPEG", "WEBP")),
    ImageKind.FAVICON: ImageRules(64 * 1024, 16, 512, ("PNG", "ICO", "WEBP")),
}

CONTENT_TYPES = {
    "PNG": ("image/png", "png"),
    "JPEG": ("image/jpeg", "jpg"),
    "WEBP": ("image/webp", "webp"),
    "ICO": ("image/x-icon", "ico"),
}
EXTENSION_TYPES = {ext: ctype for ctype, ext in CONTENT_TYPES.values()}


class ImageRefused(ValueError):
    """An upload that is not stored; the messages are for the firm admin."""

    def __init__(self, code: str, message_ru: str, message_en: str):
        super().__init__(message_en)
        self.code, self.message_ru, self.message_en = code, message_ru, message_en


@dataclass(frozen=True)
class CheckedImage:
    kind: ImageKind
    format: str
    content_type: str
    extension: str
    width: int
    height: int
    content: bytes

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def sniff(content: bytes) -> str | None:
    """The format named by the first bytes: PNG, JPEG, WEBP, ICO, SVG, or None."""
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if content.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if len(content) >= 12 and content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "WEBP"
    if content.startswith(b"\x00\x00\x01\x00"):
        return "ICO"
    head = content[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if (
        head.startswith((b"<?xml", b"<svg", b"<!doctype svg", b"<!--"))
        and b"<svg" in content[:4096].lower()
    ):
        return "SVG"
    return None


def _human_size(n: int) -> str:
    return f"{n // 1024} KB" if n >= 1024 else f"{n} B"


def max_base64_length(kind: ImageKind) -> int:
    """Longest base64 text (with a data: URL prefix) worth decoding for this kind."""
    return 4 * (RULES[kind].max_bytes // 3 + 1) + 100


def decode_base64(text: str, kind: ImageKind) -> bytes:
    """Accepts plain base64 or a data: URL (what a browser's FileReader gives)."""
    if len(text) > max_base64_length(kind):
        raise _too_large(kind)
    if text.startswith("data:"):
        _, _, text = text.partition(",")
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        raise ImageRefused(
            "INVALID_BASE64",
            "Файл не удалось прочитать: содержимое должно быть в base64.",
            "The file could not be read: the content must be base64.",
        ) from None


def _too_large(kind: ImageKind) -> ImageRefused:
    limit = _human_size(RULES[kind].max_bytes)
    what_ru = "Логотип" if kind is ImageKind.LOGO else "Значок сайта (favicon)"
    what_en = "The logo" if kind is ImageKind.LOGO else "The favicon"
    return ImageRefused(
        "FILE_TOO_LARGE",
        f"{what_ru} больше {limit}: уменьшите файл.",
        f"{what_en} is larger than {limit}: make the file smaller.",
    )


def check_image(content: bytes, kind: ImageKind) -> CheckedImage:
    rules = RULES[kind]
    if not content:
        raise ImageRefused("EMPTY_FILE", "Файл пуст.", "The file is empty.")
    if len(content) > rules.max_bytes:
        raise _too_large(kind)
    allowed = ", ".join(rules.formats)
    detected = sniff(content)
    if detected == "SVG":
        raise ImageRefused(
            "SVG_NOT_ACCEPTED",
            f"SVG не принимается: логотип попадает в письма и PDF, где SVG не отображается, а "
            f"SVG может содержать скрипты. Загрузите {allowed}.",
            f"SVG is not accepted: the logo also goes into e-mails and PDFs, which do not show "
            f"SVG, and SVG can carry scripts. Upload {allowed}.",
        )
    if detected is None or detected not in rules.formats:
        raise ImageRefused(
            "UNSUPPORTED_TYPE",
            f"Файл не является изображением нужного типа (по содержимому). Допустимы: {allowed}.",
            f"The file's content is not an image of an accepted type. Accepted: {allowed}.",
        )
    width, height = _decode(content, detected)
    if not (
        rules.min_side <= width <= rules.max_side and rules.min_side <= height <= rules.max_side
    ):
        raise ImageRefused(
            "BAD_DIMENSIONS",
            f"Размер изображения {width}×{height} px: каждая сторона должна быть от "
            f"{rules.min_side} до {rules.max_side} px.",
            f"The image is {width}×{height} px: each side must be between {rules.min_side} "
            f"and {rules.max_side} px.",
        )
    content_type, extension = CONTENT_TYPES[detected]
    return CheckedImage(kind, detected, content_type, extension, width, height, content)


def _decode(content: bytes, fmt: str) -> tuple[int, int]:
    corrupt = ImageRefused(
        "CORRUPT_IMAGE",
        "Изображение повреждено или не читается.",
        "The image is damaged or cannot be read.",
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content), formats=[fmt]) as image:
                width, height = image.size
                # Header only so far: refuse absurd sizes before expanding any pixels.
                if width * height > 4096 * 4096:
                    return width, height
                image.load()
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        EOFError,
    ):
        raise corrupt from None
    return int(width), int(height)
