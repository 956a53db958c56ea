"""A full accessible theme derived from one brand color (pure functions, no I/O).

Two pairs must reach WCAG AA for normal text (4.5:1, relative luminance per WCAG 2.x): the
text on the primary color (buttons, the header) and the primary color on white (links). When
the chosen color cannot, the shade is darkened in HSL keeping hue and saturation, by the
smallest step that makes both pass, and the change is reported in Russian and English so the
firm admin knows why the cabinet does not show exactly the color they typed.

Note: primary-on-white >= 4.5 means luminance <= 0.1833, which already gives white text >= 4.5
on it; so the adjustment only ever darkens, and a passing color is left exactly as chosen.

Links are drawn on more than white: the page's grey background, the alerts' tints and the
primary's own light tint. Their color is the primary's lightest shade that reaches 4.5:1 on
every one of those (`LINK_BACKGROUNDS`, the stylesheet's values: tests/test_theme.py reads
them from web/src/styles.css); a primary of 4.6:1 on white, 4.28:1 on the page, gets a
slightly darker link, as its hover shade is derived, without a message to the admin.
"""

from __future__ import annotations

import colorsys
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

AA_TEXT = 4.5
# WCAG 1.4.11: focus indicators and other non-text parts need 3:1 against their surroundings.
AA_NON_TEXT = 3.0
WHITE = "#FFFFFF"
NEAR_BLACK = "#111827"
# What links are drawn on besides the primary's tint (web/src/styles.css): --kb-bg (the page),
# --kb-surface (cards), --kb-danger-bg, --kb-ok-bg, --kb-warn-bg (alerts).
LINK_BACKGROUNDS = ("#F5F6F8", "#FFFFFF", "#FEF3F2", "#ECFDF3", "#FFFAEB")
_HEX = re.compile(r"^#?(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
# Lightness is searched in steps this small, so "minimal change" means within 0.1% lightness.
_STEP = 0.001


class InvalidColor(ValueError):
    def __init__(self, value: object):
        self.value = value
        self.message_ru = f"Цвет «{value}» не распознан: укажите его как #RRGGBB, например #1F6FEB."
        self.message_en = f"Color {value!r} is not valid: write it as #RRGGBB, e.g. #1F6FEB."
        super().__init__(self.message_en)


def parse_hex(value: object) -> str:
    """'#1f6feb', '1F6FEB' or '#16e' -> '#1F6FEB'."""
    if not isinstance(value, str) or not _HEX.match(value.strip()):
        raise InvalidColor(value)
    digits = value.strip().lstrip("#").upper()
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    return "#" + digits


def _rgb(color: str) -> tuple[int, int, int]:
    c = parse_hex(color)
    return int(c[1:3], 16), int(c[3:5], 16), int(c[5:7], 16)


def _hex(r: float, g: float, b: float) -> str:
    def channel(v: float) -> int:
        return max(0, min(255, round(v * 255)))

    return f"#{channel(r):02X}{channel(g):02X}{channel(b):02X}"


def relative_luminance(color: str) -> float:
    """WCAG 2.x relative luminance (sRGB, 0 = black, 1 = white)."""

    def linear(v: int) -> float:
        s = v / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(v) for v in _rgb(color))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: str, b: str) -> float:
    la, lb = relative_luminance(a), relative_luminance(b)
    hi, lo = max(la, lb), min(la, lb)
    return (hi + 0.05) / (lo + 0.05)


def text_on(background: str) -> str:
    """White or near-black, whichever reads better on the background."""
    white, dark = contrast_ratio(WHITE, background), contrast_ratio(NEAR_BLACK, background)
    return WHITE if white >= dark else NEAR_BLACK


def primary_contrast(color: str) -> float:
    """The weaker of the two required pairs: text on the color, and the color on white."""
    return min(contrast_ratio(text_on(color), color), contrast_ratio(color, WHITE))


def passes(color: str) -> bool:
    return primary_contrast(color) >= AA_TEXT


def _with_lightness(color: str, lightness: float) -> str:
    r, g, b = (v / 255 for v in _rgb(color))
    h, _, s = colorsys.rgb_to_hls(r, g, b)
    return _hex(*colorsys.hls_to_rgb(h, max(0.0, min(1.0, lightness)), s))


def _lightness(color: str) -> float:
    r, g, b = (v / 255 for v in _rgb(color))
    return colorsys.rgb_to_hls(r, g, b)[1]


def darken_until(color: str, ok: Callable[[str], bool]) -> str:
    """The lightest shade of `color` (same hue and saturation, lightness going down in steps of
    0.1%) that `ok` accepts. Every channel only falls as lightness falls, so the contrast
    checks used here are monotonic in the step: a binary search finds the same shade a
    step-by-step walk would. At the last step the shade is black, which ends any search."""
    if ok(color):
        return color
    lightness = _lightness(color)
    low, high = 0, math.ceil(lightness / _STEP)  # ok(step low) is False, ok(step high) assumed

    def shade(step: int) -> str:
        return _with_lightness(color, lightness - step * _STEP)

    if not ok(shade(high)):
        return "#000000"
    while high - low > 1:
        middle = (low + high) // 2
        if ok(shade(middle)):
            high = middle
        else:
            low = middle
    return shade(high)


def _shift(color: str, delta: float) -> str:
    return _with_lightness(color, _lightness(color) + delta)


def _mix_with_white(color: str, share: float) -> str:
    r, g, b = (v / 255 for v in _rgb(color))
    return _hex(*(1 - share * (1 - v) for v in (r, g, b)))


def _format_ratio(ratio: float, decimal: str) -> str:
    # Rounded down: the message never claims more contrast than there is.
    return f"{math.floor(ratio * 100) / 100:.2f}".rstrip("0").rstrip(".").replace(".", decimal)


@dataclass(frozen=True)
class ThemeAdjustment:
    """One change the theme made to the firm's choice, explained for the firm admin."""

    token: str
    requested: str
    applied: str
    contrast: float
    message_ru: str
    message_en: str


@dataclass(frozen=True)
class Theme:
    requested: str
    primary: str
    on_primary: str
    primary_hover: str
    primary_active: str
    primary_muted: str
    on_primary_muted: str
    focus_ring: str
    link: str
    link_hover: str
    contrast_on_primary: float
    contrast_on_white: float
    adjustments: tuple[ThemeAdjustment, ...] = field(default=())

    @property
    def adjusted(self) -> bool:
        return bool(self.adjustments)

    def css_variables(self) -> dict[str, str]:
        """Custom properties the cabinet's stylesheet reads (`var(--kb-primary)`...)."""
        return {
            "--kb-primary": self.primary,
            "--kb-on-primary": self.on_primary,
            "--kb-primary-hover": self.primary_hover,
            "--kb-primary-active": self.primary_active,
            "--kb-primary-muted": self.primary_muted,
            "--kb-on-primary-muted": self.on_primary_muted,
            "--kb-focus-ring": self.focus_ring,
            "--kb-link": self.link,
            "--kb-link-hover": self.link_hover,
        }


def _state_shade(primary: str, on_primary: str, delta: float) -> str:
    """Hover/active: darker, or lighter when the color is already near black; either way the
    text on it keeps AA."""
    shade = _shift(primary, -delta if _lightness(primary) >= 0.15 else delta)
    if contrast_ratio(on_primary, shade) >= AA_TEXT and contrast_ratio(shade, WHITE) >= AA_TEXT:
        return shade
    return _shift(primary, -delta)


@lru_cache(maxsize=512)
def derive_theme(color: str) -> Theme:
    """Every token of the cabinet's theme from one hex color. Raises InvalidColor."""
    requested = parse_hex(color)
    primary = darken_until(requested, passes)
    adjustments: list[ThemeAdjustment] = []
    if primary != requested:
        ratio = primary_contrast(primary)
        adjustments.append(
            ThemeAdjustment(
                token="primary",
                requested=requested,
                applied=primary,
                contrast=ratio,
                message_ru=(
                    f"Цвет затемнён с {requested} до {primary}, чтобы текст на нём и ссылки на "
                    f"белом фоне читались (контраст {_format_ratio(ratio, ',')}:1, "
                    "по WCAG AA нужно не меньше 4,5:1)."
                ),
                message_en=(
                    f"The color was darkened from {requested} to {primary} so that text on it "
                    f"and links on white stay readable (contrast {_format_ratio(ratio, '.')}:1; "
                    "WCAG AA needs at least 4.5:1)."
                ),
            )
        )
    on_primary = text_on(primary)
    hover = _state_shade(primary, on_primary, 0.08)
    active = _state_shade(primary, on_primary, 0.14)
    muted = _mix_with_white(primary, 0.10)
    on_muted = darken_until(primary, lambda c: contrast_ratio(c, muted) >= AA_TEXT)
    link_backgrounds = (*LINK_BACKGROUNDS, muted)
    link = darken_until(
        primary, lambda c: all(contrast_ratio(c, bg) >= AA_TEXT for bg in link_backgrounds)
    )
    return Theme(
        requested=requested,
        primary=primary,
        on_primary=on_primary,
        primary_hover=hover,
        primary_active=active,
        primary_muted=muted,
        on_primary_muted=on_muted,
        # The ring sits on white around controls: the primary already has >= 4.5:1 there.
        focus_ring=primary,
        link=link,
        link_hover=hover if link == primary else _shift(link, -0.08),
        contrast_on_primary=contrast_ratio(on_primary, primary),
        contrast_on_white=contrast_ratio(primary, WHITE),
        adjustments=tuple(adjustments),
    )
