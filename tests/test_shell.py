"""The HTML shell's boot data (saas.shell.render): whatever a firm names itself, the data
block stays one JSON value inside one <script> element, and the title shows the name as text."""

from __future__ import annotations

import json
from html.parser import HTMLParser

from saas.shell import BOOT_ID, render

PAGE = (
    '<!doctype html><html lang="ru"><head><meta charset="utf-8" /><title></title></head>'
    '<body><div id="root"></div><script type="module" src="/assets/index-x.js"></script>'
    "</body></html>"
)
HOSTILE = "</script><script>alert(1)</script><!-- & \u2028 «Альфа»"


class Elements(HTMLParser):
    """Each element's tag, attributes and text, as a browser's tokenizer splits them."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None], str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs), ""))

    def handle_data(self, data: str) -> None:
        if self.elements:
            tag, attrs, text = self.elements[-1]
            self.elements[-1] = (tag, attrs, text + data)


def parse(page: str) -> list[tuple[str, dict[str, str | None], str]]:
    parser = Elements()
    parser.feed(page)
    return parser.elements


def test_a_hostile_name_stays_data() -> None:
    data = {
        "branding": {"branding": {"isPlatform": False, "displayName": HOSTILE, "faviconUrl": None}},
        "session": {"viewer": None, "currentFirm": {"name": HOSTILE}},
    }
    elements = parse(render(PAGE, data))
    scripts = [(attrs, text) for tag, attrs, text in elements if tag == "script"]
    # The data block and the app's script: no element came out of the name.
    assert [attrs.get("type") for attrs, _ in scripts] == ["application/json", "module"]
    attrs, text = scripts[0]
    assert attrs["id"] == BOOT_ID
    assert json.loads(text) == data
    title = [text for tag, _, text in elements if tag == "title"]
    assert title == [HOSTILE]


def test_a_firms_favicon_and_none_for_the_platform() -> None:
    firm = {
        "branding": {
            "branding": {
                "isPlatform": False,
                "displayName": "A",
                "faviconUrl": "/branding/favicon?v=1&x=2",
            }
        }
    }
    icons = [a for tag, a, _ in parse(render(PAGE, firm)) if tag == "link"]
    assert icons == [{"rel": "icon", "href": "/branding/favicon?v=1&x=2"}]
    platform = {"branding": {"branding": {"isPlatform": True, "displayName": "Kabinet"}}}
    page = render(PAGE, platform)
    assert "<title></title>" in page and "<link" not in page
    assert json.loads([t for tag, _, t in parse(page) if tag == "script"][0]) == platform


def test_without_data_the_block_is_empty() -> None:
    scripts = [t for tag, a, t in parse(render(PAGE, {})) if tag == "script" and a.get("id")]
    assert scripts == ["{}"]


def test_a_client_homes_chunks_and_styles_follow_the_builds_own() -> None:
    """The home's chunk and language as modulepreload, its style sheet after the build's own
    (the cascade Vite would give it) and with `crossorigin` as Vite's (its loader then finds
    it and adds no second copy)."""
    page = PAGE.replace(
        "</head>", '<link rel="stylesheet" crossorigin href="/assets/index-a.css"></head>'
    )
    html = render(page, {}, ("assets/client-home-b.js", "assets/ru-c.js"), ("assets/x-d.css",))
    links = [attrs for tag, attrs, _ in parse(html) if tag == "link"]
    assert links == [
        {"rel": "stylesheet", "crossorigin": None, "href": "/assets/index-a.css"},
        {"rel": "modulepreload", "href": "/assets/client-home-b.js"},
        {"rel": "modulepreload", "href": "/assets/ru-c.js"},
        {"rel": "stylesheet", "crossorigin": None, "href": "/assets/x-d.css"},
    ]
    # Any other page: the build's style sheet alone.
    others = [attrs["href"] for tag, attrs, _ in parse(render(page, {})) if tag == "link"]
    assert others == ["/assets/index-a.css"]
