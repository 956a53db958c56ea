"""A small wrk-like load generator run in a process of its own (`python -m bench.loadgen`):
N keep-alive HTTP/1.1 connections on raw asyncio streams (no HTTP library per request, so it
costs far less CPU than the servers it measures), each posting bodies chosen by weight until
a request count or a duration is reached. Reads a JSON job on stdin, writes a JSON result
(latencies per kind, errors, its own CPU seconds) on stdout.

Job: {"port": int, "host": str, "token": str, "concurrency": int,
      "requests": int | null, "seconds": float | null,
      "bodies": [{"kind": str, "weight": float, "bodies": [str, ...]}]}
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import sys
import time
from typing import Any


async def _request(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, head: bytes, body: bytes
) -> tuple[int, bytes]:
    writer.write(head + str(len(body)).encode() + b"\r\n\r\n" + body)
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("closed")
    status = int(status_line.split()[1])
    length = -1
    chunked = False
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value.strip())
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if chunked:
        parts = []
        while True:
            size = int((await reader.readline()).strip(), 16)
            if size == 0:
                await reader.readline()
                break
            parts.append(await reader.readexactly(size))
            await reader.readline()
        return status, b"".join(parts)
    return status, await reader.readexactly(length)


async def _run(job: dict[str, Any]) -> dict[str, Any]:
    head = (
        f"POST /graphql HTTP/1.1\r\nHost: {job['host']}\r\n"
        f"Authorization: Bearer {job['token']}\r\nContent-Type: application/json\r\n"
        "Connection: keep-alive\r\nContent-Length: "
    ).encode()
    kinds = [k["kind"] for k in job["bodies"]]
    weights = [k["weight"] for k in job["bodies"]]
    bodies = {k["kind"]: [b.encode() for b in k["bodies"]] for k in job["bodies"]}
    times: dict[str, list[float]] = {k: [] for k in kinds}
    errors: dict[str, int] = {k: 0 for k in kinds}
    samples: list[str] = []
    remaining = [job.get("requests") or 0]
    deadline = time.monotonic() + job["seconds"] if job.get("seconds") else None
    rng = random.Random(1)

    def more() -> bool:
        if deadline is not None:
            return time.monotonic() < deadline
        remaining[0] -= 1
        return remaining[0] >= 0

    async def worker() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", job["port"])
        while more():
            kind = rng.choices(kinds, weights)[0]
            body = rng.choice(bodies[kind])
            started = time.perf_counter()
            try:
                status, answer = await _request(reader, writer, head, body)
            except (ConnectionError, asyncio.IncompleteReadError, ValueError):
                errors[kind] += 1
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", job["port"])
                continue
            times[kind].append(time.perf_counter() - started)
            if status != 200 or b'"errors"' in answer[:200]:
                errors[kind] += 1
                if len(samples) < 3:
                    samples.append(f"{status} {answer[:300]!r}")
        writer.close()

    cpu = os.times()
    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(job["concurrency"])))
    elapsed = time.perf_counter() - started
    after = os.times()
    return {
        "elapsed": elapsed,
        "times": times,
        "errors": errors,
        "samples": samples,
        "cpu": (after.user - cpu.user) + (after.system - cpu.system),
    }


def main() -> None:
    job = json.loads(sys.stdin.read())
    print(json.dumps(asyncio.run(_run(job))))


if __name__ == "__main__":
    main()
