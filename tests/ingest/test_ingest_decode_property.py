"""Property tests: decode() never raises, whatever arrives, and its output always has the documented shape."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.signals import COLUMNS, TELEMETRY_COLUMNS, catalog, check_value
from ingest.decode import REASONS, Limits, _storable, _typed, decode

VIN = "LTEST000000000001"
NOW = datetime(2025, 1, 15, 12, 0, tzinfo=UTC)
LIMITS = {"now": NOW, "limits": Limits()}

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**64 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=20,
)
paths = st.sampled_from(sorted(catalog())) | st.text(max_size=30)
timestamps = (
    st.datetimes(timezones=st.timezones()).map(datetime.isoformat) | st.text(max_size=30) | json_values
)
samples = (
    st.fixed_dictionaries(
        {},
        optional={"ts": timestamps, "signals": st.dictionaries(paths, json_values, max_size=6) | json_values},
    )
    | json_values
)
envelopes = st.fixed_dictionaries(
    {},
    optional={
        "v": st.just(1) | json_values,
        "vin": st.just(VIN) | json_values,
        "samples": st.lists(samples, max_size=8) | json_values,
    },
)


def check_shape(out) -> None:
    assert all(r.reason in REASONS for r in out.rejects)
    for row in out.rows:
        assert len(row) == len(TELEMETRY_COLUMNS) - 1
        assert row[0].tzinfo is not None
        assert row[-1] is None or isinstance(orjson.loads(row[-1]), dict)
    assert len(out.rows) <= len(COLUMNS) * 1000


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000), st.sampled_from([VIN, None, "bad"]))
def test_arbitrary_bytes_never_raise(payload, topic_vin):
    check_shape(decode(topic_vin, payload, **LIMITS))


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_arbitrary_json_never_raises(doc):
    check_shape(decode(VIN, orjson.dumps(doc), **LIMITS))


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(envelopes)
def test_payload_shaped_json_never_raises(doc):
    out = decode(VIN, orjson.dumps(doc), **LIMITS)
    check_shape(out)
    if out.rows:
        assert out.vin == VIN


def _nest(depth: int, kinds: list[bool]) -> bytes:
    """Return `depth` levels of arrays (True) or objects (False) around a null, deeper than orjson's limits."""
    kinds = (kinds + [True] * depth)[:depth]
    opens = b"".join(b"[" if k else b'{"k":' for k in kinds)
    closes = b"".join(b"]" if k else b"}" for k in reversed(kinds))
    return opens + b"null" + closes


ENVELOPE = '{"v":1,"vin":"@VIN@","samples":@X@}'
PLACES = [
    "@X@",
    ENVELOPE,
    ENVELOPE.replace("@X@", "[@X@]"),
    ENVELOPE.replace("@X@", '[{"ts":"2025-01-15T01:00:00Z","signals":@X@}]'),
    ENVELOPE.replace("@X@", '[{"ts":"2025-01-15T01:00:00Z","signals":{"Vehicle.Speed":@X@}}]'),
]


@settings(max_examples=80, deadline=None)
@given(st.integers(1, 3000), st.lists(st.booleans(), max_size=40), st.sampled_from(PLACES))
def test_deeply_nested_garbage_never_raises(depth, kinds, place):
    body = place.replace("@VIN@", VIN).encode().replace(b"@X@", _nest(depth, kinds))
    out = decode(VIN, body, **LIMITS)
    check_shape(out)
    assert out.rows == [] and out.rejects


numbers = (
    st.integers(-(2**40), 2**40)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.floats(-1e-30, 1e-30)
    | st.booleans()
)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(COLUMNS)), numbers)
def test_fast_path_for_numbers_agrees_with_the_full_checks(path, value):
    signal = catalog()[path]
    expected = check_value(signal, value) or _storable(signal.datatype, value)
    sample = {"ts": "2025-01-15T01:00:00Z", "signals": {path: value}}
    body = orjson.dumps({"v": 1, "vin": VIN, "samples": [sample]}, option=orjson.OPT_SERIALIZE_NUMPY)
    if not math.isfinite(float(value)):
        body = body.replace(b"null", b"1e999")  # orjson writes NaN/inf as null; send what a car could send
    out = decode(VIN, body, **LIMITS)
    if expected is not None or not math.isfinite(float(value)):
        assert out.rows == [] and len(out.rejects) == 1
        return
    (row,) = out.rows
    stored = row[1 + TELEMETRY_COLUMNS[2:].index(COLUMNS[path])]
    typed = _typed(signal.datatype, value)
    assert (stored, type(stored)) == (typed, type(typed))
