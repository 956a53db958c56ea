"""The garbage collector of a long-running API process (`saas serve`).

After start-up the process holds ~180,000 objects that live as long as it does (the schema,
models, modules). Left in the collector's generations, every full collection walks them all
(~100 ms, a slow request now and then), and with the default gen-0 threshold (700 net
allocations) a request building a page of 50 reports triggers several young collections.
So, once the app is built: collect, freeze what is left (kept out of every later collection;
reference counting still frees anything unreferenced) and raise the gen-0 threshold, so most
of a request's objects are freed by reference counting before a collection sees them. Cyclic
garbage is still collected, a little later.
"""

from __future__ import annotations

import gc

GEN0_THRESHOLD = 10_000


def settle_heap_after_start() -> None:
    gc.collect()
    gc.freeze()
    _, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(GEN0_THRESHOLD, gen1, gen2)
