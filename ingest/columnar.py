"""Column-wise decoding of a clean message: the fast path of decode() (pure, no I/O, no clock).

A vehicle usually sends well-formed samples of a few shapes (the same signal names in the same order). Such a
message is checked one column at a time with C-level builtins (min, max, sum, set(map(type, ...)), zip) instead of
one Python-level check per value. Anything unusual — a bad or unusual timestamp, a duplicate, an unknown,
non-numeric or extra-column signal, a value out of range, an integer signal sent as 12.0 — returns None and the
caller takes the per-sample path of decode(), which finds and reports the reasons. So this module only ever
accepts what the per-sample path accepts, and builds the same rows (tests/ingest/test_ingest_columnar.py).
"""

from __future__ import annotations

import re
import sys
from datetime import datetime
from functools import cache
from itertools import islice, repeat
from operator import lt
from typing import Any, cast

from core.signals import COLUMNS, catalog

# The common RFC 3339 forms (upper-case T and Z, at most microseconds), which datetime.fromisoformat parses exactly
# like decode.parse_ts; every other accepted form goes through parse_ts.
_CLEAN_TS = (
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,6})?(?:Z|[+-][0-9]{2}:[0-9]{2})"
)
# All stamps of a message joined by newlines, checked in one call (no stamp can contain a newline and match).
_CLEAN_TS_LINES = re.compile(rf"(?:{_CLEAN_TS}\n)*{_CLEAN_TS}")
_F32_MAX = 3.4028234663852886e38
_F32_MIN_NORMAL = 1.1754943508222875e-38
_F64_MAX = sys.float_info.max
_WIDTH = len(COLUMNS)  # value columns of a row, between ts and extra
_INT_ONLY = {int}
_NUMBERS = {int, float}
_DICT_ONLY = {dict}

Row = tuple[Any, ...]


class _Column:
    """How one signal of a shape is checked and where it goes: row position (after ts), bounds, datatype kind."""

    __slots__ = ("position", "lo", "hi", "integer", "real")

    def __init__(self, position: int, lo: float, hi: float, *, integer: bool, real: bool) -> None:
        self.position, self.lo, self.hi, self.integer, self.real = position, lo, hi, integer, real


@cache
def _column(path: str) -> _Column | None:
    """Return the column check of a numeric VSS signal stored in a typed column, else None (slow path)."""
    signal = catalog().get(path)
    position = list(COLUMNS).index(path) + 1 if path in COLUMNS else None
    if signal is None or position is None:
        return None
    dt = signal.datatype
    integer = dt.startswith(("int", "uint"))
    if not integer and dt not in ("float", "double"):
        return None
    # Finite bounds, so one comparison also refuses infinities (and float columns hold IEEE single precision).
    cap = _F32_MAX if dt == "float" else _F64_MAX
    lo = -cap if signal.min is None else max(signal.min, -cap)
    hi = cap if signal.max is None else min(signal.max, cap)
    return _Column(position, lo, hi, integer=integer, real=dt == "float")


_plans: dict[tuple[str, ...], tuple[_Column, ...] | None] = {}


def _plan(shape: tuple[str, ...]) -> tuple[_Column, ...] | None:
    """Return the column checks of a shape (signal names in order), None when one of them needs the slow path."""
    try:
        return _plans[shape]
    except KeyError:
        pass
    columns = tuple(_column(path) for path in shape)
    plan = None if None in columns or not shape else cast(tuple[_Column, ...], columns)
    if len(_plans) < 4096:  # shapes come from the wire: keep the cache bounded
        _plans[shape] = plan
    return plan


def _checked(values: tuple[Any, ...], column: _Column) -> tuple[Any, ...] | None:
    """Return the values of one column in their stored type when every one is valid, else None."""
    types = set(map(type, values))
    if column.integer:
        if types != _INT_ONLY:
            return None
    else:
        if not types <= _NUMBERS:
            return None
        if int in types:
            values = tuple(map(float, values))
        total = sum(values)
        if total - total != 0:  # a NaN (min/max cannot be trusted with one) or an infinity
            return None
    if not (column.lo <= min(values) and max(values) <= column.hi):
        return None
    if (
        column.real
        and min(map(abs, values)) < _F32_MIN_NORMAL
        and any(v != 0 and abs(v) < _F32_MIN_NORMAL for v in values)
    ):
        return None  # below single precision (would not survive the COPY)
    return values


def clean_rows(
    samples: list[Any], *, window: tuple[datetime, datetime], vehicle_id: int | None = None
) -> list[Row] | None:
    """Return the rows (ts, values in column order, extra=None) of a message whose every sample is clean, in
    sample order; None when anything needs the per-sample path. With a `vehicle_id`, each row starts with it
    (a finished telemetry COPY row: the writer then has no per-row work left)."""
    try:
        stamps = [s["ts"] for s in samples]
        signal_sets = [s["signals"] for s in samples]
        if _CLEAN_TS_LINES.fullmatch("\n".join(stamps)) is None:
            return None
        times = list(map(datetime.fromisoformat, stamps))
    except (TypeError, KeyError, ValueError):
        return None
    if all(map(lt, times, islice(times, 1, None))):  # in order, the usual case: no repeats, ends are min/max
        first, last = times[0], times[-1]
    elif len(set(times)) != len(times):
        return None
    else:
        first, last = min(times), max(times)
    if first < window[0] or last > window[1]:
        return None
    if set(map(type, signal_sets)) != _DICT_ONLY:
        return None
    shapes = list(map(tuple, signal_sets))
    groups: dict[tuple[str, ...], list[int]] = {}
    if shapes.count(shapes[0]) == len(shapes):
        groups[shapes[0]] = list(range(len(shapes)))
    else:
        for index, shape in enumerate(shapes):
            groups.setdefault(shape, []).append(index)
    rows: list[Row] = []
    prefix = 0 if vehicle_id is None else 1
    for shape, indexes in groups.items():
        plan = _plan(shape)
        if plan is None:
            return None
        columns: list[Any] = [repeat(None)] * (_WIDTH + 2)
        columns[0] = [times[i] for i in indexes] if len(groups) > 1 else times
        if vehicle_id is not None:
            columns.insert(0, repeat(vehicle_id))
        group = signal_sets if len(groups) == 1 else [signal_sets[i] for i in indexes]
        values_by_signal = zip(*[signals.values() for signals in group], strict=True)
        for column, values in zip(plan, values_by_signal, strict=True):
            checked = _checked(values, column)
            if checked is None:
                return None
            columns[column.position + prefix] = checked
        rows.extend(zip(*columns, strict=False))  # the repeat(None) columns are endless
    if len(groups) > 1:  # back to sample order
        order = [i for indexes in groups.values() for i in indexes]
        rows = [row for _, row in sorted(zip(order, rows, strict=True), key=lambda pair: pair[0])]
    return rows
