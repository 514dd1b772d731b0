"""Property tests: decode() never raises, whatever arrives, and its output always has the documented shape."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.signals import COLUMNS, TELEMETRY_COLUMNS, catalog
from ingest.decode import REASONS, decode

VIN = "LTEST000000000001"
NOW = datetime(2025, 1, 15, 12, 0, tzinfo=UTC)
LIMITS = {"now": NOW, "max_bytes": 262144, "max_future_s": 300.0}

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
