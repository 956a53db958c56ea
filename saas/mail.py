"""Branded e-mail: rendered from templates in mail_templates/, signed with the firm's name.

Every e-mail a firm's people receive carries the firm's name as the sender's name and in the
text, never the platform's. Templates are plain `string.Template` files, one per language:

    mail_templates/<name>.<lang>.txt    first line "Subject: ...", a blank line, the text body
    mail_templates/<name>.<lang>.html   the HTML body (values are HTML-escaped)

Delivery: without SAAS_SMTP_URL every message is written as an .eml file to
`<data_dir>/outbox/` (what the demo and the tests read); with `smtp://user:pass@host:port`
(STARTTLS when the server offers it) or `smtps://...` (implicit TLS) it goes out through
aiosmtplib.
"""

from __future__ import annotations

import asyncio
import html
import logging
import os
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from pathlib import Path
from string import Template
from urllib.parse import unquote, urlsplit

import aiosmtplib

from saas.settings import PROJECT_ROOT, Settings
from saas.tenants.registry import TenantRef

log = logging.getLogger(__name__)

TEMPLATES = PROJECT_ROOT / "mail_templates"
LANGUAGES = ("ru", "en")
DEFAULT_LANGUAGE = "ru"
# The sender's name of mail sent at the platform's own host, which belongs to no firm.
PLATFORM_SENDER_NAME = {"ru": "Личный кабинет", "en": "Online cabinet"}


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    text: str
    html: str | None
    sender_name: str
    headers: dict[str, str] = field(default_factory=dict)


def language(value: str | None) -> str:
    """The template language for a locale like 'en', 'en-GB' or 'ru_RU' (Russian by default)."""
    code = (value or "").replace("_", "-").split("-")[0].lower()
    return code if code in LANGUAGES else DEFAULT_LANGUAGE


def sender_name(tenant: TenantRef | None, lang: str | None = None) -> str:
    if tenant is None:
        return PLATFORM_SENDER_NAME[language(lang)]
    settings = tenant.settings or {}
    return str(settings.get("email_sender_name") or settings.get("display_name") or tenant.name)


def _template(name: str, lang: str, ext: str) -> Template | None:
    path = TEMPLATES / f"{name}.{lang}.{ext}"
    return Template(path.read_text(encoding="utf-8")) if path.exists() else None


def render(
    name: str, lang: str, values: dict[str, str], html_values: dict[str, str] | None = None
) -> tuple[str, str, str | None]:
    """(subject, text, html) of template `name` in `lang`; a missing value is an error.
    `html_values` go into the HTML body as they are: the caller has escaped them."""
    lang = language(lang)
    text_template = _template(name, lang, "txt")
    if text_template is None:
        raise FileNotFoundError(f"e-mail template {name}.{lang}.txt is missing in {TEMPLATES}")
    text = text_template.substitute(values)
    first, _, body = text.partition("\n")
    if not first.startswith("Subject:"):
        raise ValueError(f"{name}.{lang}.txt must start with a 'Subject:' line")
    html_template = _template(name, lang, "html")
    escaped = {key: html.escape(str(value)) for key, value in values.items()}
    escaped.update(html_values or {})
    html_body = html_template.substitute(escaped) if html_template else None
    return first.removeprefix("Subject:").strip(), body.lstrip("\n"), html_body


def branded(
    name: str,
    *,
    to: str,
    tenant: TenantRef | None,
    lang: str | None,
    values: dict[str, str],
    html_values: dict[str, str] | None = None,
) -> Mail:
    """A templated e-mail from a firm (or from the platform host when tenant is None)."""
    firm = sender_name(tenant, lang)
    subject, text, html_body = render(
        name, language(lang), {"firm_name": firm, **values}, html_values
    )
    return Mail(to=to, subject=subject, text=text, html=html_body, sender_name=firm)


def compose(settings: Settings, mail: Mail) -> EmailMessage:
    message = EmailMessage()
    message["From"] = formataddr((mail.sender_name, settings.mail_from))
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain=settings.mail_from.rpartition("@")[2] or None)
    for key, value in mail.headers.items():
        message[key] = value
    message.set_content(mail.text)
    if mail.html:
        message.add_alternative(mail.html, subtype="html")
    return message


def outbox_dir(settings: Settings) -> Path:
    return settings.data_dir / "outbox"


def _write_eml(directory: Path, message: EmailMessage) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    name = f"{time.time_ns()}-{uuid.uuid4().hex[:8]}.eml"
    partial = directory / f".{name}.part"
    partial.write_bytes(bytes(message))
    # Renamed into place so a reader never sees half a message.
    os.replace(partial, directory / name)
    return directory / name


async def _send_smtp(url: str, message: EmailMessage) -> None:
    parts = urlsplit(url)
    implicit_tls = parts.scheme == "smtps"
    await aiosmtplib.send(
        message,
        hostname=parts.hostname or "localhost",
        port=parts.port or (465 if implicit_tls else 25),
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        use_tls=implicit_tls,
        # None: STARTTLS when the server offers it; plain otherwise (a local relay).
        start_tls=None if not implicit_tls else False,
        timeout=15,
    )


async def send(settings: Settings, mail: Mail) -> Path | None:
    """Deliver one e-mail; returns the .eml path when it went to the outbox folder."""
    message = compose(settings, mail)
    if settings.smtp_url:
        await _send_smtp(settings.smtp_url, message)
        log.info("e-mail sent", extra={"subject_len": len(mail.subject)})
        return None
    return await asyncio.to_thread(_write_eml, outbox_dir(settings), message)
