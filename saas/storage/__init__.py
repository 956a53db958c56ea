"""Object storage: one interface (saas.storage.base.ObjectStore), two backends — a local folder
(`file://…`, the embedded default) and S3-compatible storage through `minio` (`s3://…`); the URL
format is documented in saas.storage.location.

Modules use a tenant's view, which refuses keys outside "t<tenant id>/":

    files = tenant_files(services, tenant)
    key = files.key("documents", doc_id, "v1")
    info = await files.put(key, request.stream(), content_type=..., max_size=limit)
    url = await files.download_url(key, filename="Акт.pdf")     # short-lived link
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from saas.storage.base import (
    Body,
    ChecksumMismatch,
    InvalidKey,
    ObjectInfo,
    ObjectNotFound,
    ObjectStore,
    ObjectTooLarge,
    StorageAccessDenied,
    StorageError,
    StorageUnavailable,
    validate_key,
)
from saas.storage.folder import FolderStore
from saas.storage.location import InvalidStorageUrl, open_store, redacted
from saas.storage.tenant import TenantStorage, tenant_prefix
from saas.storage.tokens import (
    ExpiredFileToken,
    FileClaims,
    InvalidFileToken,
    sign_file_token,
    verify_file_token,
)

if TYPE_CHECKING:
    from saas.services import Services
    from saas.settings import Settings
    from saas.tenants.registry import TenantRef

__all__ = [
    "Body",
    "ChecksumMismatch",
    "ExpiredFileToken",
    "FileClaims",
    "InvalidFileToken",
    "InvalidKey",
    "InvalidStorageUrl",
    "ObjectInfo",
    "ObjectNotFound",
    "ObjectStore",
    "ObjectTooLarge",
    "StorageAccessDenied",
    "StorageError",
    "StorageUnavailable",
    "TenantStorage",
    "get_store",
    "open_store",
    "prepare_storage",
    "redacted",
    "sign_file_token",
    "storage_ready",
    "tenant_files",
    "tenant_prefix",
    "validate_key",
    "verify_file_token",
]

_EXTRA_KEY = "storage"


def get_store(services: Services) -> ObjectStore:
    """The process's backend, from SAAS_STORAGE_URL, built once per Services."""
    store: ObjectStore | None = services.extras.get(_EXTRA_KEY)
    if store is None:
        settings = services.settings
        store = open_store(settings.storage_url, secret_key=settings.secret_key)
        if isinstance(store, FolderStore):
            # A folder needs no provisioning step: create it (and .tmp, .meta) on first use.
            store.prepare_now()
        services.extras[_EXTRA_KEY] = store
    return store


def tenant_files(services: Services, tenant: TenantRef | int) -> TenantStorage:
    tenant_id = tenant if isinstance(tenant, int) else tenant.id
    return TenantStorage(get_store(services), tenant_id, secret_key=services.settings.secret_key)


async def storage_ready(services: Services) -> bool:
    """/readyz: the folder exists and is writable, or the S3 bucket answers our credentials."""
    await get_store(services).check()
    return True


def prepare_storage(settings: Settings) -> None:
    """Create the folder or the S3 bucket if missing (the demo, first deployments)."""

    store = open_store(settings.storage_url, secret_key=settings.secret_key)

    async def prepare() -> None:
        try:
            await store.prepare()
        finally:
            await store.close()

    asyncio.run(prepare())
