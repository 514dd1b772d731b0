"""The cell evaluation's shapes and checks (``bench.backtest_battery``): readings no cell can give, the result of one
forecast, the summary over a grid of forecasts and the printed table."""

from __future__ import annotations

import math
import statistics
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from bench.backtest_battery_calibrate import Scored, conformal_spread, leave_one_cell_out

COLUMNS = ("battery_id", "discharge_cycle", "capacity_Ah")
# A reading above this share of the rated capacity is no cell's (fresh NASA cells read 0.93-1.02 of rated).
MAX_RATED_SHARE = 1.2
# A cell with fewer usable cycles is reported, not scored: two weekly medians and a level need at least this.
MIN_CYCLES = 20


@dataclass(frozen=True, slots=True)
class QualityProblem:
    """Readings of one cell left out (or a cell not scored), and why."""

    cell: str
    problem: str
    cycles: list[int] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """Return the problem as a JSON object."""
        return asdict(self)

    def describe(self) -> str:
        """Return one line: the cell, the problem and the first cycles concerned."""
        shown = ", ".join(map(str, self.cycles[:8])) + (", ..." if len(self.cycles) > 8 else "")
        return f"{self.cell}: {self.problem}" + (f" (cycles {shown})" if self.cycles else "")


@dataclass(frozen=True, slots=True)
class CellResult:
    """One forecast from the first k cycles of a cell, the truth and the straight line's forecast."""

    cell: str
    k: int
    true_eol: float | None
    eol_after: float | None  # without a crossing in the file: the end of life lies at or after this cycle
    past: bool  # the crossing is in the first k cycles: not a forecast
    predicted_eol: float | None
    low: float | None
    high: float | None  # None: the late end never crosses
    abs_error: float | None
    straight_line_eol: float | None
    straight_line_abs_error: float | None
    beats_straight_line: bool | None
    truth_in_interval: bool | None
    spread_needed: float | None = None  # least horizon spread holding the truth (None: past, or none does)

    def as_json(self) -> dict[str, Any]:
        """Return the result as a JSON object."""
        return asdict(self)


def _cycles(values: pd.Series) -> list[int]:
    return [int(v) for v in values if np.isfinite(v)]


def check_quality(
    frame: pd.DataFrame, *, rated_ah: float
) -> tuple[dict[str, tuple[np.ndarray, np.ndarray]], list[QualityProblem]]:
    """Return each cell's usable (cycles, capacity Ah), ascending, and the problems found on the way.

    Raises ValueError when the table cannot be a capacity file: a column missing, no rows, or a column without any
    number."""
    missing = set(COLUMNS) - set(frame.columns)
    if missing:
        raise ValueError(f"missing columns {sorted(missing)}; expected {', '.join(COLUMNS)}")
    if frame.empty:
        raise ValueError("no rows")
    data = pd.DataFrame({
        "cell": frame["battery_id"].astype(str),
        "cycle": pd.to_numeric(frame["discharge_cycle"], errors="coerce"),
        "cap": pd.to_numeric(frame["capacity_Ah"], errors="coerce"),
    })  # fmt: skip
    for column, name in (("cycle", "discharge_cycle"), ("cap", "capacity_Ah")):
        if data[column].isna().all():
            raise ValueError(f"column {name} holds no numbers")
    cells: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    problems: list[QualityProblem] = []
    for cell, rows in data.groupby("cell", sort=True):
        name = str(cell)
        unreadable = rows["cycle"].isna() | rows["cap"].isna() | ~np.isfinite(rows["cap"])
        if unreadable.any():
            problems.append(QualityProblem(name, f"{int(unreadable.sum())} rows without a number (left out)",
                                           _cycles(rows.loc[unreadable, "cycle"])))  # fmt: skip
        rows = rows[~unreadable].sort_values("cycle", kind="stable")
        twice = rows["cycle"].duplicated()
        if twice.any():
            problems.append(
                QualityProblem(name, "cycle listed twice (the first kept)", _cycles(rows.loc[twice, "cycle"]))
            )
        rows = rows[~twice]
        checks = (
            (rows["cap"] <= 0, "zero or negative capacity (left out)"),
            (rows["cap"] > MAX_RATED_SHARE * rated_ah,
             f"capacity above {MAX_RATED_SHARE:.0%} of the rated {rated_ah:g} Ah (left out)"),
        )  # fmt: skip
        bad = pd.Series(False, index=rows.index)
        for mask, problem in checks:
            if mask.any():
                problems.append(QualityProblem(name, problem, _cycles(rows.loc[mask, "cycle"])))
            bad |= mask
        rows = rows[~bad]
        if len(rows) < MIN_CYCLES:
            problems.append(
                QualityProblem(name, f"only {len(rows)} usable cycles, {MIN_CYCLES} needed: not scored")
            )
            continue
        cells[name] = (rows["cycle"].to_numpy(dtype="float64"), rows["cap"].to_numpy(dtype="float64"))
    return cells, problems


def summarize(results: list[CellResult]) -> dict[str, Any]:
    """Return the grid's figures: forecasts (crossings in the data left out), median absolute errors of the forecast
    and the straight line, wins, losses, and how often the interval holds the truth."""
    scored = [r for r in results if not r.past]
    needed = [Scored(r.cell, math.inf if r.spread_needed is None else r.spread_needed) for r in scored]
    held_out = leave_one_cell_out(needed)
    both = [r for r in scored if r.abs_error is not None and r.straight_line_abs_error is not None]
    med = statistics.median([r.abs_error for r in both if r.abs_error is not None]) if both else None
    line = statistics.median([r.straight_line_abs_error for r in both if r.straight_line_abs_error is not None]) if both else None  # fmt: skip
    return {
        "forecasts": len(scored),
        "without_forecast": sum(r.predicted_eol is None for r in scored),
        "median_abs_error": None if med is None else round(med, 1),
        "straight_line_median_abs_error": None if line is None else round(line, 1),
        "ratio_to_straight_line": None if not med or not line else round(med / line, 2),
        "wins": sum(r.beats_straight_line is True for r in scored),
        "losses": sum(r.beats_straight_line is False for r in scored),
        "truth_in_interval": sum(r.truth_in_interval is True for r in scored),
        "conformal_spread": conformal_spread([s.score for s in needed]),
        "held_out_truth_in_interval": sum(h.held for h in held_out),
        "held_out": [h.as_json() for h in held_out],
    }


def print_table(results: list[CellResult], problems: list[QualityProblem], summary: dict[str, Any]) -> None:
    """Print one row per forecast, then the data problems and the summary."""
    print(
        f"{'cell':<8}{'k':>4}{'true':>9}{'pred':>8}{'interval':>18}{'err':>7}{'line':>8}{'line err':>9}{'in':>4}"
    )
    for r in results:
        band = f"[{r.low}, {r.high if r.high is not None else 'inf'}]"
        # without a crossing in the file, the truth and the errors are bounds
        bound = "" if r.true_eol is not None else ">="
        true = f"{bound}{r.eol_after if bound else r.true_eol}"
        err, line_err = (
            f"{bound}{v}" if v is not None else "None" for v in (r.abs_error, r.straight_line_abs_error)
        )
        note = "  past (crossed at or before k)" if r.past else ""
        print(f"{r.cell:<8}{r.k:>4}{true:>9}{r.predicted_eol!s:>8}{band:>18}{err:>7}"
              f"{r.straight_line_eol!s:>8}{line_err:>9}{'y' if r.truth_in_interval else 'n':>4}{note}")  # fmt: skip
    for p in problems:
        print(f"data quality: {p.describe()}")
    s = summary
    chosen = ", ".join(f"{h['cell']} {h['spread']} {h['held']}/{h['forecasts']}" for h in s["held_out"])
    print(f"horizon spread by split conformal at 90 %: {s['conformal_spread']} on all cells; leave one cell out "
          f"({chosen}): the interval holds the truth in {s['held_out_truth_in_interval']} held-out forecasts")  # fmt: skip
    print(f"{s['forecasts']} forecasts: median error {s['median_abs_error']} cycles (straight line "
          f"{s['straight_line_median_abs_error']}, ratio {s['ratio_to_straight_line']}), wins {s['wins']}, losses "
          f"{s['losses']}, interval holds the truth in {s['truth_in_interval']}")  # fmt: skip
