"""`python -m bench [NAME ...] [--no-docs]`: run every bench/bench_*.py module's `main()`.

Results are printed; each bench also writes its section of docs/performance.md (the benches
do that when "--write-docs" is in sys.argv, which this runner adds unless --no-docs is given).
NAME selects benches by their module name without the `bench_` prefix, e.g. `provisioning`.
The long ones (`scale`: 10,000 firms, about an hour; `soak`: 30 minutes) run only when named.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
import traceback

import bench


def discover() -> list[str]:
    return sorted(
        m.name for m in pkgutil.iter_modules(bench.__path__) if m.name.startswith("bench_")
    )


ON_REQUEST = {"bench_scale", "bench_soak"}


def run(argv: list[str]) -> int:
    wanted = {a.removeprefix("bench_") for a in argv if not a.startswith("-")}
    if wanted:
        names = [n for n in discover() if n.removeprefix("bench_") in wanted]
    else:
        names = [n for n in discover() if n not in ON_REQUEST]
    if wanted and not names:
        print(f"no bench named {sorted(wanted)}; there are: {', '.join(discover())}")
        return 2
    if "--no-docs" not in argv and "--write-docs" not in sys.argv:
        sys.argv.append("--write-docs")
    failed: list[str] = []
    for name in names:
        print(f"\n=== {name} ===", flush=True)
        started = time.monotonic()
        try:
            importlib.import_module(f"bench.{name}").main()
        except Exception:  # one broken bench must not hide the others' results
            traceback.print_exc()
            failed.append(name)
        print(f"--- {name}: {time.monotonic() - started:.1f} s", flush=True)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
