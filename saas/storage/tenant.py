"""A tenant's view of the object store: every key must start with "t<tenant id>/".

Modules only ever hold a TenantStorage; the key they store in their rows is the full key, and
any key (or listing prefix) outside the tenant's prefix is refused before the backend is asked.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

from saas.storage.base import Body, InvalidKey, ObjectInfo, ObjectStore, link_ttl, validate_key
from saas.storage.tokens import sign_file_token

# Where the app serves signed links (saas.storage.endpoint).
LINK_BASE = "/files"


def tenant_prefix(tenant_id: int) -> str:
    return f"t{int(tenant_id)}/"


class TenantStorage:
    def __init__(self, store: ObjectStore, tenant_id: int, *, secret_key: str = ""):
        self.store = store
        self.tenant_id = int(tenant_id)
        self.prefix = tenant_prefix(tenant_id)
        self.secret_key = secret_key

    def __repr__(self) -> str:
        return f"TenantStorage({self.store!r}, tenant={self.tenant_id})"

    def key(self, *parts: str | int) -> str:
        """A full key of this tenant from path segments: key("documents", 42, "v1")."""
        return self.own(self.prefix + "/".join(str(part) for part in parts))

    def own(self, key: str) -> str:
        """`key` if it is a valid key inside this tenant's prefix; InvalidKey otherwise."""
        validate_key(key)
        if not key.startswith(self.prefix) or key == self.prefix:
            raise InvalidKey("this key belongs to another tenant or to no tenant")
        return key

    async def put(
        self,
        key: str,
        body: Body,
        *,
        content_type: str = "application/octet-stream",
        max_size: int | None = None,
        expected_size: int | None = None,
        expected_sha256: str | None = None,
    ) -> ObjectInfo:
        return await self.store.put(
            self.own(key),
            body,
            content_type=content_type,
            max_size=max_size,
            expected_size=expected_size,
            expected_sha256=expected_sha256,
        )

    async def get(self, key: str) -> bytes:
        return await self.store.get(self.own(key))

    def stream(self, key: str) -> AsyncIterator[bytes]:
        return self.store.stream(self.own(key))

    async def stat(self, key: str) -> ObjectInfo:
        return await self.store.stat(self.own(key))

    async def exists(self, key: str) -> bool:
        return await self.store.exists(self.own(key))

    async def delete(self, key: str) -> None:
        await self.store.delete(self.own(key))

    async def checksum(self, key: str) -> tuple[int, str]:
        return await self.store.checksum(self.own(key))

    def list(self, prefix: str | None = None) -> AsyncIterator[ObjectInfo]:
        """Objects of this tenant whose key starts with `prefix` (default: all of them)."""
        prefix = self.prefix if prefix is None else prefix
        validate_key(prefix, prefix=True)
        if not prefix.startswith(self.prefix):
            raise InvalidKey("this prefix lies outside the tenant's objects")
        return self.store.list(prefix)

    async def download_url(
        self,
        key: str,
        *,
        expires: timedelta | None = None,
        filename: str | None = None,
        content_type: str | None = None,
    ) -> str:
        return await self.store.download_url(
            self.own(key), expires=expires, filename=filename, content_type=content_type
        )

    async def upload_url(
        self, key: str, *, expires: timedelta | None = None, max_size: int | None = None
    ) -> str:
        return await self.store.upload_url(self.own(key), expires=expires, max_size=max_size)

    def audited_url(
        self,
        key: str,
        *,
        audit: str,
        person_id: int | None,
        expires: timedelta | None = None,
        filename: str | None = None,
        content_type: str | None = None,
    ) -> str:
        """A short-lived download link the app serves on any backend, logging each fetch
        (saas.storage.audit): bound to `person_id` and to the issuing log entry `audit`."""
        token = sign_file_token(
            self.secret_key,
            self.own(key),
            "GET",
            int(link_ttl(expires).total_seconds()),
            filename=filename,
            content_type=content_type,
            person_id=person_id,
            audit=audit,
        )
        return f"{LINK_BASE}/{token}"
