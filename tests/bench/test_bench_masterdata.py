"""`python -m bench.masterdata --quick` imports customers and vehicles, COPYs them, and reports both."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_quick_masterdata_benchmark_prints_table_and_json():
    done = subprocess.run(
        [sys.executable, "-m", "bench.masterdata", "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    figures = json.loads(lines[-1])
    assert figures["rows"] == 500
    assert set(figures["legs"]) == {"customers", "vehicles"}
    for leg in figures["legs"].values():
        assert leg["import_rows_per_s"] > 0 and leg["copy_rows_per_s"] > 0 and leg["import_over_copy"] > 0
    assert figures["rss_peak_mib"] >= figures["rss_before_mib"] > 0
    assert any(line.startswith("  total") for line in lines)
