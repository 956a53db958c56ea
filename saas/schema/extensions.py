"""Schema extensions: limits and error masking (filled in by the GraphQL spine)."""

from __future__ import annotations

from typing import Any

from saas.settings import Settings


def schema_extensions(settings: Settings) -> list[Any]:
    return []
