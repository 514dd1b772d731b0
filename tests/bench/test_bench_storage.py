"""`python -m bench.storage --quick` runs end to end on plain PostgreSQL and the WASM TimescaleDB and reports."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench import wasm_timescale

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.timescale
def test_quick_storage_benchmark_prints_table_and_json():
    done = subprocess.run(
        [sys.executable, "-m", "bench.storage", "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    figures = json.loads(lines[-1])
    assert figures["rows"] == 20 * 3 * 24

    pg = figures["postgres"]
    assert pg["rows"] == figures["rows"]
    assert set(pg["index_bytes"]) == {
        "telemetry_vehicle_ts_key",
        "telemetry_ts_brin",
        "telemetry_received_brin",
    }
    assert pg["total_bytes"] >= pg["table_bytes"] + sum(pg["index_bytes"].values())
    assert pg["bytes_per_row"] == round(pg["total_bytes"] / pg["rows"], 1)
    assert any(line.startswith("  total") for line in lines)

    ts = figures["timescale"]
    if wasm_timescale.missing_runtime():
        assert ts is None
        return
    assert ts["rows"] == figures["rows"]
    assert ts["chunks"] == 3  # one chunk per day
    assert ts["uncompressed_bytes"] > 0 and ts["compressed_bytes"] > 0
    assert ts["compression_ratio"] == round(ts["uncompressed_bytes"] / ts["compressed_bytes"], 2)
    assert any("compression ratio" in line for line in lines)
