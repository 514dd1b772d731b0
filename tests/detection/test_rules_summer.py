"""summer rule: the car's own 7-day mean at 26 C or more opens a summer check; hysteresis below."""

from __future__ import annotations

import pytest

from detection.rules import summer
from domain.vocabulary import RiskKind, Severity

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
    assert ev.mean_c == 28.0 and ev.op == ">=" and ev.threshold == 26.0 and ev.max_c == 32.0
    assert ev.tyre_min_kpa == 246.0 and len(ev.readings) == 7


def test_ev_gets_medium_for_battery_cooling(daily, now):
    (flag,) = summer.evaluate(daily(1, days=7, powertrain="EV", air_temp_avg=29.0), now=now, params=P).flags
    assert flag.severity is Severity.MEDIUM


@pytest.mark.parametrize(
    ("case", "mean", "flagged", "evaluated"),
    [("mild", 18.0, False, True), ("warm, inside the band", 23.0, False, False), ("hot", 26.5, True, True)],
)
def test_hysteresis(daily, now, case, mean, flagged, evaluated):
    # a new car, its first week: a hot one is an onset
    result = summer.evaluate(daily(2, days=7, air_temp_avg=mean), now=now, params=P)
    assert bool(result.flags) is flagged, case
    assert (2 in result.evaluated_vehicle_ids) is evaluated, case


@pytest.mark.parametrize(
    ("case", "temps", "flagged", "evaluated"),
    [
        ("summer began five days ago", [18.0] * 30 + [30.0] * 10, True, True),
        # an onset message weeks late is noise: the risk stays as it is (open if it was opened at the onset)
        ("summer began 17 days ago", [18.0] * 30 + [29.0] * 22, False, False),
        ("hot for the whole history: first seen mid-summer", [30.0] * 60, False, False),
        # hot, a week at 19 °C, then 24 °C now: summer ended on the cool week although this week is 24 °C
        ("a cool week between two passes ends summer", [28.0] * 20 + [19.0] * 7 + [24.0] * 7, False, True),
        ("21.9 °C is not clearly under 22 °C", [18.0] * 20 + [28.0] * 7 + [21.9] * 7, True, True),
    ],
)
def test_onset_is_replayed_over_past_weeks(daily, now, case, temps, flagged, evaluated):
    result = summer.evaluate(daily(3, days=len(temps), air_temp_avg=temps), now=now, params=P)
    assert bool(result.flags) is flagged, case
    assert (3 in result.evaluated_vehicle_ids) is evaluated, case


def test_the_day_mean_corrects_the_cool_sampling_hours(daily, now):
    # samples averaging 25 °C over a 10 °C range: the day's mean is 27.15 °C (0.215 of the range added), summer
    frame = daily(1, days=30, air_temp_avg=[18.0] * 23 + [25.0] * 7, air_temp_min=[14.0] * 23 + [20.0] * 7,
                  air_temp_max=[22.0] * 23 + [30.0] * 7)  # fmt: skip
    (flag,) = summer.evaluate(frame, now=now, params=P).flags
    assert flag.evidence.mean_c == pytest.approx(27.15, abs=0.051) and flag.evidence.max_c == 30.0


def test_a_hot_spell_that_just_set_in_is_not_announced_ahead(daily, now):
    # this week reads 26.0 °C (not yet summer at 26.15); two hot days would carry a persistence forecast to 27.3 °C,
    # but summer is announced when the week itself is hot, not on a forecast of a spell that may end
    frame = daily(4, days=27, air_temp_avg=[20.0] * 20 + [24.0] * 5 + [31.0] * 2)
    assert summer.evaluate(frame, now=now, params=P).flags == ()
    hotter = daily(4, days=28, air_temp_avg=[20.0] * 20 + [24.0] * 5 + [31.0] * 3)
    (flag,) = summer.evaluate(hotter, now=now, params=P).flags
    assert flag.evidence.mean_c >= 26.15 and flag.evidence.onset_days_ago == 0
