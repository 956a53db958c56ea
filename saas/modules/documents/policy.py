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

from dataclasses import dataclass
from typing import Any

from saas.core.actor import Actor, actor_of
from saas.modules.documents.models import FOR_CLIENT, FROM_CLIENT
from saas.rbac.enforcer import is_allowed

SYSTEM_FOLDER_NAMES: dict[str, tuple[str, str]] = {
    FOR_CLIENT: ("Данные для клиента", "For client"),
    FROM_CLIENT: ("Данные от клиента", "From client"),
}

DEFAULT_MAX_UPLOAD_BYTES = 25 * 1024 * 1024
MAX_UPLOAD_SETTING = "max_upload_bytes"


@dataclass(frozen=True)
class Viewer:
    """The actor plus the Casbin answers the drive needs, computed once per operation."""

    actor: Actor
    read: bool = False
    write: bool = False
    manage: bool = False
    firm_admin: bool = False
    cabinet: bool = False

    @property
    def staff(self) -> bool:
        return self.actor.staff

    @property
    def person_id(self) -> int | None:
        return self.actor.person_id


async def viewer_of(ctx: Any) -> Viewer:

    actor = actor_of(ctx)
    principal = ctx.principal
    if actor.staff:
        return Viewer(
            actor,
            read=await is_allowed(ctx, "documents", "read"),
            write=await is_allowed(ctx, "documents", "write"),
            manage=await is_allowed(ctx, "documents", "manage"),
            firm_admin="firm_admin" in principal.roles,
        )
    return Viewer(actor, cabinet=await is_allowed(ctx, "client_cabinet", "read"))


def max_upload_bytes(tenant: Any) -> int:
    value = (getattr(tenant, "settings", None) or {}).get(MAX_UPLOAD_SETTING)
    try:
        return int(value) if value else DEFAULT_MAX_UPLOAD_BYTES
    except (TypeError, ValueError):
        return DEFAULT_MAX_UPLOAD_BYTES
