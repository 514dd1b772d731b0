"""End-of-life forecast on real NASA Ames cells (B0005, B0006, B0007, B0018; see tests/detection/data/README.nasa-battery.md)
scored by ``carecast evaluate-battery`` with the EV battery rule's forecaster, and the evaluation's data checks."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bench.backtest_battery import DEFAULT_FILES, evaluate, first_below, main
from bench.backtest_battery_calibrate import Scored, conformal_spread, leave_one_cell_out, score
from bench.backtest_battery_report import summarize
from domain.soh_trend import HORIZON_SPREAD, cycle_crossing

DATA = Path(__file__).parents[1] / "detection" / "data"
GRID = [40, 50, 60, 70, 80, 90, 100]


@pytest.fixture(scope="module")
def grid() -> dict[tuple[str, int], object]:
    frame = pd.concat([pd.read_csv(p) for p in DEFAULT_FILES], ignore_index=True)
    rows, problems = evaluate(frame, ks=GRID, rated_ah=2.0, threshold=70.0)
    assert problems == []
    return {(r.cell, r.k): r for r in rows}


def test_true_end_of_life_and_the_straight_line_match_the_readme(grid):
    assert [grid[(c, 80)].true_eol for c in ("B0005", "B0006", "B0018")] == [125, 109, 97]
    assert grid[("B0005", 80)].straight_line_abs_error == 20.0
    assert grid[("B0006", 100)].straight_line_abs_error == 10.1
    assert grid[("B0018", 60)].straight_line_abs_error == 9.7


def test_the_grid_figures_the_docs_report(grid):
    # docs/detection.md, "EV end of life on real cells": 27 forecasts (B0018 at k = 100 has crossed already).
    s = summarize(list(grid.values()))
    assert s["forecasts"] == 27 and s["without_forecast"] == 0
    assert s["median_abs_error"] <= 0.8 * s["straight_line_median_abs_error"]
    # the trend and the exponential fade combined (domain/soh_trend.py, "Combination"): a margin of one forecast
    assert (s["wins"], s["losses"]) == (12, 11)
    assert s["truth_in_interval"] >= 0.9 * s["forecasts"]
    # the interval's horizon spread is the one chosen here, and holds on the cells it was not chosen on
    assert s["conformal_spread"] == HORIZON_SPREAD
    assert s["held_out_truth_in_interval"] >= 0.9 * s["forecasts"]
    assert [(h["cell"], h["held"], h["forecasts"]) for h in s["held_out"]] == [
        ("B0005", 5, 7), ("B0006", 7, 7), ("B0007", 7, 7), ("B0018", 6, 6)
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        ([0.0] * 9 + [0.5], 0.5),  # ceil(11 * 0.9) = 10th of 10
        ([0.0] * 18 + [0.3, 0.7], 0.3),  # 19th of 20
        ([0.1, 0.2], None),  # too few for 90 %
        ([], None),
    ],
)
def test_the_conformal_spread_is_the_quantile_of_the_scores(scores, expected):
    assert conformal_spread(scores) == expected


def test_leave_one_cell_out_chooses_without_the_held_out_cell():
    scored = [Scored("A", 0.0)] * 10 + [Scored("B", 0.0)] * 9 + [Scored("B", 0.4)] + [Scored("C", 0.9)] * 3
    held = {h.cell: (h.spread, h.held, h.forecasts) for h in leave_one_cell_out(scored)}
    assert held["A"] == (0.9, 10, 10)  # B and C: 13 scores, the 13th smallest
    assert held["C"] == (0.0, 0, 3)  # A and B: 20 scores, the 19th smallest is 0.0; C's 0.9 are not held


def test_the_needed_spread_is_the_least_that_holds_the_truth():
    x = np.arange(1.0, 41.0)
    y = 100.0 - 0.5 * x  # crosses 70 % at cycle 61 (60 is 70.0, not below)
    assert score(x, y, truth=61.0, after=41.0, threshold=70.0) == 0.0
    late = score(x, y, truth=75.0, after=41.0, threshold=70.0)
    assert 0.0 < late < 1.0
    f = cycle_crossing(x, y, threshold=70.0, spread=late)
    assert f is not None and f.high is not None and f.high >= 75.0
    assert score(x, y, truth=5000.0, after=41.0, threshold=70.0) == float("inf")


def test_the_interval_reaches_past_the_largest_recovery(grid):
    # B0006 after k = 70 crosses late (109) through the largest recovery in the file (+7.6 at cycle 90): the point
    # forecast is early, the band's late end holds it because recoveries as large as those seen may come again.
    for k in (70, 80, 90):
        r = grid[("B0006", k)]
        assert r.predicted_eol < 100 and r.truth_in_interval is True


def test_a_cell_that_never_reaches_end_of_life_is_scored_by_bounds(grid):
    # B0007 stays above 1.4 Ah for all 168 cycles: its end of life is only known to lie after cycle 168.
    for k in (60, 80, 100):
        r = grid[("B0007", k)]
        assert r.true_eol is None and r.eol_after == 169.0 and r.past is False
        assert r.abs_error == max(0.0, round(169.0 - r.predicted_eol, 1))  # a lower bound on the error
        assert r.truth_in_interval is bool(r.high is None or r.high >= 169.0)
    # a forecast after the last cycle may be right, and so may the straight line's: no winner is declared
    assert grid[("B0007", 60)].abs_error == 0.0 and grid[("B0007", 60)].beats_straight_line is None


def test_an_end_of_life_already_in_the_data_is_not_a_forecast(grid):
    r = grid[("B0018", 100)]
    assert r.past is True and r.beats_straight_line is None


def test_forecaster_rides_over_recoveries_on_a_synthetic_cell():
    x = np.arange(1, 201, dtype="float64")
    y = 100.0 - 0.2 * x
    for start in range(25, 200, 40):  # a 3-point recovery every 40 cycles, gone after 6
        y[start : start + 6] += np.linspace(3.0, 0.5, 6)
    truth = first_below(x, y, threshold=70.0)
    f = cycle_crossing(x[:100], y[:100], threshold=70.0)
    assert f is not None and f.cycle is not None and f.low is not None and f.high is not None
    assert f.low <= truth <= f.high and abs(f.cycle - truth) < 10


def cell(capacity: list[float], name: str = "X1") -> pd.DataFrame:
    return pd.DataFrame(
        {"battery_id": name, "discharge_cycle": range(1, len(capacity) + 1), "capacity_Ah": capacity}
    )


FADE = list(1.9 - 0.006 * np.arange(120))  # crosses 1.4 Ah (70 %) at cycle 85


@pytest.mark.parametrize(
    ("case", "bad", "problem"),
    [
        ("zero capacity", {0: 0.0, 1: 0.0}, "zero or negative capacity"),
        ("negative capacity", {0: -1.2}, "zero or negative capacity"),
        ("far above rated", {3: 19.0}, "capacity above 120% of the rated 2 Ah"),
    ],
)
def test_implausible_readings_are_data_problems_not_an_end_of_life(case, bad, problem):
    capacity = FADE.copy()
    for i, v in bad.items():
        capacity[i] = v
    rows, problems = evaluate(cell(capacity), ks=[40], rated_ah=2.0, threshold=70.0)
    assert [p.problem.split(" (")[0] for p in problems] == [problem], case
    assert problems[0].cycles == [i + 1 for i in bad], case
    (r,) = rows
    assert r.true_eol == 85 and r.past is False and r.predicted_eol is not None and r.predicted_eol > 40, case


def test_a_file_of_a_few_cycles_is_reported_not_scored():
    rows, problems = evaluate(cell(FADE[:6], "SHORT"), ks=[3, 40], rated_ah=2.0, threshold=70.0)
    assert rows == []
    assert [(p.cell, p.problem) for p in problems] == [
        ("SHORT", "only 6 usable cycles, 20 needed: not scored")
    ]


def test_the_command_prints_problems_and_the_summary(tmp_path, capsys):
    path = tmp_path / "cells.csv"
    pd.concat([cell(FADE), cell([1.8, 0.0, 1.79], "SHORT")]).to_csv(path, index=False)
    assert main(["--csv", str(path), "--k", "40", "60"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert "data quality: SHORT: zero or negative capacity (left out) (cycles 2)" in out
    assert "data quality: SHORT: only 2 usable cycles, 20 needed: not scored" in out
    assert out[-2].startswith("2 forecasts: median error ")
    last = json.loads(out[-1])
    assert [r["k"] for r in last["results"]] == [40, 60] and len(last["data_quality"]) == 2


@pytest.mark.parametrize(
    ("case", "content", "message"),
    [
        ("missing column", "battery_id,discharge_cycle,cap\nB1,1,1.8\n", "missing columns ['capacity_Ah']"),
        ("no numbers", "battery_id,discharge_cycle,capacity_Ah\nB1,1,full\nB1,2,empty\n", "column capacity_Ah holds no numbers"),
        ("empty file", "", "not a capacity table (No columns to parse from file)"),
        ("not a table", 'a,b\n"unclosed,1\n', "not a capacity table"),
        ("no rows", "battery_id,discharge_cycle,capacity_Ah\n", "no rows"),
    ],
)  # fmt: skip
def test_a_malformed_file_gives_one_line_and_exit_2(tmp_path, capsys, case, content, message):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    assert main(["--csv", str(path)]) == 2, case
    captured = capsys.readouterr()
    assert captured.out == "", case
    (line,) = captured.err.strip().splitlines()
    assert line.startswith(f"carecast evaluate-battery: {path}") and message in line, case


def test_the_default_files_are_the_four_nasa_cells():
    assert [p.name for p in DEFAULT_FILES] == ["capacity_B0005_B0006.csv", "capacity_B0007_B0018.csv"]
    assert all(p.parent == DATA for p in DEFAULT_FILES)
