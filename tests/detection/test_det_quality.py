"""Data-quality guards: implausible readings are flagged and blanked before rules see them."""

from __future__ import annotations

import numpy as np
import pandas as pd

from detection import quality
from detection.rules import ev_battery


def test_odometer_going_backwards_is_flagged_and_blanked(daily, now):
    odo = [1_000_000.0 + 40_000 * i for i in range(20)]
    lows = list(odo)
    lows[12] = 100_000.0  # a glitch: 900 km less than the day before
    frame = daily(1, days=20, end=now, odometer_max_m=odo, odometer_min_m=lows)
    clean, issues = quality.guard(frame, now=now)
    assert list(issues["issue"]) == ["odometer_backwards"]
    assert issues["day"].iloc[0] == frame["day"].iloc[12]
    assert np.isnan(clean["odometer_max_m"].iloc[12]) and not np.isnan(clean["odometer_max_m"].iloc[11])


def test_implausible_soh_jump_is_dropped_from_the_trend(daily, now):
    soh = [90.0 - 0.01 * i + (0.1 if i % 2 else -0.1) for i in range(60)]
    soh[40] = 72.0  # an 18-point collapse overnight, back the next day
    frame = daily(2, days=60, end=now, powertrain="EV", hv_soh_avg=soh)
    clean, issues = quality.guard(frame, now=now)
    assert list(issues["issue"]) == ["soh_jump"]
    assert np.isnan(clean["hv_soh_avg"].iloc[40])
    assert clean["hv_soh_avg"].notna().sum() == 59


def test_frozen_soh_value_is_stale(daily, now):
    soh = [91.0 + (0.1 if i % 2 else -0.1) for i in range(30)] + [90.5] * 20
    frame = daily(3, days=50, end=now, powertrain="EV", hv_soh_avg=soh)
    clean, issues = quality.guard(frame, now=now)
    assert set(issues["issue"]) == {"stale_signal"}
    assert len(issues) == 20 and clean["hv_soh_avg"].notna().sum() == 30


def test_car_that_went_silent_is_flagged_without_blanking(daily, now):
    frame = daily(4, days=30, end=now - pd.Timedelta(days=6), air_temp_avg=5.0)
    clean, issues = quality.guard(frame, now=now)
    assert list(issues["issue"]) == ["went_silent"]
    assert clean["air_temp_avg"].notna().all()


def test_healthy_noisy_data_raises_no_issue(daily, now):
    rng = np.random.default_rng(3)
    frame = daily(5, days=90, end=now, powertrain="EV", hv_soh_avg=lambda i: 88.0 - 0.006 * i + rng.normal(0, 0.2),
                  odometer_max_m=lambda i: 5e6 + 35_000 * i, odometer_min_m=lambda i: 5e6 + 35_000 * i - 30_000)  # fmt: skip
    _, issues = quality.guard(frame, now=now)
    assert issues.empty


def test_guarded_soh_collapse_does_not_raise_an_ev_risk(daily, now):
    soh = [88.0 - 0.005 * i for i in range(90)]
    for i in (60, 70, 85):
        soh[i] = 60.0
    frame = daily(6, days=90, end=now, powertrain="EV", hv_soh_avg=soh)
    clean, _ = quality.guard(frame, now=now)
    assert ev_battery.evaluate(clean, now=now, params=ev_battery.Params()).flags == ()
