"""Branded e-mail: templates in both languages, the firm as sender, HTML escaping, the outbox
folder by default and real SMTP when configured."""

from __future__ import annotations

import dataclasses
import socket
from email import message_from_bytes, policy
from email.utils import parseaddr
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from saas import mail
from saas.settings import Settings
from saas.tenants.registry import TenantRef

VALUES = {
    "link": "https://firm.example/invite?token=abc",
    "inviter_name": "Anna",
    "valid_hours": "72",
    "email": "x@y.z",
}


def firm(name: str = "ООО «Баланс»", **settings: str) -> TenantRef:
    return TenantRef(1, "balans", name, "active", "tenant_balans", "r", settings=dict(settings))


@pytest.mark.parametrize("name", ["invitation", "password_reset", "totp_reset"])
@pytest.mark.parametrize("lang", ["ru", "en"])
def test_every_template_renders_in_both_languages(name: str, lang: str) -> None:
    values = {**VALUES, "valid_minutes": "60"}
    message = mail.branded(name, to="x@y.z", tenant=firm(), lang=lang, values=values)
    assert message.sender_name == "ООО «Баланс»"
    assert "ООО «Баланс»" in message.subject
    assert VALUES["link"] in message.text and VALUES["link"] in (message.html or "")
    assert "Kabinet" not in message.text + (message.html or "") + message.subject
    assert "$" not in message.text and "${" not in (message.html or "")


def test_sender_name_setting_wins_and_html_is_escaped() -> None:
    tenant = firm("Firm <b>bold</b>", email_sender_name="Бухгалтерия & Co")
    message = mail.branded("invitation", to="x@y.z", tenant=tenant, lang="en", values=VALUES)
    assert message.sender_name == "Бухгалтерия & Co"
    assert "Бухгалтерия &amp; Co" in (message.html or "")
    plain = mail.branded(
        "invitation", to="x@y.z", tenant=firm("Firm <b>bold</b>"), lang="en", values=VALUES
    )
    assert "<b>bold</b>" not in (plain.html or "") and "&lt;b&gt;" in (plain.html or "")


def test_unknown_language_falls_back_to_russian() -> None:
    message = mail.branded("invitation", to="x@y.z", tenant=firm(), lang="de-DE", values=VALUES)
    assert message.subject.startswith("Приглашение")


async def test_outbox_is_the_default(tmp_path: Path) -> None:
    settings = dataclasses.replace(Settings(), data_dir=tmp_path, smtp_url=None)
    message = mail.branded(
        "invitation", to="Иван <ivan@example.test>", tenant=firm(), lang="ru", values=VALUES
    )
    path = await mail.send(settings, message)
    assert path is not None and path.parent == tmp_path / "outbox" and path.suffix == ".eml"
    parsed = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert parseaddr(str(parsed["From"])) == ("ООО «Баланс»", settings.mail_from)
    assert [p.get_content_type() for p in parsed.iter_parts()] == ["text/plain", "text/html"]
    assert list((tmp_path / "outbox").glob(".*")) == []  # no half-written files left


class Inbox:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]  # noqa: N802
        self.messages.append(envelope.content)
        return "250 OK"


async def test_smtp_when_configured(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings = dataclasses.replace(
            Settings(),
            data_dir=tmp_path,
            smtp_url=f"smtp://127.0.0.1:{port}",
            mail_from="cabinet@firm.example",
        )
        message = mail.branded(
            "password_reset",
            to="ivan@example.test",
            tenant=firm(),
            lang="en",
            values={**VALUES, "valid_minutes": "60"},
        )
        assert await mail.send(settings, message) is None
    finally:
        controller.stop()
    assert len(inbox.messages) == 1
    received = message_from_bytes(inbox.messages[0], policy=policy.default)
    assert parseaddr(str(received["From"])) == ("ООО «Баланс»", "cabinet@firm.example")
    assert str(received["Subject"]) == "Reset your password — ООО «Баланс»"
    assert not (tmp_path / "outbox").exists()
