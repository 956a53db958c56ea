"""Opt-in heap watching of a `saas serve` process (issue 16: finding what a soak's API keeps).

Off unless SAAS_HEAP_WATCH_DIR names a directory. Then a daemon thread appends a line to
`watch.jsonl` there every SAAS_HEAP_WATCH_EVERY seconds (default 60): the process's RSS and
RssAnon, what glibc's malloc holds (`mallinfo2`: arena bytes in use and free, mmapped), the
blocks Python's allocator holds (`sys.getallocatedblocks`) and the objects the collector
tracks (frozen ones aside; with SAAS_HEAP_WATCH_COLLECT=1 after a full collection, with how
many it freed) with their most numerous kinds: cheap enough to leave on under load, and
enough to tell Python objects kept from a fragmented heap, and which kind grows.

With SAAS_HEAP_WATCH_TRACE=N as well, `tracemalloc` (N frames) starts
SAAS_HEAP_WATCH_AFTER seconds after the app is built (a soak's peak is measured untraced:
tracing slows every allocation) and each line comes with a snapshot `snap-<n>.pickle`
(compare two with `Snapshot.load(b).compare_to(Snapshot.load(a), "traceback")`) and
tracemalloc's traced bytes. Off, all this costs one environment lookup at start.
"""

from __future__ import annotations

import ctypes
import gc
import json
import os
import sys
import threading
import time
import tracemalloc
from collections import Counter
from pathlib import Path
from typing import Any


class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
            "fordblks", "keepcost",
        )
    ]  # fmt: skip


def _malloc() -> dict[str, int]:
    """glibc's malloc: bytes in use, free inside its arenas, mmapped ({} elsewhere)."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallinfo2.restype = _MallInfo2
        info = libc.mallinfo2()
    except (OSError, AttributeError):
        return {}
    return {"malloc_used": info.uordblks, "malloc_free": info.fordblks, "mmapped": info.hblkhd}


def _status() -> dict[str, int]:
    found: dict[str, int] = {}
    with open("/proc/self/status") as status:
        for line in status:
            name, _, value = line.partition(":")
            if name in ("VmRSS", "RssAnon", "RssFile"):
                found[name] = int(value.split()[0]) * 1024
    return found


TOP_KINDS = 25


def sample(
    index: int, started: float, folder: Path | None, collect: bool, prefix: str = ""
) -> dict[str, Any]:
    """One line: memory by where it is held (and a snapshot into `folder` while tracing).
    `collect`: a full collection first (what is left is held, not cyclic garbage awaiting
    one), which changes the process watched: off, the collector's own counts are read."""
    line: dict[str, Any] = {"index": index, "seconds": round(time.monotonic() - started, 1)}
    line.update(at=round(time.time(), 1))
    if collect:
        line.update(collected=gc.collect())
    stats, tracked = gc.get_stats(), gc.get_objects()
    line.update(objects=len(tracked), full_collections=stats[2]["collections"])
    # What the tracked objects are: a growing kind names what is kept (two lines compared).
    kinds = Counter(f"{type(o).__module__}.{type(o).__qualname__}" for o in tracked)
    line.update(kinds=kinds.most_common(TOP_KINDS))
    del tracked
    line.update(collections=[generation["collections"] for generation in stats])
    line.update(blocks=sys.getallocatedblocks(), **_status(), **_malloc())
    line.update(threads=threading.active_count())
    if tracemalloc.is_tracing():
        if folder is not None:
            tracemalloc.take_snapshot().dump(str(folder / f"{prefix}snap-{index:03d}.pickle"))
        line.update(traced=tracemalloc.get_traced_memory()[0])
        line.update(tracemalloc_own=tracemalloc.get_tracemalloc_memory())
    return line


def watch_heap_if_asked(name: str = "watch") -> bool:
    """Start the watching thread when SAAS_HEAP_WATCH_DIR is set: lines to `<name>.jsonl`
    (the API's `watch.jsonl`, the job worker's `worker.jsonl`; snapshots of another name than
    the API's are `<name>-snap-<n>.pickle`)."""
    where = os.environ.get("SAAS_HEAP_WATCH_DIR")
    if not where:
        return False
    folder = Path(where)
    folder.mkdir(parents=True, exist_ok=True)
    every = float(os.environ.get("SAAS_HEAP_WATCH_EVERY", "60"))
    frames = int(os.environ.get("SAAS_HEAP_WATCH_TRACE", "0"))
    trace_at = float(os.environ.get("SAAS_HEAP_WATCH_AFTER", "0"))
    collect = os.environ.get("SAAS_HEAP_WATCH_COLLECT", "0") == "1"
    started = time.monotonic()

    def loop() -> None:
        index = 0
        while True:
            if frames and not tracemalloc.is_tracing() and time.monotonic() - started >= trace_at:
                tracemalloc.start(frames)
            line = sample(index, started, folder, collect, "" if name == "watch" else f"{name}-")
            with (folder / f"{name}.jsonl").open("a") as out:
                out.write(json.dumps(line) + "\n")
            index += 1
            time.sleep(every)

    threading.Thread(target=loop, name="heap-watch", daemon=True).start()
    return True
