"""End-of-life forecast on real cell data: replay a capacity file as daily SOH readings and score the forecast.

The file has the columns ``battery_id, discharge_cycle, capacity_Ah`` (NASA Ames battery data set layout). Each
cycle is one day; SOH = capacity / rated * 100. For each cell and each k, the forecaster (``domain.soh_eol``) sees
cycles 1..k and predicts the first cycle below the end-of-life threshold (70 % by default, NASA's definition);
the straight line through cycles 1..k is the reference. Prints a table, then one JSON line.

A cell that never drops below the threshold in the file (NASA B0007 at 70 %) has no known end of life, only a
bound: it lies after the last cycle. Errors there are lower bounds (a forecast before the last cycle is wrong by at
least the distance to it; one after it may be right) and the interval holds the truth when its late end reaches past
the file. A k at or after the end of life is not a forecast (the crossing is in the data): such rows are marked
``past`` and left out of the comparison with the straight line.

    carecast evaluate-battery --csv tests/detection/data/capacity_B0005_B0006.csv   # = python -m bench.backtest_battery
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click
import numpy as np
import pandas as pd

from core.cli import CONTEXT_SETTINGS, run_command
from domain.soh_eol import first_below, forecast_eol, straight_line_eol

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


def finite(value: float | None) -> float | None:
    """Return `value` rounded to 0.1, or None when missing or infinite."""
    return None if value is None or not math.isfinite(value) else round(value, 1)


def _error(predicted: float | None, truth: float | None, after: float) -> float | None:
    """Return |predicted - truth|, or without a known truth the least error the forecast can have (0 if after)."""
    if predicted is None or not math.isfinite(predicted):
        return None
    return abs(predicted - truth) if truth is not None else max(0.0, after - predicted)


class _SeveralK(click.Command):
    """Reads ``--k 60 80 100`` (several values after one flag, as the documented runs write it) as ``--k`` each."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """Repeat --k before every further value that follows it, then parse as click does."""
        out: list[str] = []
        after_k = 0
        for arg in args:
            if after_k and not arg.startswith("-"):
                out += ["--k", arg] if after_k > 1 else [arg]
                after_k += 1
                continue
            after_k = 1 if arg == "--k" else 0
            out.append(arg)
        return super().parse_args(ctx, out)


@click.command(name="evaluate-battery", cls=_SeveralK, context_settings=CONTEXT_SETTINGS)
@click.option(
    "--csv",
    "csv_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Capacity file with the columns battery_id, discharge_cycle, capacity_Ah.",
)
@click.option(
    "--k",
    "ks",
    type=int,
    multiple=True,
    default=(60, 80, 100),
    show_default=True,
    help="Cycles seen before forecasting; several as --k 60 80 100.",
)
@click.option(
    "--rated-ah", type=float, default=2.0, show_default=True, help="Rated capacity of a cell in Ah."
)
@click.option("--threshold", type=float, default=70.0, show_default=True, help="End of life, percent SOH.")
@click.option("--json", "as_json", is_flag=True, help="Print only the JSON line.")  # fmt: skip
def command(csv_path: Path, ks: tuple[int, ...], rated_ah: float, threshold: float, as_json: bool) -> int:
    """Score the battery end-of-life forecast on cell data.

    Replays a capacity file (NASA Ames battery data set layout; one cycle is one day, SOH = capacity / rated
    capacity) and, for each cell and each --k, forecasts the first cycle below --threshold from the first k
    cycles, next to the straight line through them. Prints a table, then one JSON line.
    """
    try:
        results = evaluate(pd.read_csv(csv_path), ks=list(ks), rated_ah=rated_ah, threshold=threshold)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--csv") from exc
    if not as_json:
        _print_table(results)
    print(json.dumps({"threshold": threshold, "results": results}))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Print the per-cell table and a JSON line."""
    return run_command(command, argv)


def _print_table(results: list[dict[str, Any]]) -> None:
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


if __name__ == "__main__":
    sys.exit(main())
