"""`/files/{token}`: serves the folder backend's signed links (GET download, PUT upload), and
audited download links on every backend (saas.storage.audit: each fetch is logged first).

Otherwise, with S3 the browser talks to the storage through presigned URLs. The token is the
only authority (it names one key, one method and an expiry); when the request is bound to a
tenant host, the key must also belong to that tenant (an audited link needs a tenant host).

Mount it in the app: `Route("/files/{token}", file_link, methods=["GET", "PUT"])`.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from saas.storage import get_store
from saas.storage.audit import record_fetch
from saas.storage.base import ChecksumMismatch, ObjectNotFound, ObjectTooLarge, StorageUnavailable
from saas.storage.folder import FolderStore
from saas.storage.s3 import content_disposition
from saas.storage.tenant import tenant_prefix
from saas.storage.tokens import ExpiredFileToken, InvalidFileToken, Method, verify_file_token


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse(
        {"error": {"code": code, "message": message}},
        status_code=status,
        headers={"cache-control": "no-store"},
    )


async def file_link(request: Request) -> Response:
    services = request.app.state.services
    store = get_store(services)
    method: Method = "PUT" if request.method == "PUT" else "GET"
    try:
        claims = verify_file_token(
            services.settings.secret_key, request.path_params["token"], method
        )
    except ExpiredFileToken:
        return _error(403, "LINK_EXPIRED", "This file link has expired. Open the file again.")
    except InvalidFileToken:
        return _error(403, "LINK_INVALID", "This file link is not valid.")
    if not isinstance(store, FolderStore) and claims.audit is None:
        return _error(404, "NOT_FOUND", "Files are served by the object storage, not here.")
    binding = request.scope.get("state", {}).get("binding")
    if (binding is None and claims.audit is not None) or (
        binding is not None
        and (binding.tenant is None or not claims.key.startswith(tenant_prefix(binding.tenant.id)))
    ):
        return _error(404, "NOT_FOUND", "No such file here.")
    try:
        if method == "PUT":
            info = await store.put(
                claims.key,
                request.stream(),
                max_size=claims.max_size,
                content_type=request.headers.get("content-type", "application/octet-stream"),
            )
            return JSONResponse({"size": info.size, "sha256": info.sha256}, status_code=201)
        info = await store.stat(claims.key)
        if claims.audit is not None and not await record_fetch(
            services,
            binding.tenant,
            claims,
            ip=binding.ip,
            user_agent=request.headers.get("user-agent"),
        ):
            return _error(404, "NOT_FOUND", "This file link is no longer valid.")
        chunks = store.stream(claims.key)
        headers = {
            "content-length": str(info.size),
            "cache-control": "private, no-store",
            "x-content-type-options": "nosniff",
        }
        if claims.filename:
            headers["content-disposition"] = content_disposition(claims.filename)
        media_type = claims.content_type or info.content_type or "application/octet-stream"
        return StreamingResponse(chunks, media_type=media_type, headers=headers)
    except ObjectNotFound:
        return _error(404, "NOT_FOUND", "The file no longer exists.")
    except ObjectTooLarge as exc:
        return _error(413, "TOO_LARGE", str(exc))
    except ChecksumMismatch as exc:
        return _error(400, "CHECKSUM_MISMATCH", str(exc))
    except StorageUnavailable:
        return _error(
            503, "STORAGE_UNAVAILABLE", "The file storage is unavailable. Try again later."
        )
