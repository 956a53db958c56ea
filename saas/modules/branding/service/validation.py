"""Checking what a firm admin types into the branding page: names, phone, color, domains."""

from __future__ import annotations

import ipaddress
import re

import idna

from saas.modules.branding.service.brand import BrandingRefused
from saas.modules.branding.service.theme import InvalidColor, parse_hex
from saas.tenants.registry import DEV_PLATFORM_HOSTS

_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_PHONE = re.compile(r"^\+?[0-9][0-9 ()\-]{3,24}$")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _text(value: str, field_name: str, limit: int, what_ru: str, what_en: str) -> str:
    value = " ".join(value.split())
    if not value or len(value) > limit or CONTROL.search(value):
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
