"""Text search helpers shared by the modules' list filters."""

from __future__ import annotations

import re


def contains_pattern(text: str) -> str:
    """An ILIKE/LIKE pattern (escape character `\\`) matching values that contain `text`
    literally: `%`, `_` and `\\` typed by a user are not wildcards."""
    return "%" + re.sub(r"([\\%_])", r"\\\1", text) + "%"
