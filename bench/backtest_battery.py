"""End-of-life forecast on real cell data: replay a capacity file as daily SOH readings and score the forecast.

The file has the columns ``battery_id, discharge_cycle, capacity_Ah`` (NASA Ames battery data set layout). Each
cycle is one day; SOH = capacity / rated * 100. For each cell and each k, the forecaster (``detection.eol``) sees
cycles 1..k and predicts the first cycle below the end-of-life threshold (70 % by default, NASA's definition);
the straight line through cycles 1..k is the reference. Prints a table, then one JSON line.

A cell that never drops below the threshold in the file (NASA B0007 at 70 %) has no known end of life, only a
bound: it lies after the last cycle. Errors there are lower bounds (a forecast before the last cycle is wrong by at
least the distance to it; one after it may be right) and the interval holds the truth when its late end reaches past
the file. A k at or after the end of life is not a forecast (the crossing is in the data): such rows are marked
``past`` and left out of the comparison with the straight line.

    python -m bench.backtest_battery --csv tests/detection/data/capacity_B0005_B0006.csv
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from detection.eol import finite, first_below, forecast_eol, straight_line_eol

COLUMNS = ("battery_id", "discharge_cycle", "capacity_Ah")


def evaluate(frame: pd.DataFrame, *, ks: list[int], rated_ah: float, threshold: float) -> list[dict]:
    """Return one result per cell and k: truth, forecast, interval, errors of the forecast and the straight line."""
    missing = set(COLUMNS) - set(frame.columns)
    if missing:
        raise ValueError(f"missing columns {sorted(missing)}; expected {COLUMNS}")
    out = []
    for cell, rows in frame.sort_values(["battery_id", "discharge_cycle"]).groupby("battery_id", sort=True):
        x = rows["discharge_cycle"].to_numpy(dtype="float64")
        y = rows["capacity_Ah"].to_numpy(dtype="float64") / rated_ah * 100.0
        truth = first_below(x, y, threshold=threshold)
        after = float(x[-1]) + 1.0  # without a crossing in the file, the end of life is at least this
        for k in ks:
            if k >= len(x):
                continue
            f = forecast_eol(x[:k], y[:k], threshold=threshold)
            line = straight_line_eol(x[:k], y[:k], threshold=threshold)
            err = _error(f.eol if f else None, truth, after)
            line_err = _error(line, truth, after)
            past = bool(truth is not None and truth <= x[k - 1])
            beats = None
            if (
                not past
                and err is not None
                and line_err is not None
                and (truth is not None or err != line_err)
            ):
                beats = bool(err < line_err)
            inside = None
            if f is not None and f.low is not None:
                late = f.high if f.high is not None else np.inf
                inside = bool(f.low <= truth <= late) if truth is not None else bool(late >= after)
            out.append({
                "cell": str(cell), "k": k, "true_eol": truth, "eol_after": None if truth is not None else after,
                "past": past, "predicted_eol": finite(f.eol if f else None),
                "low": finite(f.low if f else None), "high": finite(f.high if f else None),
                "abs_error": finite(err), "straight_line_eol": finite(line), "straight_line_abs_error": finite(line_err),
                "beats_straight_line": beats, "truth_in_interval": inside,
            })  # fmt: skip
    return out


def _error(predicted: float | None, truth: float | None, after: float) -> float | None:
    """Return |predicted - truth|, or without a known truth the least error the forecast can have (0 if after)."""
    if predicted is None or not math.isfinite(predicted):
        return None
    return abs(predicted - truth) if truth is not None else max(0.0, after - predicted)


def main(argv: list[str] | None = None) -> int:
    """Print the per-cell table and a JSON line."""
    p = argparse.ArgumentParser(prog="python -m bench.backtest_battery", description=__doc__.split("\n\n")[0])
    p.add_argument("--csv", type=Path, required=True)
    p.add_argument("--k", type=int, nargs="+", default=[60, 80, 100], help="cycles seen before forecasting")
    p.add_argument("--rated-ah", type=float, default=2.0)
    p.add_argument("--threshold", type=float, default=70.0, help="end of life, percent SOH")
    args = p.parse_args(argv)
    results = evaluate(pd.read_csv(args.csv), ks=args.k, rated_ah=args.rated_ah, threshold=args.threshold)
    print(
        f"{'cell':<8}{'k':>4}{'true':>9}{'pred':>8}{'interval':>18}{'err':>7}{'line':>8}{'line err':>9}{'in':>4}"
    )
    for r in results:
        band = f"[{r['low']}, {r['high'] if r['high'] is not None else 'inf'}]"
        # without a crossing in the file, the truth and the errors are bounds
        bound = "" if r["true_eol"] is not None else ">="
        true = f"{bound}{r['eol_after'] if bound else r['true_eol']}"
        err, line_err = (
            f"{bound}{r[c]}" if r[c] is not None else "None" for c in ("abs_error", "straight_line_abs_error")
        )
        note = "  past (crossed at or before k)" if r["past"] else ""
        print(f"{r['cell']:<8}{r['k']:>4}{true:>9}{r['predicted_eol']!s:>8}{band:>18}{err:>7}"
              f"{r['straight_line_eol']!s:>8}{line_err:>9}{'y' if r['truth_in_interval'] else 'n':>4}{note}")  # fmt: skip
    print(json.dumps({"threshold": args.threshold, "results": results}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
