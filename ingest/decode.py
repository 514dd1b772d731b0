"""Pure decoding of one MQTT telemetry message into telemetry rows and rejects (no I/O, no clock).

Three levels of rejection: a bad message is dropped whole; a bad sample drops only that sample; a bad signal drops
only that signal. Good neighbours are always kept. Reasons are short machine-readable strings (see REASONS).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

import msgspec
import orjson

from core.contracts import PAYLOAD_VERSION
from core.signals import COLUMNS, Signal, catalog, check_value
from domain.vin import is_valid_vin
from ingest.typed import F32_MAX, MAX_SAMPLES, typed_rows

# Nothing this product stores predates 2000; older stamps are unset clocks (1970, 0001) that would also spawn
# useless TimescaleDB chunks.
MIN_TS = datetime(2000, 1, 1, tzinfo=UTC)
# A VSS `float` of a larger magnitude than F32_MAX would be stored as an infinity, so it is out of range. A magnitude
# below single precision's smallest normal number is not: the COPY rounds it (a subnormal, or 0), as any conversion
# to a binary32 `float` does.
_COLUMN_INDEX = {path: i for i, path in enumerate(COLUMNS)}

MESSAGE_REASONS = (
    "bad_topic",
    "retained",
    "empty",
    "too_large",
    "not_utf8",
    "invalid_json",
    "not_object",
    "bad_version",
    "bad_vin",
    "vin_mismatch",
    "bad_samples",
    "too_many_samples",
)
SAMPLE_REASONS = (
    "sample_not_object",
    "ts_missing",
    "bad_ts",
    "ts_no_offset",
    "ts_in_future",
    "ts_too_old",
    "no_signals",
    "duplicate_sample",
)
SIGNAL_REASONS = ("unknown_signal", "wrong_type", "not_finite", "out_of_range", "not_allowed", "bad_string")
REASONS = MESSAGE_REASONS + SAMPLE_REASONS + SIGNAL_REASONS

Row = tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class Reject:
    """Why (part of) a message was not stored; `fragment` is the offending sample/signal, None = whole message."""

    reason: str
    detail: str | None = None
    sample_index: int | None = None
    fragment: bytes | None = None


@dataclass(slots=True)  # not frozen: one per message on the hot path
class Decoded:
    """Result of decoding one message: the VIN it claims, its rows (TELEMETRY_COLUMNS minus vehicle_id), rejects.

    When `vehicle_id` is set, every row already starts with it (full TELEMETRY_COLUMNS rows, ready to COPY).
    """

    vin: str | None
    rows: list[Row] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    vehicle_id: int | None = None


@dataclass(frozen=True, slots=True)
class Limits:
    """What a message may be: size in bytes, how far ahead of `now` (clock skew) and how old a sample may be."""

    max_bytes: int = 262144
    max_future: timedelta = timedelta(minutes=5)
    # Raw telemetry retention: an older sample would be dropped by the next retention run anyway.
    max_age: timedelta = timedelta(days=400)


def _whole(vin: str | None, reason: str, detail: str | None = None) -> Decoded:
    return Decoded(vin=vin, rows=[], rejects=[Reject(reason, detail)])


def _load(payload: bytes) -> tuple[Any, Reject | None]:
    try:
        return orjson.loads(payload), None
    except orjson.JSONDecodeError as exc:
        try:
            payload.decode("utf-8")
        except UnicodeDecodeError:
            return None, Reject("not_utf8", str(exc)[:200])
        return None, Reject("invalid_json", str(exc)[:200])


def decode(
    topic_vin: str | None,
    payload: bytes,
    *,
    now: datetime,
    limits: Limits,
    fast: bool = True,
    vehicle_id: int | None = None,
    retained: bool = False,
) -> Decoded:
    """Return the rows and rejects of one message published to the topic of `topic_vin` (None = bad topic).

    A clean message is decoded straight into typed structs (ingest/typed.py); anything else, or `fast=False`,
    sample by sample, which gives the same rows and also the reasons of what it refuses. `vehicle_id` (the id of
    `topic_vin`, when the caller knows it) is put in front of the rows of a clean message, so they leave here as
    finished COPY rows; `Decoded.vehicle_id` tells whether that happened. A `retained` message is the broker
    replaying a car's retained telemetry to a new subscriber: refused whole (its samples, if new, came live).
    """
    if topic_vin is None or not is_valid_vin(topic_vin):
        return _whole(None, "bad_topic")
    if retained:
        return _whole(topic_vin, "retained", "telemetry must be published with retain=0")
    if not payload:
        return _whole(topic_vin, "empty")
    if len(payload) > limits.max_bytes:
        return _whole(topic_vin, "too_large", f"{len(payload)} > {limits.max_bytes} bytes")
    window = (max(MIN_TS, now - limits.max_age), now + limits.max_future)
    if (
        fast
        and (rows := typed_rows(payload, vin=topic_vin, window=window, vehicle_id=vehicle_id)) is not None
    ):
        return Decoded(vin=topic_vin, rows=rows, vehicle_id=vehicle_id)
    doc, failure = _load(payload)
    if failure is not None:
        return Decoded(vin=topic_vin, rejects=[failure])
    if not isinstance(doc, dict):
        return _whole(topic_vin, "not_object", type(doc).__name__)
    version = doc.get("v")
    if type(version) is not int or version != PAYLOAD_VERSION:
        return _whole(topic_vin, "bad_version", repr(version)[:50])
    vin = doc.get("vin")
    if not is_valid_vin(vin):
        return _whole(topic_vin, "bad_vin", repr(vin)[:50])
    if vin != topic_vin:
        return _whole(topic_vin, "vin_mismatch", f"payload {vin} != topic {topic_vin}")
    samples = doc.get("samples")
    if not isinstance(samples, list) or not samples:
        return _whole(topic_vin, "bad_samples", "samples must be a non-empty array")
    if len(samples) > MAX_SAMPLES:
        return _whole(topic_vin, "too_many_samples", f"{len(samples)} > {MAX_SAMPLES}")
    out = Decoded(vin=topic_vin)
    seen: set[datetime] = set()
    for index, sample in enumerate(samples):
        _decode_sample(index, sample, out=out, seen=seen, window=window)
    if vehicle_id is not None and out.rows and not out.rejects and all(row[-1] is None for row in out.rows):
        # a clean message: finished COPY rows, as the typed path makes them (extra signals: the writer)
        out.rows = [(vehicle_id, *row) for row in out.rows]
        out.vehicle_id = vehicle_id
    return out


def _fragment(value: object) -> bytes:
    """Return the JSON of a rejected part; orjson parses 1024 levels deep but serialises only 254."""
    try:
        return orjson.dumps(value)
    except orjson.JSONEncodeError:
        return b'"(nested too deep to store)"'


def _sample_reject(out: Decoded, index: int, sample: object, reason: str, detail: str | None) -> None:
    out.rejects.append(Reject(reason, detail, index, _fragment(sample)))


def _decode_sample(
    index: int, sample: object, *, out: Decoded, seen: set[datetime], window: tuple[datetime, datetime]
) -> None:
    if not isinstance(sample, dict):
        _sample_reject(out, index, sample, "sample_not_object", type(sample).__name__)
        return
    if "ts" not in sample:
        _sample_reject(out, index, sample, "ts_missing", None)
        return
    ts, reason = parse_ts(sample["ts"])
    if ts is None:
        _sample_reject(out, index, sample, reason or "bad_ts", repr(sample["ts"])[:80])
        return
    if ts > window[1]:
        _sample_reject(out, index, sample, "ts_in_future", sample["ts"])
        return
    if ts < window[0]:
        _sample_reject(out, index, sample, "ts_too_old", sample["ts"])
        return
    signals = sample.get("signals")
    if not isinstance(signals, dict) or not signals:
        _sample_reject(out, index, sample, "no_signals", None)
        return
    if ts in seen:
        _sample_reject(out, index, sample, "duplicate_sample", sample["ts"])
        return
    seen.add(ts)
    row = _row(index, ts, signals, out=out)
    if row is not None:
        out.rows.append(row)


def parse_ts(value: object) -> tuple[datetime | None, str | None]:
    """Return (aware datetime, None) for an RFC 3339 timestamp with offset, else (None, reason).

    msgspec's parser, the one the fast path (ingest/typed.py) reads stamps with: RFC 3339, also with a lower-case
    `t`/`z`, a space for the `T` or an offset without its colon; fractions past microseconds are rounded (as
    PostgreSQL rounds them)."""
    if not isinstance(value, str):
        return None, "bad_ts"
    try:
        ts = msgspec.convert(value, datetime)
    except msgspec.ValidationError:
        return None, "bad_ts"
    if ts.tzinfo is None:
        return None, "ts_no_offset"
    return ts, None


_INF = float("inf")
_REAL, _DOUBLE, _INTEGER, _OTHER = 1, 2, 3, 0
Target = tuple[Signal, "int | None", int, float, float]


@cache
def _targets() -> dict[str, Target]:
    """Return {VSS path: (signal, column index or None = extra, kind, min, max)}, built once for the fast path."""
    out: dict[str, Target] = {}
    for path, signal in catalog().items():
        dt = signal.datatype
        kind = {"float": _REAL, "double": _DOUBLE}.get(
            dt, _INTEGER if dt.startswith(("int", "uint")) else _OTHER
        )
        lo = -_INF if signal.min is None else signal.min
        hi = _INF if signal.max is None else signal.max
        out[path] = (signal, _COLUMN_INDEX.get(path), kind, lo, hi)
    return out


def _row(index: int, ts: datetime, signals: dict[str, Any], *, out: Decoded) -> Row | None:
    values: list[Any] = [None] * len(_COLUMN_INDEX)
    extra: dict[str, Any] = {}
    stored = False
    targets = _targets()
    for path, value in signals.items():
        target = targets.get(path)
        if target is None:
            out.rejects.append(Reject("unknown_signal", path[:200], index, _fragment({path: value})))
            continue
        signal, column, kind, lo, hi = target
        # Fast path for the common case (a number in range for a column), same outcome as the full checks below:
        # NaN fails every comparison and infinities fail the magnitude tests, so both take the slow path.
        if column is not None and (t := type(value)) in (float, int) and lo <= value <= hi:
            if kind == _REAL and abs(value) <= F32_MAX:
                values[column] = float(value)
                stored = True
                continue
            if kind == _DOUBLE and value - value == 0:
                values[column] = float(value)
                stored = True
                continue
            if kind == _INTEGER and t is int:
                values[column] = value
                stored = True
                continue
        reason = check_value(signal, value) or _storable(signal.datatype, value)
        if reason is not None:
            out.rejects.append(Reject(reason, path[:200], index, _fragment({path: value})))
            continue
        if column is None:
            extra[path] = value
        else:
            values[column] = _typed(signal.datatype, value)
            stored = True
    if not stored and not extra:
        return None
    return (ts, *values, orjson.dumps(extra).decode() if extra else None)


def _typed(datatype: str, value: Any) -> Any:
    """Return the value in the Python type of its column (the binary COPY is strict about int vs float)."""
    if datatype in ("float", "double"):
        return float(value)
    if isinstance(value, float):
        return int(value)  # integer signal sent as 12.0; check_value has made sure it is integral
    return value


def _storable(datatype: str, value: Any) -> str | None:
    """Return a reason when a value passed the VSS check but cannot be stored as-is."""
    if datatype == "float" and abs(value) > F32_MAX:
        return "out_of_range"
    if isinstance(value, str) and "\x00" in value:
        return "bad_string"  # PostgreSQL text/jsonb cannot hold NUL
    if isinstance(value, list) and any("\x00" in v for v in value):
        return "bad_string"
    return None
