"""End-of-life forecast on real cell data: replay a capacity file as daily SOH readings and score the forecast.

The file has the columns ``battery_id, discharge_cycle, capacity_Ah`` (NASA Ames battery data set layout). Each
cycle is one day; SOH = capacity / rated * 100. For each cell and each k, the forecaster (``detection.eol``) sees
cycles 1..k and predicts the first cycle below the end-of-life threshold (70 % by default, NASA's definition);
the straight line through cycles 1..k is the reference. Prints a table, then one JSON line.

    python -m bench.backtest_battery --csv tests/detection/data/capacity_B0005_B0006.csv
"""

from __future__ import annotations

import argparse
import json
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
        for k in ks:
            if k >= len(x):
                continue
            f = forecast_eol(x[:k], y[:k], threshold=threshold)
            line = straight_line_eol(x[:k], y[:k], threshold=threshold)
            err = None if f is None or f.eol is None or truth is None else abs(f.eol - truth)
            line_err = None if line is None or truth is None else abs(line - truth)
            inside = None
            if f is not None and truth is not None and f.low is not None:
                inside = bool(f.low <= truth <= (f.high if f.high is not None else np.inf))
            out.append({
                "cell": str(cell), "k": k, "true_eol": truth, "predicted_eol": finite(f.eol if f else None),
                "low": finite(f.low if f else None), "high": finite(f.high if f else None),
                "abs_error": finite(err), "straight_line_eol": finite(line), "straight_line_abs_error": finite(line_err),
                "beats_straight_line": None if err is None or line_err is None else bool(err < line_err),
                "truth_in_interval": inside,
            })  # fmt: skip
    return out


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
        f"{'cell':<8}{'k':>4}{'true':>6}{'pred':>8}{'interval':>18}{'err':>7}{'line':>8}{'line err':>9}{'in':>4}"
    )
    for r in results:
        band = f"[{r['low']}, {r['high'] if r['high'] is not None else 'inf'}]"
        print(f"{r['cell']:<8}{r['k']:>4}{r['true_eol']!s:>6}{r['predicted_eol']!s:>8}{band:>18}{r['abs_error']!s:>7}"
              f"{r['straight_line_eol']!s:>8}{r['straight_line_abs_error']!s:>9}{'y' if r['truth_in_interval'] else 'n':>4}")  # fmt: skip
    print(json.dumps({"threshold": args.threshold, "results": results}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
