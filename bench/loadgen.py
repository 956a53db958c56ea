"""A small wrk-like load generator run in a process of its own (`python -m bench.loadgen`):
N keep-alive HTTP/1.1 connections on raw asyncio streams (no HTTP library per request, so it
costs far less CPU than the servers it measures), each posting bodies chosen by weight until
a request count or a duration is reached. Reads a JSON job on stdin, writes a JSON result
(latencies per kind, errors, status codes, its own CPU seconds) on stdout.

Job: {"port": int, "host": str, "token": str, "concurrency": int,
      "requests": int | null, "seconds": float | null,
      "rate": float | null, "tag": str | null,
      "bodies": [{"kind": str, "weight": float, "bodies": [str, ...],
                  "template": bool | null, "expect": str | null}]}

`rate` paces the requests of all connections together to that many a second (a connection
waits for its slot; a schedule fallen behind by more than a second is not caught up in a
burst); latency is measured from the request's send, not from its slot. A kind with
`template` gets "@SEQ@" in its bodies replaced by a value unique to the request (`tag`-n)
and "@NOW@" by the current UTC time (ISO 8601): writes that each record a new fact. A kind
with `expect` counts an answer without that text as an error. `statuses` counts the answers
by HTTP status per kind ("conn": the connection failed).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import sys
import time
from datetime import UTC, datetime
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


class _Pacer:
    """The slots of `rate` requests a second shared by every connection (0: no pacing)."""

    def __init__(self, rate: float):
        self.rate = rate
        self.next = time.monotonic()

    async def wait(self) -> None:
        if not self.rate:
            return
        now = time.monotonic()
        slot = max(self.next, now - 1.0)  # fallen behind: no burst of more than a second
        self.next = slot + 1 / self.rate
        if slot > now:
            await asyncio.sleep(slot - now)


class _Bodies:
    """Picks a kind by weight and one of its bodies, templates filled; judges the answer."""

    def __init__(self, job: dict[str, Any]):
        self.kinds = [k["kind"] for k in job["bodies"]]
        self.weights = [k["weight"] for k in job["bodies"]]
        self.bodies = {k["kind"]: [b.encode() for b in k["bodies"]] for k in job["bodies"]}
        self.templates = {k["kind"] for k in job["bodies"] if k.get("template")}
        self.expect = {k["kind"]: k["expect"].encode() for k in job["bodies"] if k.get("expect")}
        self.tag = str(job.get("tag") or os.getpid()).encode()
        self.sequence = 0
        self.rng = random.Random(1)

    def pick(self) -> tuple[str, bytes]:
        kind = self.rng.choices(self.kinds, self.weights)[0]
        body = self.rng.choice(self.bodies[kind])
        if kind in self.templates:
            self.sequence += 1
            now = datetime.now(UTC).isoformat().encode()
            body = body.replace(b"@SEQ@", self.tag + b"-%d" % self.sequence)
            body = body.replace(b"@NOW@", now)
        return kind, body

    def failed(self, kind: str, status: int, answer: bytes) -> bool:
        return (
            status != 200
            or b'"errors"' in answer[:200]
            or (kind in self.expect and self.expect[kind] not in answer)
        )


async def _run(job: dict[str, Any]) -> dict[str, Any]:
    head = (
        f"POST /graphql HTTP/1.1\r\nHost: {job['host']}\r\n"
        f"Authorization: Bearer {job['token']}\r\nContent-Type: application/json\r\n"
        "Connection: keep-alive\r\nContent-Length: "
    ).encode()
    mix = _Bodies(job)
    pacer = _Pacer(float(job.get("rate") or 0))
    times: dict[str, list[float]] = {k: [] for k in mix.kinds}
    errors: dict[str, int] = {k: 0 for k in mix.kinds}
    statuses: dict[str, dict[str, int]] = {k: {} for k in mix.kinds}
    samples: list[str] = []
    remaining = [job.get("requests") or 0]
    deadline = time.monotonic() + job["seconds"] if job.get("seconds") else None

    def more() -> bool:
        if deadline is not None:
            return time.monotonic() < deadline
        remaining[0] -= 1
        return remaining[0] >= 0

    def count(kind: str, status: str) -> None:
        statuses[kind][status] = statuses[kind].get(status, 0) + 1

    async def worker() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", job["port"])
        while more():
            await pacer.wait()
            if deadline is not None and time.monotonic() >= deadline:
                break
            kind, body = mix.pick()
            started = time.perf_counter()
            try:
                status, answer = await _request(reader, writer, head, body)
            except (ConnectionError, asyncio.IncompleteReadError, ValueError):
                errors[kind] += 1
                count(kind, "conn")
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", job["port"])
                continue
            times[kind].append(time.perf_counter() - started)
            count(kind, str(status))
            if mix.failed(kind, status, answer):
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
        "statuses": statuses,
        "samples": samples,
        "cpu": (after.user - cpu.user) + (after.system - cpu.system),
    }


def main() -> None:
    job = json.loads(sys.stdin.read())
    print(json.dumps(asyncio.run(_run(job))))


if __name__ == "__main__":
    main()
