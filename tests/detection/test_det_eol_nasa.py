"""End-of-life forecast on real NASA Ames cells (B0005, B0006; see data/README.nasa-battery.md for the source)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bench.backtest_battery import evaluate
from detection.eol import first_below, forecast_eol

CSV = Path(__file__).parent / "data" / "capacity_B0005_B0006.csv"


@pytest.fixture(scope="module")
def results() -> dict[tuple[str, int], dict]:
    rows = evaluate(pd.read_csv(CSV), ks=[60, 80, 100], rated_ah=2.0, threshold=70.0)
    return {(r["cell"], r["k"]): r for r in rows}


def test_true_end_of_life_matches_the_readme(results):
    assert results[("B0005", 80)]["true_eol"] == 125 and results[("B0006", 80)]["true_eol"] == 109
    # the straight-line reference figures of the README
    assert results[("B0005", 80)]["straight_line_abs_error"] == 20.0
    assert results[("B0006", 100)]["straight_line_abs_error"] == 10.1


@pytest.mark.parametrize("cell", ["B0005", "B0006"])
@pytest.mark.parametrize("k", [80, 100])
def test_forecast_beats_the_straight_line_and_its_interval_holds_the_truth(results, cell, k):
    r = results[(cell, k)]
    assert r["abs_error"] < r["straight_line_abs_error"]
    assert r["truth_in_interval"] is True


def test_forecaster_ignores_recoveries_on_a_synthetic_cell():
    x = np.arange(1, 201, dtype="float64")
    y = 100.0 - 0.2 * x
    for start in range(25, 200, 40):  # a 3-point recovery every 40 cycles, gone after 6
        y[start : start + 6] += np.linspace(3.0, 0.5, 6)
    truth = first_below(x, y, threshold=70.0)
    f = forecast_eol(x[:100], y[:100], threshold=70.0)
    assert f is not None and f.low <= truth <= f.high
    assert abs(f.eol - truth) < 15


def test_any_file_with_the_same_columns_is_accepted(tmp_path):
    frame = pd.read_csv(CSV)
    other = frame[frame["battery_id"] == "B0005"].assign(battery_id="B0018")
    assert [r["cell"] for r in evaluate(other, ks=[80], rated_ah=2.0, threshold=70.0)] == ["B0018"]
    with pytest.raises(ValueError, match="missing columns"):
        evaluate(frame.rename(columns={"capacity_Ah": "cap"}), ks=[80], rated_ah=2.0, threshold=70.0)
