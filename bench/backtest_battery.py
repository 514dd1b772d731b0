"""End-of-life forecast on real cell data: replay capacity files as daily SOH readings and score the forecast.

A file has the columns ``battery_id, discharge_cycle, capacity_Ah`` (NASA Ames battery data set layout). Each cycle
is one day; SOH = capacity / rated * 100. For each cell and each k, the product's forecaster
(``domain.soh_trend.cycle_crossing``, the one the EV battery rule and the owner's chart use) sees cycles 1..k and
predicts the first cycle below the end-of-life threshold (70 % by default, NASA's definition); the least-squares
line through cycles 1..k is the reference. Prints a table, a data-quality list and a summary, then one JSON line.

A cell that never drops below the threshold in the file (NASA B0007 at 70 %) has no known end of life, only a
bound: it lies after the last cycle. Errors there are lower bounds (a forecast before the last cycle is wrong by at
least the distance to it; one after it may be right) and the interval holds the truth when its late end reaches past
the file. A k at or after the end of life is not a forecast (the crossing is in the data): such rows are marked
``past`` and left out of the comparison with the straight line.

Readings no cell can give (zero or negative capacity, more than `MAX_RATED_SHARE` of the rated capacity, a cycle
listed twice) are data-quality problems: left out and reported, never an end of life. A cell with fewer than
`MIN_CYCLES` usable cycles is reported and not scored.

    carecast evaluate-battery --k 40 50 60 70 80 90 100   # the four NASA cells; = python -m bench.backtest_battery
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Sequence
from pathlib import Path

import click
import numpy as np
import pandas as pd

from bench.backtest_battery_calibrate import score
from bench.backtest_battery_report import (
    CellResult,
    QualityProblem,
    check_quality,
    print_table,
    summarize,
)
from core.cli import CONTEXT_SETTINGS, run_command
from core.cli_errors import InvalidInput
from domain.soh_trend import cycle_crossing

DATA = Path(__file__).resolve().parents[1] / "tests" / "detection" / "data"
DEFAULT_FILES = (DATA / "capacity_B0005_B0006.csv", DATA / "capacity_B0007_B0018.csv")


def evaluate(
    frame: pd.DataFrame, *, ks: list[int], rated_ah: float, threshold: float
) -> tuple[list[CellResult], list[QualityProblem]]:
    """Return one result per cell and k (truth, forecast, interval, errors of both forecasts) and the data problems.

    Raises ValueError when the frame lacks a column or a cell's readings cannot be read as numbers at all."""
    cells, problems = check_quality(frame, rated_ah=rated_ah)
    out = []
    for cell, (x, cap) in cells.items():
        y = cap / rated_ah * 100.0
        truth = first_below(x, y, threshold=threshold)
        after = float(x[-1]) + 1.0  # without a crossing in the file, the end of life is at least this
        for k in ks:
            if k >= len(x):
                continue
            f = cycle_crossing(x[:k], y[:k], threshold=threshold)
            pred, low, high = (f.cycle, f.low, f.high) if f is not None else (None, None, None)
            line = straight_line_eol(x[:k], y[:k], threshold=threshold)
            err, line_err = _error(pred, truth, after), _error(line, truth, after)
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
            if low is not None:
                late = high if high is not None else math.inf
                inside = bool(low <= truth <= late) if truth is not None else bool(late >= after)
            spread = None if past else score(x[:k], y[:k], truth=truth, after=after, threshold=threshold)
            out.append(CellResult(
                cell=cell, k=k, true_eol=truth, eol_after=None if truth is not None else after, past=past,
                predicted_eol=finite(pred), low=finite(low), high=finite(high), abs_error=finite(err),
                straight_line_eol=finite(line), straight_line_abs_error=finite(line_err),
                beats_straight_line=beats, truth_in_interval=inside, spread_needed=None if spread is None or math.isinf(spread) else spread,
            ))  # fmt: skip
    return out, problems


def straight_line_eol(x: np.ndarray, y: np.ndarray, *, threshold: float) -> float | None:
    """Return where a least-squares line through all readings crosses `threshold` (the reference baseline)."""
    slope, intercept = np.polyfit(np.asarray(x, dtype="float64"), np.asarray(y, dtype="float64"), 1)
    return float((threshold - intercept) / slope) if slope < 0 else None


def first_below(x: np.ndarray, y: np.ndarray, *, threshold: float) -> float | None:
    """Return the first x whose reading is below `threshold` (the true end of life), or None."""
    below = np.flatnonzero(np.asarray(y) < threshold)
    return float(np.asarray(x)[below[0]]) if len(below) else None


def finite(value: float | None) -> float | None:
    """Return `value` rounded to 0.1, or None when missing or infinite."""
    return None if value is None or not math.isfinite(value) else round(value, 1)


def _error(predicted: float | None, truth: float | None, after: float) -> float | None:
    """Return |predicted - truth|, or without a known truth the least error the forecast can have (0 if after)."""
    if predicted is None or not math.isfinite(predicted):
        return None
    return abs(predicted - truth) if truth is not None else max(0.0, after - predicted)


def read_capacity(paths: Sequence[Path]) -> pd.DataFrame:
    """Return the rows of all files; a file that cannot be read as such a table raises InvalidInput (one line)."""
    frames = []
    for path in paths:
        try:
            frames.append(pd.read_csv(path))
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, OSError) as exc:
            problem = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise InvalidInput(f"{path}: not a capacity table ({problem})") from exc
    return pd.concat(frames, ignore_index=True)


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
    "csv_paths",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Capacity file with the columns battery_id, discharge_cycle, capacity_Ah; repeat for several "
    "(default: the four NASA cells in tests/detection/data).",
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
def command(
    csv_paths: tuple[Path, ...], ks: tuple[int, ...], rated_ah: float, threshold: float, as_json: bool
) -> int:
    """Score the battery end-of-life forecast on cell data.

    Replays capacity files (NASA Ames battery data set layout; one cycle is one day, SOH = capacity / rated
    capacity) and, for each cell and each --k, forecasts the first cycle below --threshold from the first k
    cycles with the EV battery rule's forecaster, next to the straight line through them. Implausible readings
    are reported as data-quality problems and left out. Prints a table and a summary, then one JSON line.
    """
    if rated_ah <= 0:
        raise InvalidInput(f"--rated-ah must be positive, got {rated_ah}")
    frame = read_capacity(csv_paths or DEFAULT_FILES)
    try:
        results, problems = evaluate(frame, ks=list(ks), rated_ah=rated_ah, threshold=threshold)
    except ValueError as exc:
        raise InvalidInput(f"{', '.join(map(str, csv_paths or DEFAULT_FILES))}: {exc}") from exc
    summary = summarize(results)
    if not as_json:
        print_table(results, problems, summary)
    print(json.dumps({
        "threshold": threshold, "summary": summary, "results": [r.as_json() for r in results],
        "data_quality": [p.as_json() for p in problems],
    }))  # fmt: skip
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Print the per-cell table, the data problems and the summary, then a JSON line."""
    return run_command(command, argv)


if __name__ == "__main__":
    sys.exit(main())
