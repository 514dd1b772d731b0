"""`python -m bench.api --quick` seeds, serves, measures and ends with the JSON line (shape only, no timings).

One worker configuration (2) is enough to keep the code path alive; the default run measures 1 and 2. The write
log's bookkeeping (window, stale reads, never shown) is checked on its own with made-up clock readings."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench.api_load import WriteLog

ROOT = Path(__file__).resolve().parents[2]


def test_quick_api_benchmark_prints_table_and_json():
    done = subprocess.run(
        [sys.executable, "-m", "bench.api", "--quick", "--workers", "2"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    figures = json.loads(lines[-1])
    assert {"feed_rps", "feed_p99_ms", "livez_rps", "ratio_feed_vs_livez"} <= set(figures)
    assert (figures["vehicles"], figures["open_suggestions"]) == (500, 100)
    for phase in ("livez", "feed", "feed_paced", "feed_writes"):
        assert figures[phase]["requests"] > 0 and figures[phase]["errors"] == 0, phase
        assert set(figures[phase]["cpu_ms"]) == {"api", "postgres", "client"}, phase
        assert figures[phase]["cpu_ms"]["api"] > 0, phase  # the server's processes were found and metered
    assert figures["ratio_feed_vs_livez"] == round(figures["feed_rps"] / figures["livez_rps"], 3)
    assert any(line.startswith("feed, 8 pollers") for line in lines)
    # The write phase: suggestions changed through core.bookings while polled, each seen by a poll of its center.
    writes = figures["feed_writes"]
    assert writes["writes"] > 0 and writes["write_errors"] == 0
    assert writes["window_ms"]["measured"] > 0 and writes["window_ms"]["p99"] >= 0
    assert {"stale_reads", "stale_lag_max_ms", "unseen"} <= set(writes)
    assert 0 < writes["cache_hit_rate"] <= 1  # read from the API's Cache-Status header
    assert figures["stale_window_p99_ms"] == writes["window_ms"]["p99"]
    assert figures["feed_writes_p99_ms"] == writes["p99_ms"]
    assert any(line.startswith("feed + writes, offered 50 req/s") for line in lines)


def test_write_log_times_the_first_poll_that_shows_a_write():
    log = WriteLog()
    shown = log.begin(center=3, suggestion_id=41)
    log.committed(shown, at=10.0)
    old_page = b'{"items":[{"id" : 4, "rank" : 1}]}'
    new_page = b'{"items":[{"id" : 4, "rank" : 1},{"id" : 41, "rank" : 1}]}'
    log.observe(3, old_page, sent=9.9, arrived=10.05)  # sent before the COMMIT: not a stale read
    log.observe(4, new_page, sent=10.1, arrived=10.2)  # another center's poll says nothing about center 3
    log.observe(3, old_page, sent=10.02, arrived=10.03)  # after the COMMIT, the old page: a stale read
    log.observe(3, new_page, sent=10.25, arrived=10.3)
    log.observe(3, new_page, sent=10.4, arrived=10.5)  # already seen: counted once
    early = log.begin(center=5, suggestion_id=7)  # shown before the writer's commit() returned
    log.observe(5, b'[{"id" : 7, "rank" : 1}]', sent=11.0, arrived=11.1)
    log.committed(early, at=11.2)
    log.committed(log.begin(center=6, suggestion_id=8), at=12.0)  # never polled
    log.failed(log.begin(center=6, suggestion_id=9))  # rolled back: neither a write nor pending
    summary = log.summary(seconds=2.0, centers=10)
    assert (summary["writes"], summary["write_errors"], summary["unseen"]) == (3, 1, 1)
    assert summary["stale_reads"] == 1 and summary["stale_lag_max_ms"] == 20.0
    assert summary["window_ms"] == {"measured": 2, "p50": 300.0, "p99": 300.0, "max": 300.0}
    assert sorted(log.windows) == pytest.approx([0.0, 0.3])
