"""The garbage collector of a long-running API process (`saas serve`).

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
