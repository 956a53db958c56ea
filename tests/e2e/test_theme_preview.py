"""The branding page previews the theme in the browser (web/src/theme.ts) while the firm
admin types; the API derives the real one (saas/modules/branding/service/theme.py). Both must
agree on every token for every color, or the preview would promise a shade the cabinet does
not show."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from pathlib import Path

import pytest

from saas.modules.branding.service.theme import derive_theme
from saas.settings import PROJECT_ROOT

WEB = PROJECT_ROOT / "web"
TOKENS = {
    "primary": "primary",
    "onPrimary": "on_primary",
    "primaryHover": "primary_hover",
    "primaryActive": "primary_active",
    "primaryMuted": "primary_muted",
    "onPrimaryMuted": "on_primary_muted",
    "focusRing": "focus_ring",
    "link": "link",
    "linkHover": "link_hover",
}
# Colors that pass as chosen, that must be darkened, greys, and the ends of the scale.
EDGES = [
    "#1F6FEB",
    "#0B6E4F",
    "#FFD400",
    "#767676",
    "#777777",
    "#FFFFFF",
    "#000000",
    "#3B4A5E",
    "#18B8FF",
]


@pytest.fixture(scope="module")
def preview_module(tmp_path_factory: pytest.TempPathFactory) -> Path:
    esbuild = WEB / "node_modules" / ".bin" / "esbuild"
    if not esbuild.exists() or shutil.which("node") is None:
        pytest.fail("web/node_modules is missing: run `make web` (Node.js 20+) first")
    out = tmp_path_factory.mktemp("theme") / "theme.mjs"
    subprocess.run(
        [
            str(esbuild),
            str(WEB / "src" / "theme.ts"),
            "--format=esm",
            f"--outfile={out}",
            "--log-level=error",
        ],
        check=True,
    )
    return out


def previews(module: Path, colors: list[str]) -> list[dict[str, object]]:
    script = (
        f"import {{ previewTheme }} from {json.dumps(str(module))};"
        "const colors = JSON.parse(process.argv[1]);"
        "console.log(JSON.stringify(colors.map((c) => previewTheme(c))));"
    )
    done = subprocess.run(
        ["node", "--input-type=module", "-e", script, json.dumps(colors)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout)


def test_preview_matches_the_api_theme_for_every_token(preview_module: Path) -> None:
    rng = random.Random(2026)
    colors = EDGES + [f"#{rng.randrange(0x1000000):06X}" for _ in range(1500)]
    mismatches = []
    for color, preview in zip(colors, previews(preview_module, colors), strict=True):
        theme = derive_theme(color)
        assert preview is not None, color
        for ts_name, py_name in TOKENS.items():
            if preview[ts_name] != getattr(theme, py_name):
                mismatches.append(
                    f"{color} {ts_name}: preview {preview[ts_name]}, API {getattr(theme, py_name)}"
                )
        assert preview["adjusted"] == theme.adjusted, color
    assert not mismatches, "\n".join(mismatches[:20])


def test_preview_refuses_what_the_api_refuses(preview_module: Path) -> None:
    assert previews(preview_module, ["#12345", "blue", "", "#GGGGGG"]) == [None, None, None, None]
    short = previews(preview_module, ["#16e"])[0]
    assert short is not None and short["requested"] == "#1166EE"
