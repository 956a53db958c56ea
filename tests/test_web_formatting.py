"""The cabinet formats dates, times, numbers and file sizes in one module,
web/src/i18n/format.ts, with the cabinet's language (issue 12): a `toLocaleString()` without
a language takes the browser's, and each page's own formatter had its own date style and
"602 B" in a Russian cabinet. This reads the sources: any other formatter fails here, with
its file and line, before a browser test meets its output."""

from __future__ import annotations

import re

from saas.settings import PROJECT_ROOT

SOURCES = PROJECT_ROOT / "web" / "src"
THE_MODULE = SOURCES / "i18n" / "format.ts"
# Locale-dependent formatting outside format.ts: Date/Number toLocale*, Intl formatters,
# toFixed (a decimal point in a Russian cabinet) and sizes spelled with a unit of their own.
FORBIDDEN = re.compile(
    r"\.toLocale(?:Date|Time)?String\(|new Intl\.|Intl\.(?:DateTimeFormat|NumberFormat)"
    r"|\.toFixed\(|`\$\{[^}]*\} ?(?:B|KB|MB|GB)`"
)


def test_only_the_format_module_formats() -> None:
    assert THE_MODULE.is_file()
    found = []
    for path in sorted(SOURCES.rglob("*.ts*")):
        if path == THE_MODULE or path.name == "generated.ts":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if FORBIDDEN.search(line):
                found.append(f"{path.relative_to(PROJECT_ROOT)}:{number}: {line.strip()}")
    assert found == [], "format through web/src/i18n/format.ts:\n" + "\n".join(found)


def test_the_module_speaks_the_cabinets_language() -> None:
    source = THE_MODULE.read_text(encoding="utf-8")
    # Every Intl formatter is built with the cabinet's locale, never the browser's default.
    made = re.findall(r"new Intl\.\w+\(([^,]*),", source)
    assert made and all(argument.strip() == "locale(lang)" for argument in made), made
    assert '"Б", "КБ", "МБ"' in source  # "602 Б" in Russian
