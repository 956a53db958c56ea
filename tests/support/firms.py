"""The suite's firms: the session's two (`firms` fixture in tests/conftest.py, `a` and `b`)
are of this shape."""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class Firm:
    id: int
    slug: str
    name: str
    host: str
