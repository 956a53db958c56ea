"""/healthz: the process answers. /readyz: it can serve, i.e. the database, the job broker and
the object storage all respond.

The broker and storage probes belong to their packages (`saas.jobs.broker_ready`,
`saas.storage.storage_ready`); they are looked up lazily so that this module depends on
neither, and a probe may be sync (run in a thread) or async, may raise or return False.
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import text
from starlette.requests import Request
from starlette.responses import JSONResponse

from saas.services import Services

log = logging.getLogger(__name__)

# A probe that hangs must not hang the orchestrator's readiness check.
PROBE_TIMEOUT_SECONDS = 3.0

Probe = Callable[[Services], Awaitable[Any] | Any]

OPTIONAL_PROBES = (
    ("broker", "saas.jobs", "broker_ready"),
    ("storage", "saas.storage", "storage_ready"),
)


async def database_ready(services: Services) -> None:
    async with services.engine.connect() as conn:
        await conn.execute(text("SELECT 1"))


def readiness_probes() -> dict[str, Probe]:
    """The database probe, plus each optional probe whose package defines it.

    A package that exists but fails to import is a real failure: the import error is reported
    as that component failing, it is not silently skipped.
    """
    probes: dict[str, Probe] = {"database": database_ready}
    for name, module, attribute in OPTIONAL_PROBES:
        if importlib.util.find_spec(module) is None:
            continue
        try:
            target = getattr(importlib.import_module(module), attribute, None)
        except Exception as exc:
            probes[name] = _failing_probe(exc)
            continue
        if target is not None:
            probes[name] = target
    return probes


def _failing_probe(error: Exception) -> Probe:
    async def probe(services: Services) -> None:
        raise error

    return probe


async def _call(probe: Probe, services: Services) -> Any:
    if inspect.iscoroutinefunction(probe):
        return await probe(services)
    # A synchronous probe may block on the network (a MinIO or Redis client): keep it off the loop.
    result = await asyncio.to_thread(probe, services)
    return await result if inspect.isawaitable(result) else result


async def check(name: str, probe: Probe, services: Services) -> str:
    try:
        result = await asyncio.wait_for(_call(probe, services), PROBE_TIMEOUT_SECONDS)
    except TimeoutError:
        log.warning("readiness probe timed out", extra={"component": name})
        return "timeout"
    except Exception as exc:
        # The details (host names, credentials in URLs) go to the log, not to an open endpoint.
        log.warning("readiness probe failed: %s", exc, extra={"component": name})
        return f"error: {type(exc).__name__}"
    return "error: not ready" if result is False else "ok"


async def readiness(services: Services) -> dict[str, str]:
    probes = readiness_probes()
    results = await asyncio.gather(*(check(n, p, services) for n, p in probes.items()))
    return dict(zip(probes, results, strict=True))


async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> JSONResponse:
    components = await readiness(request.app.state.services)
    failed = [name for name, state in components.items() if state != "ok"]
    body: dict[str, Any] = {"status": "unavailable" if failed else "ready", **components}
    if failed:
        body["failed"] = failed
    return JSONResponse(body, status_code=503 if failed else 200)
