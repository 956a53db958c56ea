"""Relay global ids as a client sees them: base64 of "Type:number", written here without the
server's code (an independent source for what the API must accept and return)."""

from __future__ import annotations

import base64


def gid(type_name: str, number: int | str) -> str:
    """The global id of row `number` of `type_name` (a str allows malformed numbers)."""
    return base64.b64encode(f"{type_name}:{number}".encode()).decode()


def pk(global_id: str) -> int:
    """The row number inside a global id."""
    return int(base64.b64decode(global_id).decode().split(":", 1)[1])


def person_gid(person_id: int) -> str:
    return gid("Person", person_id)
