"""The soak bench's pure parts (bench/bench_soak.py): its options among `python -m bench`'s
arguments, the --until moment, and the arithmetic of a minute's row and of the verdicts.
No server runs here; the soak itself is run by hand (`python -m bench soak`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from bench.bench_soak import Options, growth, minute_row, parse_args, stop_at, summarize


def test_options_among_the_runners_arguments() -> None:
    # `python -m bench soak --minutes 2` reaches the bench with the name and --write-docs.
    assert parse_args(["soak", "--minutes", "2", "--write-docs"]) == Options(minutes=2.0)
    options = parse_args(["--no-docs", "--minutes=0.5", "--subscribers", "20", "--share", "0.5"])
    assert (options.minutes, options.subscribers, options.share) == (0.5, 20, 0.5)
    assert parse_args(["soak", "--until", "18:15", "--report-only"]).until == "18:15"
    assert parse_args(["soak"]).minutes == 30.0


@pytest.mark.parametrize(
    "argv",
    [
        ["--minutes", "0"],
        ["--minutes", "-1"],
        ["--minutes", "ten"],
        ["--share", "1.5"],
        ["--share", "0"],
        ["--subscribers", "-1"],
        ["--until", "25:00"],
        ["--until", "soon"],
    ],
)
def test_bad_options_are_refused(argv: list[str]) -> None:
    with pytest.raises(SystemExit):
        parse_args(["soak", *argv])


def test_until_is_the_next_such_moment_in_utc() -> None:
    before = datetime(2026, 12, 5, 17, 40, tzinfo=UTC)
    assert stop_at("18:20", before) == datetime(2026, 12, 5, 18, 20, tzinfo=UTC)
    after = datetime(2026, 12, 5, 18, 30, tzinfo=UTC)
    assert stop_at("18:20", after) == datetime(2026, 12, 6, 18, 20, tzinfo=UTC)
    assert stop_at(None, before) is None


def _loadgen(times: dict[str, list[float]], statuses: dict[str, dict[str, int]]) -> dict[str, Any]:
    errors = {k: sum(n for s, n in v.items() if s != "200") for k, v in statuses.items()}
    return {"elapsed": 50.0, "times": times, "statuses": statuses, "errors": errors, "samples": []}


def test_a_minute_counts_5xx_apart_from_other_errors() -> None:
    times = {"feed": [0.010] * 100, "write": [0.100] * 97 + [1.000] * 3}
    statuses = {"feed": {"200": 98, "502": 1, "conn": 1}, "write": {"200": 99, "503": 1}}
    row = minute_row(3, _loadgen(times, statuses), target_rps=4.0)
    assert row["minute"] == 3
    assert row["requests"] == 200
    assert row["rps"] == pytest.approx(4.0)
    assert row["http_5xx"] == 2  # 502 and 503, not the failed connection
    assert row["connection_errors"] == 1
    assert row["errors"] == 3
    assert row["by_kind"] == {"feed": 100, "write": 100}
    # Of every request, both kinds together: the writes' tail is the minute's p99.
    assert row["p50_ms"] == pytest.approx(100.0)
    assert row["p99_ms"] == pytest.approx(1000.0)


def test_a_minute_without_answers_has_no_percentiles() -> None:
    row = minute_row(1, _loadgen({"feed": []}, {"feed": {"conn": 16}}), target_rps=10.0)
    assert (row["requests"], row["p50_ms"], row["p99_ms"], row["errors"]) == (0, None, None, 16)


def _row(minute: int, api: float, worker: float, connections: int, **extra: Any) -> dict[str, Any]:
    return {
        "minute": minute,
        "requests": 100,
        "http_5xx": 0,
        "errors": 0,
        "p99_ms": 100.0 + minute,
        "rss_api_mib": api,
        "rss_worker_mib": worker,
        "pg_connections": connections,
        **extra,
    }


def test_verdicts_from_minute_one_to_the_last() -> None:
    rows = [_row(1, 200.0, 150.0, 18), _row(2, 230.0, 140.0, 19), _row(3, 208.0, 153.0, 18)]
    s = summarize(rows)
    # From minute 1 (not the highest minute) to the last.
    assert s["rss_api_growth"] == pytest.approx(4.0)
    assert s["rss_worker_growth"] == pytest.approx(2.0)
    assert s["goal_rss"] and s["goal_5xx"]
    assert (s["requests"], s["minutes"]) == (300, 3)
    assert (s["p99_first_ms"], s["p99_last_ms"], s["p99_max_ms"]) == (101.0, 103.0, 103.0)
    assert (s["connections_min"], s["connections_max"], s["connections_stable"]) == (18, 19, True)
    # One more connection for a minute late in the run (one recycled) is no trend.
    spike = [_row(m, 200.0, 150.0, c) for m, c in ((1, 18), (2, 18), (3, 19), (4, 18))]
    assert summarize(spike)["connections_stable"]


def test_a_leak_a_5xx_and_growing_connections_fail_their_goals() -> None:
    rows = [_row(1, 200.0, 150.0, 18), _row(2, 205.0, 150.0, 20), _row(3, 211.0, 151.0, 24)]
    rows[1]["http_5xx"] = 2
    s = summarize(rows)
    assert s["rss_api_growth"] == pytest.approx(5.5)
    assert not s["goal_rss"]
    assert s["http_5xx"] == 2 and not s["goal_5xx"]
    assert not s["connections_stable"]
    assert growth(0.0, 10.0) == 0.0
