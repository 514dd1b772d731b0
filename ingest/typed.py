"""The fast path of decode(): a clean message decoded by msgspec straight into typed, validated structs (pure).

The structs are built once from the signal catalogue: one field per typed telemetry column, in column order, each
with the signal's bounds (and IEEE single precision for `float` signals), so msgspec checks every value in C while
it parses, and a sample's values come out as one tuple in column order (`msgspec.structs.astuple`). Timestamps are
parsed by msgspec too, with the parser the per-sample path uses (decode.parse_ts), so both read a stamp alike.

Anything this path does not accept whole — a value out of range or of the wrong type (an integer signal sent as
12.0, a `null`, a boolean), an unknown or extra-column signal, a sample without signals, a bad, repeated or
out-of-window stamp, another VIN — returns None, and decode() takes the per-sample path, which finds and reports
the reasons. So this module only ever accepts what the per-sample path accepts, and builds the same rows
(tests/ingest/test_ingest_typed.py compares both on generated messages).
"""

from __future__ import annotations

import sys
from datetime import datetime
from itertools import islice
from operator import lt
from typing import Annotated, Any, Literal

import msgspec

from core.contracts import PAYLOAD_VERSION
from core.signals import COLUMNS, catalog

MAX_SAMPLES = 1000
# VSS `float` is IEEE single precision (stored as PostgreSQL `real`): the largest finite magnitude.
F32_MAX = 3.4028234663852886e38
_F64_MAX = sys.float_info.max
_WIDTH = len(COLUMNS)
_NO_VALUES = (None,) * _WIDTH

Row = tuple[Any, ...]


def _column_type(path: str) -> Any:
    """Return the msgspec type of one typed column: its datatype with the signal's bounds."""
    signal = catalog()[path]
    dt = signal.datatype
    if dt in ("float", "double"):
        cap = F32_MAX if dt == "float" else _F64_MAX
        lo = -cap if signal.min is None else max(signal.min, -cap)
        hi = cap if signal.max is None else min(signal.max, cap)
        return Annotated[float, msgspec.Meta(ge=lo, le=hi)]
    if dt.startswith(("int", "uint")):
        if signal.min is None or signal.max is None:
            return int
        return Annotated[int, msgspec.Meta(ge=int(signal.min), le=int(signal.max))]
    if dt == "string" and signal.allowed:
        return Literal[tuple(signal.allowed)]
    raise ValueError(f"telemetry column {path} has datatype {dt}, which the fast path does not know")


# One field per typed column, named by its VSS path; `null` is refused (a missing signal is the default None).
Signals = msgspec.defstruct(
    "Signals",
    [(f"c{i}", _column_type(path), msgspec.field(default=None, name=path)) for i, path in enumerate(COLUMNS)],
    forbid_unknown_fields=True,
    gc=False,
)


class Sample(msgspec.Struct, gc=False):
    """One sample: when, and the values of the typed columns."""

    ts: Annotated[datetime, msgspec.Meta(tz=True)]  # without an offset: the per-sample path names it
    signals: Signals  # type: ignore[valid-type]


class Message(msgspec.Struct, gc=False):
    """One telemetry message (docs/mqtt-contract.md); other keys are ignored, as the per-sample path does."""

    v: Literal[PAYLOAD_VERSION]  # type: ignore[valid-type]
    vin: str
    samples: Annotated[list[Sample], msgspec.Meta(min_length=1, max_length=MAX_SAMPLES)]


_DECODER = msgspec.json.Decoder(Message)
_astuple = msgspec.structs.astuple


def typed_rows(
    payload: bytes, *, vin: str, window: tuple[datetime, datetime], vehicle_id: int | None = None
) -> list[Row] | None:
    """Return the rows (ts, values in column order, extra=None) of a message from `vin` whose every sample is
    clean, in sample order; None when anything needs the per-sample path. With a `vehicle_id`, each row starts with
    it (a finished telemetry COPY row: the writer then has no per-row work left)."""
    try:
        message = _DECODER.decode(payload)
    except (
        msgspec.MsgspecError,
        RecursionError,
    ):  # RecursionError: nested deeper than the interpreter allows
        return None
    if message.vin != vin:
        return None
    samples = message.samples
    if len(samples) == 1:  # the live case: one sample a message
        sample = samples[0]
        first = last = sample.ts
        if first < window[0] or last > window[1]:
            return None
        values = _astuple(sample.signals)
        if values == _NO_VALUES:
            return None
        return [(first, *values, None) if vehicle_id is None else (vehicle_id, first, *values, None)]
    times = [s.ts for s in samples]
    if all(map(lt, times, islice(times, 1, None))):  # in order, the usual case: no repeats, ends are min/max
        first, last = times[0], times[-1]
    elif len(set(times)) != len(times):
        return None
    else:
        first, last = min(times), max(times)
    if first < window[0] or last > window[1]:
        return None
    rows = [_astuple(s.signals) for s in samples]
    if _NO_VALUES in rows:
        return None
    if vehicle_id is None:
        return [(t, *v, None) for t, v in zip(times, rows, strict=True)]
    return [(vehicle_id, t, *v, None) for t, v in zip(times, rows, strict=True)]
