"""The garbage collector of a long-running API process (`saas serve`); the job worker's
malloc arenas (`limit_malloc_arenas`).

After start-up the process holds ~180,000 objects that live as long as it does (the schema,
models, modules). Left in the collector's generations, every full collection walks them all
(~100 ms, a slow request now and then), and with the default gen-0 threshold (700 net
allocations) a request building a page of 50 reports triggers several young collections.
So, once the app is built: collect, freeze what is left (kept out of every later collection;
reference counting still frees anything unreferenced), collect once more (so the rule that
paces full collections counts the unfrozen heap, not the frozen one: issue 16) and raise the
gen-0 threshold, so most of a request's objects are freed by reference counting before a
collection sees them. Cyclic garbage is still collected, a little later.
"""

from __future__ import annotations

import ctypes
import gc

GEN0_THRESHOLD = 10_000


def settle_heap_after_start() -> None:
    from saas.ops.heap_trace import watch_heap_if_asked  # noqa: PLC0415 - opt-in, bench only

    watch_heap_if_asked()
    gc.collect()
    gc.freeze()
    # The collector starts a full collection only once the objects moved into the oldest
    # generation since the last one reach a quarter of what that one left there, and
    # gc.freeze() leaves that count at the start-up objects it froze (~280,000): tens of
    # thousands of objects, cyclic garbage among them, piled up before the first full
    # collection (issue 16: in a soak none ran in 10 minutes and the API's RSS grew ~0.6 MiB a
    # minute). A collection now finds the unfrozen heap empty and counts from there; it walks
    # none of the frozen objects.
    gc.collect()
    _, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(GEN0_THRESHOLD, gen1, gen2)


# mallopt's parameter number of M_ARENA_MAX (glibc's malloc.h).
M_ARENA_MAX = -8
WORKER_ARENAS = 2


def limit_malloc_arenas(arenas: int = WORKER_ARENAS) -> bool:
    """At most `arenas` glibc malloc arenas for the threads started after the call (False
    where the C library has no `mallopt`: musl, macOS).

    glibc gives threads that allocate at once arenas of their own, up to 8 per core, and an
    arena keeps the pages of its busiest moment: the job worker's threads (dramatiq's consumers
    and workers, the scheduler) grew its RSS in steps over a 30-minute soak (+7.1%, issue 16)
    while the single-threaded API's stayed flat. The same as MALLOC_ARENA_MAX in the
    environment, set from inside, before the worker starts its threads."""
    try:
        libc = ctypes.CDLL(None)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    return bool(mallopt(M_ARENA_MAX, arenas))
