"""`python -m bench.ingest --quick` runs end to end (so the benchmark cannot rot): the JSON line has every key and
nothing was lost or doubled. No timing assertions: the figures depend on the machine."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
KEYS = {
    "paho_msgs_per_s",
    "copy_rows_per_s",
    "naive_rows_per_s",
    "carecast_msgs_per_s_1",
    "carecast_rows_per_s_20",
    "ratio_msgs_vs_paho",
    "ratio_rows_vs_copy",
    "carecast_rows_per_s_20_two_ingesters",
    "lost",
    "duplicates",
    "peak_rss_mb",
    "latency_p50_ms",
    "latency_p99_ms",
}


def test_quick_benchmark_prints_a_complete_json_line(template_db):
    # template_db: makes sure the suite's PostgreSQL is up; the benchmark creates its own throwaway database.
    done = subprocess.run(
        [sys.executable, "-m", "bench.ingest", "--quick"],
        cwd=ROOT,
        env=os.environ,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result.keys() >= KEYS
    assert (result["lost"], result["duplicates"]) == (0, 0)
    assert all(result[k] > 0 for k in KEYS - {"lost", "duplicates"})
    assert "Carecast, 1 sample/message" in done.stdout
    decoding = result["decode_cpu_us_per_row"]
    assert set(decoding) == {"1", "20"}
    assert all(cost["typed"] > 0 and cost["per_sample"] > 0 for cost in decoding.values())


def test_rss_mode_drains_a_queue_and_reports_the_peak_rss(template_db):
    done = subprocess.run(
        [sys.executable, "-m", "bench.ingest", "--rss-messages", "1500"],
        cwd=ROOT,
        env=os.environ,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert (result["rss_messages"], result["lost"], result["duplicates"]) == (1500, 0, 0)
    assert result["peak_rss_mb"] > 0 and result["carecast_msgs_per_s_1"] > 0
