"""The detection repository on TimescaleDB: the continuous aggregate refreshed from an autocommit connection (lives
here to share the run's one WASM engine and its fixtures in tests/timescale/conftest.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from detection.repository import load_frame, refresh_daily, save_result
from detection.rules import RULES
from tests.detection.conftest import add_vehicle, day_samples, insert_samples, span

pytestmark = pytest.mark.timescale

NOW = datetime(2026, 1, 20, 20, 0, tzinfo=UTC)


def test_refresh_load_and_save_on_timescale(tsdb_migrated):
    with tsdb_migrated.connect() as conn:
        car = add_vehicle(conn, 1, region="harbin")
        samples = []
        for d in span(NOW.date(), 20):
            samples += day_samples(d, crank_v=9.28, temp=-10.0, wear=85, odometer_m=5_000_000)
        # A moving sample with a small current is not a resting one.
        samples.append(
            {"ts": NOW - timedelta(hours=1), "lv_voltage_v": 13.0, "lv_current_a": 0.5, "speed_kmh": 40.0}
        )
        insert_samples(conn, car, samples)

        assert refresh_daily(conn, start=NOW - timedelta(days=30), end=NOW + timedelta(days=1)) == "timescale"
        frame = load_frame(conn, start=NOW - timedelta(days=365), now=NOW)
        assert len(frame) == 20
        today = frame.iloc[-1]
        assert today["day"] == datetime(2026, 1, 20) and today["samples"] == 4
        assert today["lv_v_min"] == pytest.approx(9.28) and today["air_temp_min"] == pytest.approx(-14.0)
        assert today["lv_v_rest_avg"] == pytest.approx(12.6) and today["lv_v_rest_n"] == 1
        assert today["pad_wear_max"] == 85 and today["region"] == "harbin"

        for module, params in RULES:
            save_result(conn, result=module.evaluate(frame, now=NOW, params=params), now=NOW)
        kinds = conn.execute(
            "SELECT kind, diagnosis FROM risk WHERE status = 'open' ORDER BY kind"
        ).fetchall()
    # A healthy battery at -14 C is not a 12 V risk; worn pads and the cold week are.
    assert kinds == [("brake_pads", "pads_worn"), ("winter_prep", "winter_onset")]
