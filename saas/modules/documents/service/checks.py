"""The drive's upload checks, used by every module that stores a file: sanitized names,
content types sniffed from the bytes (executables refused), size limits, base64, SHA-256.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import hashlib
import re
import unicodedata

import filetype

from saas.modules.documents.service.errors import DocumentsError

MAX_NAME_CHARS = 200
MAX_EXTENSION_CHARS = 16
SNIFF_BYTES = 8192


# ---------------------------------------------------------------------------- file names

_RESERVED = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"} | {
    f"{d}{n}" for d in ("COM", "LPT") for n in range(1, 10)
}
# Characters Windows refuses in names; replaced so a downloaded file can be saved anywhere.
_FORBIDDEN_CHARS = re.compile(r'[<>:"|?*]')
# Bidirectional overrides make "exe.pdf" look like "fdp.exe" (and the reverse).
_BIDI = dict.fromkeys(
    [0x200E, 0x200F, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069]
)


def sanitize_filename(raw: str, *, field: str = "filename") -> str:
    """A safe display and download name: the last path segment only, no control characters
    (NUL included) or bidi overrides, no leading/trailing dots or spaces, no Windows-reserved
    device names, at most 200 characters with the extension kept. Unicode letters are kept."""
    name = unicodedata.normalize("NFC", raw or "")
    name = "".join(c for c in name if unicodedata.category(c) != "Cc").translate(_BIDI)
    name = name.replace("\\", "/").split("/")[-1]
    name = _FORBIDDEN_CHARS.sub("_", name)
    name = re.sub(r"\s+", " ", name).strip(" .")
    if not name:
        raise DocumentsError(
            "validation", "INVALID_FILENAME", "Недопустимое имя файла.", "Invalid file name.", field
        )
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem or len(ext) > MAX_EXTENSION_CHARS:
        stem, ext = name, ""
    if stem.split(".")[0].strip().upper() in _RESERVED:
        stem = "_" + stem
    suffix = f".{ext}" if ext else ""
    if len(stem) + len(suffix) > MAX_NAME_CHARS:
        stem = stem[: MAX_NAME_CHARS - len(suffix)].rstrip(" .") or "_"
    return stem + suffix


# -------------------------------------------------------------------------- content types

_EXECUTABLE_MAGIC = (
    b"MZ",  # Windows PE / DOS
    b"\x7fELF",  # Linux
    b"\xfe\xed\xfa\xce",  # Mach-O (32/64, both byte orders) and universal binaries
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",
    b"#!",  # scripts with an interpreter line
)
_EXECUTABLE_TYPES = {
    "application/x-msdownload",
    "application/x-executable",
    "application/x-elf",
    "application/x-mach-binary",
    "application/x-sharedlib",
    "application/vnd.microsoft.portable-executable",
    "application/x-dosexec",
}


def refuse_executable() -> DocumentsError:
    return DocumentsError(
        "validation",
        "EXECUTABLE_REFUSED",
        "Исполняемые файлы и скрипты загружать нельзя, как бы они ни назывались.",
        "Executables and scripts are refused, whatever their name.",
        "content",
    )


def sniff_content_type(head: bytes) -> str:
    """The content type decided by the bytes, never by the name.

    Rule: programs (PE, ELF, Mach-O, `#!` scripts) are refused whatever the name; a known
    format gets its type; text that decodes as UTF-8 is text/plain; anything else is stored
    as application/octet-stream (downloaded, never rendered)."""
    head = head[:SNIFF_BYTES]
    kind = filetype.guess_mime(head) if head else None
    if head.startswith(_EXECUTABLE_MAGIC) or kind in _EXECUTABLE_TYPES:
        raise refuse_executable()
    if kind:
        return str(kind)
    if head and b"\x00" not in head:
        try:
            codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        except UnicodeDecodeError:
            pass
        else:
            return "text/plain"
    return "application/octet-stream"


# ------------------------------------------------------------------------------ uploads


def too_large(limit: int) -> DocumentsError:
    mb = f"{limit / 1024 / 1024:.1f}".rstrip("0").rstrip(".")
    return DocumentsError(
        "validation",
        "FILE_TOO_LARGE",
        f"Файл больше допустимого размера ({mb} МБ).",
        f"The file is larger than the limit ({mb} MB).",
        "content",
    )


def decode_base64(text: str, limit: int) -> bytes:
    # Refuse before decoding a body far over the limit (4 base64 chars per 3 bytes).
    if len(text) > (limit // 3 + 2) * 4 + 16:
        raise too_large(limit)
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise DocumentsError(
            "validation",
            "INVALID_BASE64",
            "Содержимое файла повреждено (base64).",
            "The content is not valid base64.",
            "contentBase64",
        ) from None
    if len(data) > limit:
        raise too_large(limit)
    return data


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
