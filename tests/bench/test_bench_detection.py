"""`python -m bench.detection --quick` backfills a small fleet, times full and incremental passes, and reports."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_quick_detection_benchmark_prints_table_and_json():
    done = subprocess.run(
        [sys.executable, "-m", "bench.detection", "--quick"],
        cwd=ROOT, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    out = json.loads(lines[-1])
    assert out["vehicles"] == 200 and out["days"] == 30 and out["telemetry_rows"] > 0
    passes = out["passes"]
    assert set(passes) == {
        "first",
        "full",
        "incremental_1pct",
        "full_1pct",
        "incremental_10pct",
        "full_10pct",
    }
    for name in ("first", "full", "full_1pct", "full_10pct"):
        assert passes[name]["scope"] == "all" and passes[name]["vehicles"] == 200, name
        assert passes[name]["failed_rules"] == [], name
    # Only the vehicles that got new data are judged, and all of them are (a picked car that was silent on the
    # last day gets no new rows).
    for name, picked in (("incremental_1pct", 2), ("incremental_10pct", 20)):
        inc = passes[name]
        assert inc["scope"] == "changed" and inc["picked"] == picked and 0 < inc["changed"] <= picked, name
        assert inc["vehicles"] == inc["changed"], name
        assert inc["rows_added"] > 0 and inc["rows"] < passes["full"]["rows"]
        assert set(inc["phases_ms"]) >= {"refresh", "load", "guard", "rules", "save"}
    assert out["baseline_load"]["rows"] == passes["first"]["rows"]
    assert out["ratio_full_over_incremental_1pct"] > 0 and out["peak_rss_mb"] > 0
    assert any(line.startswith("full/incremental:") for line in lines)


def test_quick_sharded_benchmark_runs_two_workers_and_takes_over_a_killed_ones_shard():
    done = subprocess.run(
        [sys.executable, "-m", "bench.detection", "--quick", "--shards", "2", "--kill-one"],
        cwd=ROOT, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    out = json.loads(lines[-1])
    assert out["vehicles"] == 200 and out["risks"] > 0 and out["one_worker"]["returncode"] == 0
    for name in ("sharded", "killed"):
        run = out[name]
        assert run["state"] == "done" and run["shards"] == 2 and run["vehicles"] == 200, name
        assert sorted(run["shard_vehicles"]) == [100, 100] and run["same_risks_as_one_worker"], name
        assert len(run["workers"]) == 2 and all(w["peak_rss_mb"] > 0 for w in run["workers"]), name
        assert run["ratio_seconds_to_one_worker"] > 0, name
    assert out["sharded"]["attempts"] == [1, 1] and out["sharded"]["takeovers"] == 0
    killed = out["killed"]
    # The victim was frozen and checked to hold an unfinished shard before the SIGKILL; a survivor redid it.
    assert killed["kill"]["mid_shard"] and killed["takeovers"] == 1 and killed["takeover_s"] > 0
    assert killed["attempts"][killed["kill"]["shard"]] == 2
    assert [w["killed"] for w in killed["workers"]].count(True) == 1
    assert any(line.startswith("killed:") for line in lines)
