"""Reading the e-mail outbox (<data_dir>/outbox/*.eml) the way a person reads their inbox."""

from __future__ import annotations

import re
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parseaddr
from pathlib import Path

from saas.mail import outbox_dir
from saas.settings import Settings


def messages_to(settings: Settings, address: str) -> list[EmailMessage]:
    """Every e-mail in the outbox addressed to `address`, oldest first."""
    folder = outbox_dir(settings)
    found = []
    for path in sorted(folder.glob("*.eml")) if folder.exists() else []:
        message = BytesParser(policy=policy.default).parsebytes(Path(path).read_bytes())
        if parseaddr(str(message["To"]))[1].lower() == address.lower():
            found.append(message)  # type: ignore[arg-type]
    return found


def last_message_to(settings: Settings, address: str) -> EmailMessage:
    found = messages_to(settings, address)
    assert found, f"no e-mail to {address} in the outbox"
    return found[-1]


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def html_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None
    return str(part.get_content())


def link_in(message: EmailMessage, path: str) -> str:
    """The first link to `path` (e.g. '/invite') in the text body."""
    match = re.search(r"https?://\S+" + re.escape(path) + r"\S*", text_of(message))
    assert match, f"no {path} link in:\n{text_of(message)}"
    return match.group(0)
