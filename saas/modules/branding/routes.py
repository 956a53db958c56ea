"""GET /branding/logo and /branding/favicon: the image of the firm served at this host.

Public (the login page shows them). A request carrying the current version (`?v=`, which the
`branding` query puts in the URL) may be cached for a year; without it, briefly, since the
admin can replace the image at the same address.
"""

from __future__ import annotations

import hashlib

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from saas.modules.branding.service.brand import brand_of, version_of
from saas.modules.branding.service.checks import ImageKind
from saas.modules.branding.service.images import content_type_of, read_image

SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    # An image opened directly can run nothing and load nothing.
    "content-security-policy": "default-src 'none'; sandbox",
    "cross-origin-resource-policy": "cross-origin",
}


def _not_found(kind: ImageKind) -> JSONResponse:
    return JSONResponse(
        {"error": {"code": "NOT_FOUND", "message": f"This cabinet has no {kind.value}."}},
        status_code=404,
        headers={"cache-control": "no-store", **SECURITY_HEADERS},
    )


async def branding_image(request: Request) -> Response:
    try:
        kind = ImageKind(request.path_params["kind"])
    except ValueError:
        return JSONResponse(
            {"error": {"code": "NOT_FOUND", "message": "No such image."}}, status_code=404
        )
    binding = request.scope.get("state", {}).get("binding")
    brand = brand_of(binding.tenant if binding else None)
    key = brand.favicon_key if kind is ImageKind.FAVICON else brand.logo_key
    if not key or brand.tenant_id is None:
        return _not_found(kind)
    services = request.app.state.services
    content = await read_image(services, brand.tenant_id, key)
    if content is None:
        return _not_found(kind)
    version = version_of(key)
    etag = '"' + hashlib.sha256(content).hexdigest()[:32] + '"'
    cache = (
        "public, max-age=31536000, immutable"
        if request.query_params.get("v") == version
        else "public, max-age=300, must-revalidate"
    )
    headers = {"cache-control": cache, "etag": etag, "vary": "Host", **SECURITY_HEADERS}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(content, media_type=content_type_of(key), headers=headers)
