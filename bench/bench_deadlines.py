"""Business-day arithmetic of 10,000 service requests: `python -m bench deadlines`.

Goal (issue 14): report the per-request cost of the regulation's deadline arithmetic. For each
of REQUESTS requests (launch moments spread over 2025-2026, evenings, weekends and the New
Year and May holidays included; regulations of 1-20 business days, a hard deadline a few
days later) the bench computes what the API computes for it:

- launch: the earliest due date (`minimum_due`: received on the next business day after
  hours, then the regulation's business days) and the hard deadline;
- board: the SLA state on a given day (`sla_state`) and the working hours left to the hard
  deadline's close (as `business_hours_left` counts them), as the board shows them per row.

The baseline, in the same process over the same requests: the same steps in calendar days
(plain date + timedelta, no calendar), i.e. what the arithmetic would cost if it ignored
holidays. The ratio is the price of counting in business days. No database is involved.
"""

from __future__ import annotations

import random
import statistics
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bench.report import machine, should_write_docs, write_section
from saas.core.calendar.business import BusinessCalendar
from saas.modules.requests.service.deadlines import minimum_due, sla_state
from saas.modules.requests.service.sla import hard_deadline_moment

REQUESTS = 10_000
RUNS = 5
SEED = 20261204


def _requests() -> list[tuple[datetime, int, int, date]]:
    rng = random.Random(SEED)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    out = []
    for _ in range(REQUESTS):
        launched = start + timedelta(minutes=rng.randrange(2 * 365 * 24 * 60 - 60 * 24 * 60))
        planned = rng.randint(1, 20)
        out.append((launched, planned, planned + rng.randint(0, 5), launched.date()))
    return out


def _business(calendar: BusinessCalendar, rows: list[tuple[datetime, int, int, date]]) -> int:
    checksum = 0
    for launched, planned, hard_days, _ in rows:
        due = minimum_due(calendar, launched, planned)
        hard = minimum_due(calendar, launched, hard_days)
        today = due - timedelta(days=1)
        state = sla_state(calendar, today, due, hard, True)
        left = calendar.business_hours_between(
            launched + timedelta(days=1), hard_deadline_moment(calendar, hard)
        )
        checksum += due.toordinal() + len(state.value) + int(left)
    return checksum


def _calendar_days(rows: list[tuple[datetime, int, int, date]]) -> int:
    checksum = 0
    for launched, planned, hard_days, day in rows:
        due = day + timedelta(days=planned)
        hard = day + timedelta(days=hard_days)
        today = due - timedelta(days=1)
        state = "due_soon" if (due - today).days <= 1 else "on_track"
        left = (datetime.combine(hard, datetime.min.time(), UTC) - launched).total_seconds()
        checksum += due.toordinal() + len(state) + int(left / 3600)
    return checksum


def _timed(work: Any) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def run() -> dict[str, Any]:
    calendar = BusinessCalendar()
    rows = _requests()
    _business(calendar, rows[:100])  # the national calendar's data loaded once
    business, baseline = [], []
    for _ in range(RUNS):  # alternated, so load on the machine falls on both alike
        business.append(_timed(lambda: _business(calendar, rows)))
        baseline.append(_timed(lambda: _calendar_days(rows)))
    return {"machine": machine(), "business": business, "baseline": baseline}


def report(result: dict[str, Any]) -> str:
    business = statistics.median(result["business"])
    baseline = statistics.median(result["baseline"])
    per = business / REQUESTS * 1e6
    return "\n".join(
        [
            f"`python -m bench deadlines` on {result['machine']}.",
            "",
            f"{REQUESTS:,} service requests (launches over 2025-2026, regulations of 1-20 "
            "business days): the earliest due date and hard deadline (`minimum_due`), then the "
            "board's SLA state and working hours left to the hard deadline (`sla_state`, "
            "`business_hours_between`); "
            f"the median of {len(result['business'])} runs, against the same steps in calendar "
            "days in the same process.",
            "",
            "| arithmetic | 10,000 requests | per request | ratio |",
            "|---|---|---|---|",
            f"| business days (the firm's calendar) | {business * 1000:.0f} ms | {per:.0f} µs | "
            f"{business / baseline:.0f}x |",
            f"| calendar days (baseline) | {baseline * 1000:.1f} ms | "
            f"{baseline / REQUESTS * 1e6:.2f} µs | 1x |",
            "",
            f"A board page of 50 requests spends ~{per * 50 / 1000:.1f} ms of Python on it. "
            "Before each calendar remembered the days it had looked up (`BusinessCalendar.day`, "
            "2026-12-04) the same run took 4,736 ms (474 µs per request, 193x).",
        ]
    )


def main() -> dict[str, Any]:
    result = run()
    text = report(result)
    print(text)
    if should_write_docs():
        write_section("Business-day arithmetic of 10,000 service requests", text)
    return result


if __name__ == "__main__":
    main()
