"""`python -m bench.api --quick` seeds, serves, measures and ends with the JSON line (shape only, no timings).

One worker configuration (2) is enough to keep the code path alive; the default run measures 1 and 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

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
    for phase in ("livez", "feed", "feed_paced"):
        assert figures[phase]["requests"] > 0 and figures[phase]["errors"] == 0, phase
        assert set(figures[phase]["cpu_ms"]) == {"api", "postgres", "client"}, phase
        assert figures[phase]["cpu_ms"]["api"] > 0, phase  # the server's processes were found and metered
    assert figures["ratio_feed_vs_livez"] == round(figures["feed_rps"] / figures["livez_rps"], 3)
    assert any(line.startswith("feed, 8 pollers") for line in lines)
