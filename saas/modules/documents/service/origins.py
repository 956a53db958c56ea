"""Where a drive file came from, when another module filed it (a chat message's attachment):
the drive shows it beside the file. Modules register a source here, as they register fetch
listeners (`on_drive_fetch`); the drive never imports them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession


@dataclass(frozen=True)
class FileOrigin:
    module: str  # the module that filed it, e.g. "chat"
    ru: str
    en: str
    at: datetime  # when it was filed there (the message's time)


# file ids -> the origins it knows of them (one query per batch).
OriginSource = Callable[[AsyncSession, list[int]], Awaitable[dict[int, FileOrigin]]]
ORIGIN_SOURCES: list[OriginSource] = []


def file_origin_source(source: OriginSource) -> OriginSource:
    ORIGIN_SOURCES.append(source)
    return source


async def origins_of(session: AsyncSession, file_ids: list[int]) -> dict[int, FileOrigin]:
    """Each file's origin (the first source that knows it); files uploaded to the drive
    itself have none."""
    found: dict[int, FileOrigin] = {}
    for source in ORIGIN_SOURCES:
        for file_id, origin in (await source(session, file_ids)).items():
            found.setdefault(file_id, origin)
    return found
