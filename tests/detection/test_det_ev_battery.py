"""ev_battery rule: robust SOH fade, projected crossing date with an uncertainty band, on synthetic rollups."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
from pydantic import ValidationError

from detection.rules import configured, ev_battery, rule_name
from detection.settings import Settings
from domain.soh_trend import HORIZON_SPREAD
from domain.vocabulary import RiskKind, Severity

DAYS = 365
AGE = np.arange(DAYS)
NOISE = np.random.default_rng(7).uniform(-0.3, 0.3, DAYS)  # the simulator's ±0.3 % daily noise


def fade(start: float, per_year: float) -> np.ndarray:
    """A year of daily SOH fading linearly from `start` by `per_year` percentage points, plus noise."""
    return start - per_year / 365 * AGE + NOISE


def evaluate(frame, now, **params):
    return ev_battery.evaluate(frame, now=now, params=ev_battery.Params(**params))


def test_fast_fade_is_flagged_with_a_band_around_the_true_crossing(daily, now):
    # 87 % fading 5 %/year: 82 % today, 80 % in 2 / (5 / 365) = 146 days.
    result = evaluate(daily(9, days=DAYS, powertrain="EV", hv_soh_avg=fade(87, 5)), now)
    (flag,) = result.flags
    assert flag.kind is RiskKind.EV_BATTERY_SOH and flag.diagnosis == "soh_below_threshold_soon"
    assert flag.severity is Severity.MEDIUM
    true_crossing = now.date() + timedelta(days=146)
    assert abs((flag.predicted_date - true_crossing).days) <= 10
    assert flag.predicted_low < true_crossing < flag.predicted_high
    # the interval shown is the horizon spread around the crossing (domain/soh_trend.py, calibrated on real cells)
    days = (flag.predicted_date - now.date()).days
    assert (flag.predicted_high - flag.predicted_low).days == pytest.approx(2 * HORIZON_SPREAD * days, abs=10)
    ev = flag.evidence
    assert ev.threshold == 80.0 and ev.trend_per_year == pytest.approx(-5, abs=0.3)
    assert ev.days_of_data == DAYS and len(ev.readings) == 7
    assert ev.readings[-1].signal == "Vehicle.Powertrain.TractionBattery.StateOfHealth"
    lo, hi = ev.trend_interval_per_day
    assert lo < ev.trend_per_day < hi < 0


def test_already_below_threshold_is_high(daily, now):
    (flag,) = evaluate(daily(1, days=60, powertrain="EV", hv_soh_avg=fade(79.8, 2)[:60]), now).flags
    assert flag.diagnosis == "soh_below_threshold" and flag.severity is Severity.HIGH
    assert flag.predicted_date == now.date()


def test_crossing_within_90_days_is_high(daily, now):
    (flag,) = evaluate(daily(1, days=DAYS, powertrain="EV", hv_soh_avg=fade(85, 4.5)), now).flags
    assert flag.severity is Severity.HIGH
    assert (flag.predicted_date - now.date()).days <= 90


@pytest.mark.parametrize(
    ("case", "soh"),
    [
        ("healthy 2 %/year fade with noise", fade(92, 2)),
        ("a few wild readings", np.where(np.isin(AGE, [50, 120, 200, 300, 360]), 70.0, fade(88, 2))),
        (
            "recalibrated upwards after a low first quarter",
            np.where(AGE < 100, fade(89.5, 2) - 5, fade(89.5, 2)),
        ),
    ],
)
def test_healthy_packs_are_not_flagged(daily, now, case, soh):
    result = evaluate(daily(1, days=DAYS, powertrain="EV", hv_soh_avg=soh), now)
    assert result.flags == (), case
    assert result.evaluated_vehicle_ids == {1}, case


def test_estimate_drift_and_recovery_jump_do_not_fake_a_collapse(daily, now):
    # True fade 86 -> 84 %; the BMS estimate drifts 5 points low over three months, then recalibrates (jumps
    # back up) five days ago. A least-squares line through this reads a steep fall and crosses 80 % within a year.
    soh = fade(86, 2)
    soh[270:360] -= np.linspace(0, 5, 90)
    slope = np.polyfit(AGE, soh, 1)[0]
    assert (np.median(soh[-7:]) - 80) / -slope < 365  # the trap is real for a naive fit
    result = evaluate(daily(1, days=DAYS, powertrain="EV", hv_soh_avg=soh), now)
    assert result.flags == ()
    assert result.evaluated_vehicle_ids == {1}


def test_short_noisy_tilt_is_not_a_significant_decline(daily, now):
    # Two weeks flat at 81 % with noise: whichever way the point slope tilts, its interval spans zero.
    frame = daily(1, days=14, powertrain="EV", hv_soh_avg=81 + NOISE[:14])
    result = evaluate(frame, now)
    assert result.flags == () and result.evaluated_vehicle_ids == {1}
    # Too short a history to project a year ahead at all, significant or not (the tilt alone flagged it once).
    assert evaluate(frame, now, require_significant_decline=False).flags == ()


def test_a_few_weeks_of_summer_fade_are_not_projected_a_year_ahead(daily, now):
    # Six weeks falling at 6 %/year (a hot summer) from 83.5 %: the straight line reaches 80 % in seven months, but
    # six weeks say little about a year; the rule waits for `min_projection_days` of history.
    frame = daily(1, days=42, powertrain="EV", hv_soh_avg=83.5 - 6 / 365 * np.arange(42) + NOISE[:42])
    assert evaluate(frame, now).flags == ()
    assert evaluate(frame, now, min_projection_days=30).flags[0].diagnosis == "soh_below_threshold_soon"


def test_a_fade_no_summer_explains_is_projected_from_weeks(daily, now):
    # Six and a half weeks falling at 15 %/year from 84 %: even the shallow end of the slope interval is steeper
    # than `steep_fade_pct_per_year` (8), more than heat or fast charging explain, so the rule does not wait for
    # `min_projection_days`.
    frame = daily(1, days=45, powertrain="EV", hv_soh_avg=84 - 15 / 365 * np.arange(45) + NOISE[:45])
    (flag,) = evaluate(frame, now).flags
    assert flag.diagnosis == "soh_below_threshold_soon"
    assert flag.predicted_low <= flag.predicted_date <= flag.predicted_high
    assert evaluate(frame, now, steep_fade_pct_per_year=50.0).flags == ()


@pytest.mark.parametrize("days", [0, 5, 13])
def test_too_little_data_is_not_evaluated(daily, concat, now, days):
    parts = [daily(2, days=30, powertrain="ICE", air_temp_avg=10.0)]
    if days:
        parts.append(daily(1, days=days, powertrain="EV", hv_soh_avg=79.0))
    result = evaluate(concat(*parts), now)
    assert result.evaluated_vehicle_ids == frozenset() and result.flags == ()


def test_threshold_and_horizon_are_parameters(daily, now):
    frame = daily(1, days=DAYS, powertrain="EV", hv_soh_avg=fade(88, 2))  # 86 % today, 80 % in three years
    assert evaluate(frame, now).flags == ()
    assert evaluate(frame, now, threshold_pct=85).flags[0].diagnosis == "soh_below_threshold_soon"
    (far,) = evaluate(frame, now, horizon_days=365 * 4).flags
    three_years = now.date() + timedelta(days=3 * 365)
    assert far.predicted_low <= three_years <= far.predicted_high
    assert abs((far.predicted_date - three_years).days) <= 60


def configured_ev_params() -> ev_battery.Params:
    """The rule's parameters as ``python -m detection`` builds them from its settings."""
    rules = configured(Settings(_env_file=None).detection.rules)
    return dict((rule_name(module), params) for module, params in rules)["ev_battery"]


def test_the_threshold_is_the_shared_soh_setting(daily, now, monkeypatch):
    # CARECAST_SOH__THRESHOLD_PCT is read by the API's health summary and chart too (tests/api/test_api_owners.py).
    frame = daily(1, days=DAYS, powertrain="EV", hv_soh_avg=fade(88, 2))  # 86 % today, 80 % in three years
    assert configured_ev_params().threshold_pct == 80.0
    assert ev_battery.evaluate(frame, now=now, params=configured_ev_params()).flags == ()
    monkeypatch.setenv("CARECAST_SOH__THRESHOLD_PCT", "85")
    params = configured_ev_params()
    assert params.threshold_pct == 85.0
    (flag,) = ev_battery.evaluate(frame, now=now, params=params).flags
    assert flag.diagnosis == "soh_below_threshold_soon"


def test_the_rules_own_threshold_override_must_agree_with_the_shared_one(monkeypatch):
    # Before #14 the rule had its own threshold knob; alone it would make the owner's chart disagree with the risk.
    monkeypatch.setenv("CARECAST_DETECTION__RULES__EV_BATTERY__THRESHOLD_PCT", "78")
    with pytest.raises(ValidationError, match="CARECAST_SOH__THRESHOLD_PCT"):
        Settings(_env_file=None)
    monkeypatch.setenv("CARECAST_SOH__THRESHOLD_PCT", "78")
    assert configured_ev_params().threshold_pct == 78.0


def test_days_older_than_the_history_window_are_ignored(daily, now):
    # Two years of data; only the last year is fitted, where SOH is steady at 90 %.
    soh = np.concatenate([np.linspace(99, 90, 365), 90 + NOISE])
    result = evaluate(daily(1, days=730, powertrain="EV", hv_soh_avg=soh), now)
    assert result.flags == ()


def test_a_car_that_went_quiet_keeps_ageing(daily, now):
    # The same fade as above, but the last reading is 60 days old: 146 - 60 = 86 days left, hence high.
    frame = daily(9, days=DAYS, end=now - timedelta(days=60), powertrain="EV", hv_soh_avg=fade(87, 5))
    (flag,) = evaluate(frame, now).flags
    assert abs((flag.predicted_date - now.date()).days - 86) <= 10
    assert flag.severity is Severity.HIGH
    assert flag.predicted_low <= flag.predicted_date <= flag.predicted_high


def recalibrated(soh: np.ndarray, *, step: float, days_ago: int) -> np.ndarray:
    """`soh` as a car reports it after a firmware recalibration `days_ago` that moved the reading by `step`."""
    return np.where(DAYS - days_ago <= AGE, soh + step, soh)


def test_a_downward_recalibration_alone_does_not_raise_an_alert(daily, now):
    # 83.5 % today at 3 %/year: 80 % in 426 days, beyond the year. A firmware step of -2 points 60 days ago makes
    # the car read 81.5 %, which at the same fade crosses in half a year; the old calibration does not cross
    # within the year, so the late end of the band is beyond the horizon and nothing is flagged.
    soh = recalibrated(fade(86.5, 3), step=-2.0, days_ago=60)
    assert evaluate(daily(1, days=DAYS, powertrain="EV", hv_soh_avg=soh), now).flags == ()
    # Trusting the new calibration alone (no late-end condition) flags it: the band is what holds it back.
    (flag,) = evaluate(
        daily(1, days=DAYS, powertrain="EV", hv_soh_avg=soh), now, sure_within_horizon=False
    ).flags
    assert flag.evidence.level_shifts[0].step_pct == pytest.approx(-2.0, abs=0.3)
    assert (flag.predicted_high - now.date()).days > 365


def test_reading_below_only_because_of_a_downward_step_is_not_below(daily, now):
    # 82 % today at 3 %/year, read as 79.5 % after a -2.5 step: below 80 % under the new calibration only. The old
    # one crosses within the year, so it is a "soon" alert whose band runs from today to the old calibration's date.
    soh = recalibrated(fade(85, 3), step=-2.5, days_ago=60)
    (flag,) = evaluate(daily(1, days=DAYS, powertrain="EV", hv_soh_avg=soh), now).flags
    assert flag.diagnosis == "soh_below_threshold_soon"
    assert flag.predicted_date == now.date()
    assert 180 < (flag.predicted_high - now.date()).days <= 365


def test_a_real_crossing_is_still_flagged_after_a_downward_step(daily, now):
    # 87 % fading 5 %/year (80 % in 146 days, as above) with a -1.5 step 100 days ago: the old calibration crosses
    # within the year too, so the alert stands and its band reaches the true crossing.
    soh = recalibrated(fade(87, 5), step=-1.5, days_ago=100)
    (flag,) = evaluate(daily(1, days=DAYS, powertrain="EV", hv_soh_avg=soh), now).flags
    assert flag.diagnosis == "soh_below_threshold_soon"
    true_crossing = now.date() + timedelta(days=146)
    assert flag.predicted_low <= flag.predicted_date <= true_crossing <= flag.predicted_high
