"""Small helpers of the browser tests: the demo brands, colors as browsers report them,
waiting for text, reading invitation e-mails."""

from __future__ import annotations

import re
import struct
import time
import zlib
from dataclasses import dataclass
from typing import Any

from saas.settings import Settings
from tests.support.mail import last_message_to, link_in


@dataclass(frozen=True)
class Brand:
    name: str
    phone: str
    color: str


# Both colors reach WCAG AA as chosen, so the cabinet shows exactly these.
BRANDS = {
    "a": Brand("Бухгалтерия Альфа", "+7 495 100-00-01", "#0B6E4F"),
    "b": Brand("Bravo Accounting", "+7 812 200-00-02", "#7A1FA2"),
}


def css_rgb(hex_color: str) -> str:
    """'#0B6E4F' -> 'rgb(11, 110, 79)', as getComputedStyle reports it."""
    value = hex_color.lstrip("#")
    r, g, b = (int(value[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgb({r}, {g}, {b})"


def expect_text(page: Any, selector: str, text: str, timeout: float = 15) -> None:
    """Waits until the first element matching `selector` shows exactly `text`."""
    deadline = time.monotonic() + timeout
    seen = None
    while time.monotonic() < deadline:
        locator = page.locator(selector).first
        if locator.count():
            seen = locator.inner_text().strip()
            if seen == text:
                return
        time.sleep(0.1)
    raise AssertionError(f"{selector}: expected {text!r}, saw {seen!r} at {page.url}")


def no_horizontal_scroll(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def invitation_link(settings: Settings, email: str) -> str:
    """The /invite link of the newest e-mail to `email` in the outbox."""
    return link_in(last_message_to(settings, email), "/invite")


def invitation_token(settings: Settings, email: str) -> str:
    match = re.search(r"token=([\w-]+)", invitation_link(settings, email))
    assert match, email
    return match.group(1)


def log_in(page: Any, url: str, email: str, password: str) -> None:
    """Fills the login form at `url` (a /login page) as a person would, and submits it."""
    page.goto(url)
    page.locator("#login-email").fill(email)
    page.locator("#login-password").fill(password)
    page.locator("[data-testid=login-submit]").click()


def background(page: Any, selector: str) -> str:
    return str(page.eval_on_selector(selector, "e => getComputedStyle(e).backgroundColor"))


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A solid-color PNG, made here so the tests need no image files or libraries."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )
