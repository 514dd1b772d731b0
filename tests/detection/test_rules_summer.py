"""summer rule: the car's own 7-day mean at 26 C or more opens a summer check; hysteresis below."""

from __future__ import annotations

import pytest

from core.contracts import RiskKind, Severity
from detection.rules import summer

P = summer.Params()


def test_hot_week_is_flagged_with_the_mean_hottest_day_and_tyres(daily, now):
    frame = daily(1, days=14, air_temp_avg=lambda i: 22.0 if i < 7 else 28.0, air_temp_max=lambda i: 30.0 + i % 3,
                  tire_kpa_min=246.0)  # fmt: skip
    (flag,) = summer.evaluate(frame, now=now, params=P).flags
    assert (
        flag.kind is RiskKind.SUMMER_CARE
        and flag.diagnosis == "summer_onset"
        and flag.severity is Severity.LOW
    )
    ev = flag.evidence
    assert ev["mean_c"] == 28.0 and ev["op"] == ">=" and ev["threshold"] == 26.0 and ev["max_c"] == 32.0
    assert ev["tyre_min_kpa"] == 246.0 and len(ev["readings"]) == 7


def test_ev_gets_medium_for_battery_cooling(daily, now):
    (flag,) = summer.evaluate(daily(1, days=7, powertrain="EV", air_temp_avg=29.0), now=now, params=P).flags
    assert flag.severity is Severity.MEDIUM


@pytest.mark.parametrize(
    ("case", "mean", "flagged", "evaluated"),
    [("mild", 18.0, False, True), ("warm, inside the band", 21.0, False, False), ("hot", 26.5, True, True)],
)
def test_hysteresis(daily, now, case, mean, flagged, evaluated):
    result = summer.evaluate(daily(2, days=7, air_temp_avg=mean), now=now, params=P)
    assert bool(result.flags) is flagged, case
    assert (2 in result.evaluated_vehicle_ids) is evaluated, case
