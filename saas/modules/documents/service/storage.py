"""Objects of the drive in the tenant's storage: keys and writes. Their removal when the rows
naming them are surely not committed is `saas.storage.stored.removed_on_failure`."""

from __future__ import annotations

import logging
import uuid

from saas.modules.documents.service.checks import too_large
from saas.modules.documents.service.errors import storage_failed
from saas.storage import (
    ObjectTooLarge,
    StorageError,
    TenantStorage,
)

log = logging.getLogger(__name__)


def new_key(files: TenantStorage, org_id: int) -> str:
    # Keys never contain the user's file name: no path tricks can reach storage.
    return files.key("drive", org_id, uuid.uuid4().hex)


async def put_object(
    files: TenantStorage, key: str, data: bytes, content_type: str, limit: int
) -> None:
    try:
        await files.put(key, data, content_type=content_type, max_size=limit)
    except ObjectTooLarge:
        raise too_large(limit) from None
    except StorageError:
        raise storage_failed() from None
