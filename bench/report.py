"""What every bench reports beside its numbers: the machine and the date; and how a bench
replaces its own section of docs/performance.md, leaving the other sections alone."""

from __future__ import annotations

import os
import platform
import statistics
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import psycopg

DOCS = Path(__file__).resolve().parent.parent / "docs" / "performance.md"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def ram_gib() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return 0.0


def postgres_version(database_url: str) -> str:
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SHOW server_version").fetchone()
        buffers = conn.execute("SHOW shared_buffers").fetchone()
    version = f"PostgreSQL {row[0].split()[0]}" if row else "PostgreSQL"
    # The catalog of thousands of firms outgrows small shared buffers (docs/operate.md).
    return f"{version} (shared_buffers {buffers[0]})" if buffers else version


def machine(database_url: str | None = None) -> str:
    parts = [
        cpu_model(),
        f"{os.cpu_count()} cores (nproc)",
        f"{ram_gib():.0f} GiB RAM",
        f"Python {platform.python_version()}",
    ]
    if database_url:
        parts.append(postgres_version(database_url))
    # A busy machine slows everything down: say how busy it was.
    parts.append(f"load average {os.getloadavg()[0]:.1f}")
    parts.append(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    return ", ".join(parts)


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def should_write_docs() -> bool:
    return "--write-docs" in sys.argv


def write_section(heading: str, body: str) -> None:
    """Replace (or append) the `## heading` section of docs/performance.md."""
    marker = f"## {heading}"
    section = f"{marker}\n\n{body.strip()}\n"
    existing = DOCS.read_text() if DOCS.exists() else "# Performance\n"
    if marker + "\n" in existing:
        start = existing.index(marker + "\n")
        following = existing.find("\n## ", start + len(marker))
        rest = existing[following + 1 :] if following != -1 else ""
        updated = existing[:start] + section + ("\n" + rest if rest else "")
    else:
        updated = existing.rstrip("\n") + "\n\n" + section
    DOCS.write_text(updated)
    print(f"written to {DOCS} (section {heading!r})")
