"""The theme derived from one color: WCAG 2.x contrast, the minimal adjustment, bad input."""

from __future__ import annotations

import colorsys
import re

import pytest

from saas.modules.branding.service.theme import (
    AA_TEXT,
    LINK_BACKGROUNDS,
    NEAR_BLACK,
    WHITE,
    InvalidColor,
    contrast_ratio,
    derive_theme,
    parse_hex,
    relative_luminance,
    text_on,
)
from saas.settings import PROJECT_ROOT


def _hue(color: str) -> float:
    r, g, b = (int(color[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return colorsys.rgb_to_hls(r, g, b)[0] * 360


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("#FFFFFF", "#000000", 21.0),
        ("#767676", "#FFFFFF", 4.54),  # the well-known lightest gray passing AA on white
        ("#777777", "#FFFFFF", 4.48),
        ("#1F6FEB", "#FFFFFF", 4.63),
        ("#FFD700", "#FFFFFF", 1.40),
    ],
)
def test_contrast_ratio_matches_wcag(a: str, b: str, expected: float) -> None:
    assert contrast_ratio(a, b) == pytest.approx(expected, abs=0.005)
    assert contrast_ratio(b, a) == contrast_ratio(a, b)


def test_relative_luminance_ends() -> None:
    assert relative_luminance("#000000") == 0
    assert relative_luminance("#FFFFFF") == pytest.approx(1)


def test_passing_color_is_kept_exactly() -> None:
    theme = derive_theme("#1f6feb")
    assert theme.primary == theme.requested == "#1F6FEB"
    assert theme.adjustments == ()
    assert theme.on_primary == WHITE
    assert contrast_ratio(theme.on_primary, theme.primary) >= AA_TEXT
    assert contrast_ratio(theme.link, WHITE) >= AA_TEXT


def stylesheet_backgrounds() -> set[str]:
    """The backgrounds web/src/styles.css draws links on, read from the stylesheet itself."""
    css = (PROJECT_ROOT / "web" / "src" / "styles.css").read_text(encoding="utf-8")
    names = ("bg", "surface", "danger-bg", "ok-bg", "warn-bg")
    found = {n: re.search(rf"--kb-{n}:\s*(#[0-9a-fA-F]{{6}});", css) for n in names}
    assert all(found.values()), found
    return {m.group(1).upper() for m in found.values() if m}


def test_the_link_backgrounds_are_the_stylesheets() -> None:
    assert set(LINK_BACKGROUNDS) == stylesheet_backgrounds()


@pytest.mark.parametrize("color", ["#1F6FEB", "#767676", "#FFD700", "#B4235A", "#0B6E4F", "#000"])
def test_links_read_on_every_background_they_are_drawn_on(color: str) -> None:
    theme = derive_theme(color)
    for background in (*stylesheet_backgrounds(), theme.primary_muted):
        assert contrast_ratio(theme.link, background) >= AA_TEXT, (color, background)
        assert contrast_ratio(theme.link_hover, background) >= AA_TEXT, (color, background)
    assert _hue(theme.link) == pytest.approx(_hue(theme.primary), abs=2.5)


def test_the_default_firm_color_gets_a_darker_link_only() -> None:
    # #1F6FEB: 4.6:1 on white, 4.28:1 on the page's grey (the measurement).
    theme = derive_theme("#1F6FEB")
    assert contrast_ratio("#1F6FEB", "#F5F6F8") < AA_TEXT <= contrast_ratio("#1F6FEB", WHITE)
    assert theme.primary == "#1F6FEB" and theme.adjustments == ()
    assert theme.link != theme.primary
    assert relative_luminance(theme.link) < relative_luminance(theme.primary)
    # The lightest such shade: one lightness step up fails on one of the backgrounds again
    # (here the primary's own tint, a touch darker than the page).
    r, g, b = (int(theme.link[i : i + 2], 16) / 255 for i in (1, 3, 5))
    h, lightness, s = colorsys.rgb_to_hls(r, g, b)
    lighter = "#{:02X}{:02X}{:02X}".format(
        *(round(v * 255) for v in colorsys.hls_to_rgb(h, lightness + 0.01, s))
    )
    backgrounds = (*stylesheet_backgrounds(), theme.primary_muted)
    assert min(contrast_ratio(lighter, bg) for bg in backgrounds) < AA_TEXT


def test_a_color_reading_everywhere_keeps_its_links() -> None:
    theme = derive_theme("#0B6E4F")
    assert theme.link == theme.primary == "#0B6E4F"


@pytest.mark.parametrize("color", ["#FFD700", "#FFFF00", "#00FF00", "#FFFFFF", "#87CEEB"])
def test_failing_color_is_darkened_minimally_keeping_hue(color: str) -> None:
    theme = derive_theme(color)
    assert theme.primary != color
    assert contrast_ratio(theme.on_primary, theme.primary) >= AA_TEXT
    assert contrast_ratio(theme.primary, WHITE) >= AA_TEXT
    assert relative_luminance(theme.primary) < relative_luminance(color)
    if color != "#FFFFFF":  # white has no hue to keep
        assert _hue(theme.primary) == pytest.approx(_hue(color), abs=2.5)
    # Minimal: one HSL-lightness step lighter than the result would fail again.
    r, g, b = (int(theme.primary[i : i + 2], 16) / 255 for i in (1, 3, 5))
    h, lightness, s = colorsys.rgb_to_hls(r, g, b)
    lighter = "#{:02X}{:02X}{:02X}".format(
        *(round(v * 255) for v in colorsys.hls_to_rgb(h, lightness + 0.01, s))
    )
    assert contrast_ratio(lighter, WHITE) < AA_TEXT
    (adjustment,) = theme.adjustments
    assert adjustment.requested == color and adjustment.applied == theme.primary
    assert adjustment.contrast >= AA_TEXT


def test_gold_adjustment_is_explained_in_both_languages() -> None:
    theme = derive_theme("#FFD700")
    assert theme.primary == "#8B7500"
    (adjustment,) = theme.adjustments
    assert adjustment.message_ru.startswith("Цвет затемнён с #FFD700 до #8B7500")
    assert "4,52:1" in adjustment.message_ru
    assert adjustment.message_en.startswith("The color was darkened from #FFD700 to #8B7500")
    assert "4.52:1" in adjustment.message_en


def test_edge_color_just_above_the_threshold_passes_unchanged() -> None:
    theme = derive_theme("#767676")  # 4.54:1
    assert theme.primary == "#767676" and theme.adjustments == ()


def test_edge_color_just_below_the_threshold_moves_one_step() -> None:
    theme = derive_theme("#777777")  # 4.48:1
    assert theme.primary == "#767676"
    assert theme.adjustments[0].message_en.startswith(
        "The color was darkened from #777777 to #767676"
    )


def test_contrast_in_messages_is_rounded_down() -> None:
    # 4.5422...: a message must never claim more than the real contrast.
    assert "4,54:1" in derive_theme("#777777").adjustments[0].message_ru


@pytest.mark.parametrize(
    "color", ["#1F6FEB", "#000000", "#B4235A", "#FFD700", "#0000FF", "#00FF00"]
)
def test_every_derived_token_keeps_its_contrast(color: str) -> None:
    theme = derive_theme(color)
    for shade in (theme.primary_hover, theme.primary_active):
        assert shade != theme.primary
        assert contrast_ratio(theme.on_primary, shade) >= AA_TEXT
    assert contrast_ratio(theme.link_hover, WHITE) >= AA_TEXT
    assert contrast_ratio(theme.on_primary_muted, theme.primary_muted) >= AA_TEXT
    assert relative_luminance(theme.primary_muted) > 0.75  # a light tint for backgrounds
    assert contrast_ratio(theme.focus_ring, WHITE) >= 3.0
    assert set(theme.css_variables()) >= {"--kb-primary", "--kb-on-primary", "--kb-focus-ring"}


def test_black_gets_a_lighter_hover_so_it_stays_visible() -> None:
    theme = derive_theme("#000000")
    assert relative_luminance(theme.primary_hover) > 0


def test_text_on_picks_the_readable_one() -> None:
    assert text_on("#000000") == WHITE
    assert text_on("#FFD700") == NEAR_BLACK
    assert text_on("#1F6FEB") == WHITE


@pytest.mark.parametrize(
    ("raw", "normal"),
    [("#1f6feb", "#1F6FEB"), ("1F6FEB", "#1F6FEB"), ("#abc", "#AABBCC"), (" #000 ", "#000000")],
)
def test_parse_hex_normalizes(raw: str, normal: str) -> None:
    assert parse_hex(raw) == normal


@pytest.mark.parametrize(
    "bad", ["", "#", "#12", "#12345", "#1234567", "#GGGGGG", "red", "rgb(0,0,0)", None, 123]
)
def test_invalid_colors_are_refused_in_both_languages(bad: object) -> None:
    with pytest.raises(InvalidColor) as info:
        derive_theme(bad)  # type: ignore[arg-type]
    assert "#RRGGBB" in info.value.message_ru and "#RRGGBB" in info.value.message_en
