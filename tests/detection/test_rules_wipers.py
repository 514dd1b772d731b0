"""wipers rule: worn blades, blades heading to the limit at the car's own rate, blade changes and hysteresis."""

from __future__ import annotations

from datetime import timedelta

import pytest

from detection.rules import wipers
from domain.vocabulary import RiskKind, Severity

P = wipers.Params()


def test_blades_past_the_limit_are_worn(daily, now):
    (flag,) = wipers.evaluate(daily(1, days=20, wiper_wear_max=92.0), now=now, params=P).flags
    assert (
        flag.kind is RiskKind.WIPERS and flag.diagnosis == "wipers_worn" and flag.severity is Severity.MEDIUM
    )
    assert flag.predicted_date is None and flag.evidence.threshold == 90.0 and flag.evidence.op == ">="
    assert [r.value for r in flag.evidence.readings] == [92.0] * 5


def test_rainy_season_rate_projects_the_date(daily, now):
    # 0.5 %/day from 70 % -> 84.5 % today: 90 % in 11 days
    (flag,) = wipers.evaluate(
        daily(1, days=30, wiper_wear_max=lambda i: 70 + 0.5 * i), now=now, params=P
    ).flags
    assert flag.diagnosis == "wipers_near_limit" and flag.severity is Severity.LOW
    assert flag.evidence.wear_per_day == pytest.approx(0.5, abs=0.01)
    assert flag.predicted_date == (now + timedelta(days=11)).date()


@pytest.mark.parametrize(
    ("case", "wear", "flagged", "evaluated"),
    [
        ("dry season: flat at 75 %, inside the band", lambda i: 75.0, False, False),
        ("slow wear far from the limit", lambda i: 30 + 0.1 * i, False, True),
        ("new blades after a change", lambda i: 88.0 if i < 20 else 2.0, False, True),
        (
            "fast wear after a change counts from the change",
            lambda i: 95.0 if i < 5 else 60 + 1.0 * (i - 5),
            True,
            True,
        ),
    ],
)
def test_hysteresis_and_blade_changes(daily, now, case, wear, flagged, evaluated):
    result = wipers.evaluate(daily(3, days=30, wiper_wear_max=wear), now=now, params=P)
    assert bool(result.flags) is flagged, case
    assert (3 in result.evaluated_vehicle_ids) is evaluated, case


def test_no_recent_report_is_not_judged(daily, now):
    frame = daily(4, days=20, end=now - timedelta(days=10), wiper_wear_max=95.0)
    assert wipers.evaluate(frame, now=now, params=P).evaluated_vehicle_ids == frozenset()


def test_a_wet_spell_is_not_projected_a_month_ahead(daily, now):
    # 0.05 %/day for seven weeks, then ten rainy days at 0.5 %/day: 85 % today. The old 30-day rate over a
    # 30-day horizon called 90 % in 26 days; the blades need far longer once the rain stops (and at the two-month
    # rate, 0.1 %/day, the limit is six weeks away): nothing to flag yet, and 85 % is inside the hysteresis band.
    frame = daily(5, days=60, wiper_wear_max=lambda i: 78 + 0.05 * i if i < 50 else 80.45 + 0.5 * (i - 49))
    old = wipers.Params(rate_window_days=30, horizon_days=30)
    assert [f.diagnosis for f in wipers.evaluate(frame, now=now, params=old).flags] == ["wipers_near_limit"]
    result = wipers.evaluate(frame, now=now, params=P)
    assert result.flags == () and result.evaluated_vehicle_ids == frozenset()


def test_a_blade_far_below_the_limit_is_not_fitted(daily, now):
    # 1 %/day (far more than rain wears) from 40 % to 69 %: 21 days to the limit at that rate, and below the 75 %
    # gate no rate is fitted at all; it is evaluated (cleared) only below the 60 % clear level
    result = wipers.evaluate(daily(6, days=30, wiper_wear_max=lambda i: 40.0 + 1.0 * i), now=now, params=P)
    assert result.flags == () and 6 not in result.evaluated_vehicle_ids
