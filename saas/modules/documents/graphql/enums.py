"""Enums of the drive's schema and the ids it names."""

from __future__ import annotations

from enum import Enum

import strawberry

from saas.core.ids import tenant_rows

tenant_rows(
    "DriveFolder",
    "DriveFile",
    "DriveFileVersion",
    "DriveUpload",
    "DriveAccessExport",
    "DriveAccessEntry",
)


@strawberry.enum(name="DriveDirection", description="Who uploads into a folder.")
class Direction(Enum):
    FOR_CLIENT = "for_client"
    FROM_CLIENT = "from_client"


@strawberry.enum(
    name="DriveAccessAction",
    description="What a link is for (downloadLink's `action`: VIEW or DOWNLOAD), and what an "
    "access-log entry records: a link issued (VIEW, DOWNLOAD) or its bytes fetched "
    "(DOWNLOADED, one entry per fetch).",
)
class AccessAction(Enum):
    VIEW = strawberry.enum_value(
        "view", description="A link for a preview (in the log: such a link was issued)."
    )
    DOWNLOAD = strawberry.enum_value(
        "download", description="A link for a download (in the log: such a link was issued)."
    )
    DOWNLOADED = strawberry.enum_value(
        "downloaded",
        description="In the log only: the bytes of a link were fetched (each fetch is one "
        "entry: the person the link was issued to, the fetch's address and user agent, "
        "`linkEntryId` the issuing entry). Not a downloadLink action.",
    )
