"""Who may do what in a drive.

Two layers, as in the clients module:
- Casbin: staff need `documents:read` to read, `documents:write` to upload and add folders,
  `documents:manage` to delete; restoring a deleted file is for the firm admin. Client users
  hold no `documents` permission at all (client roles never reach staff objects); they need
  `client_cabinet:read` plus the organization's grants.
- Grants and direction (checked in service.py for every operation):
  read:   staff with documents:read; a contact with the 'documents' grant.
  upload: staff with documents:write into "For client" and its subfolders only;
          a contact with the 'upload' grant into "From client" only.
  delete: staff only (soft delete); clients never delete.
"""

from __future__ import annotations

from typing import Any

from saas.core.actor import Actor, actor_with
from saas.core.modules import register_grant
from saas.modules.documents.models import FOR_CLIENT, FROM_CLIENT

# What a firm grants client contacts in a drive (saas.core.modules).
DOCUMENTS_GRANT = register_grant(
    "documents", ru="Документы", en="Documents", default=True, module="documents"
)
UPLOAD_GRANT = register_grant(
    "upload",
    ru="Загрузка первичных документов",
    en="Upload primary documents",
    default=True,
    module="documents",
)

SYSTEM_FOLDER_NAMES: dict[str, tuple[str, str]] = {
    FOR_CLIENT: ("Данные для клиента", "For client"),
    FROM_CLIENT: ("Данные от клиента", "From client"),
}

DEFAULT_MAX_UPLOAD_BYTES = 25 * 1024 * 1024
MAX_UPLOAD_SETTING = "max_upload_bytes"


# What the drive's rules ask of the actor (`actor.may(...)` in the services).
DRIVE_PERMISSIONS = (
    ("documents", "read"),
    ("documents", "write"),
    ("documents", "manage"),
    ("client_cabinet", "read"),
)


async def viewer_of(ctx: Any) -> Actor:
    """The request's actor with the drive's permissions checked (once per request)."""
    return await actor_with(ctx, *DRIVE_PERMISSIONS)


def max_upload_bytes(tenant: Any) -> int:
    value = (getattr(tenant, "settings", None) or {}).get(MAX_UPLOAD_SETTING)
    try:
        return int(value) if value else DEFAULT_MAX_UPLOAD_BYTES
    except (TypeError, ValueError):
        return DEFAULT_MAX_UPLOAD_BYTES
