"""Level shifts (firmware recalibration steps) are found, undone, and no longer fake a collapse."""

from __future__ import annotations

import numpy as np

from detection.rules import ev_battery
from domain.levelshift import find_steps, remove_steps


def _noisy(n: int, slope: float, seed: int) -> np.ndarray:
    return 88.0 + slope * np.arange(n) + np.random.default_rng(seed).normal(0.0, 0.15, n)


def test_a_recalibration_step_is_found_where_it_happened():
    y = _noisy(200, -0.006, 1)
    y[130:] -= 1.8
    steps = find_steps(y)
    assert len(steps) == 1
    index, step = steps[0]
    assert abs(index - 130) <= 2 and -2.3 < step < -1.4
    fixed = remove_steps(y, steps)
    assert abs(np.median(fixed[120:130]) - np.median(fixed[130:140])) < 0.4


def test_fade_noise_and_short_recovery_bumps_are_not_steps():
    y = _noisy(365, -20.0 / 365.0, 2)  # a fast 20 %/year fade
    for start in range(20, 360, 30):
        y[start : start + 3] += [0.6, 0.3, 0.15]
    assert find_steps(y) == []


def test_downward_recalibration_on_a_healthy_battery_is_not_a_risk(daily, now):
    soh = _noisy(300, -2.0 / 365.0, 3)
    soh[200:] -= 2.5  # firmware update re-estimates the capacity
    frame = daily(1, days=300, end=now, powertrain="EV", hv_soh_avg=soh - 1.5)
    with_removal = ev_battery.evaluate(frame, now=now, params=ev_battery.Params())
    naive = ev_battery.Params(remove_level_shifts=False, sure_within_horizon=False)
    without = ev_battery.evaluate(frame, now=now, params=naive)
    assert with_removal.flags == () and 1 in with_removal.evaluated_vehicle_ids
    assert [f.vehicle_id for f in without.flags] == [1]


def test_real_fade_is_still_flagged_after_an_upward_step(daily, now):
    soh = _noisy(200, -15.0 / 365.0, 4)
    soh[150:] += 1.5  # an upward recalibration must not hide a fast fade
    frame = daily(2, days=200, end=now, powertrain="EV", hv_soh_avg=soh)
    flags = ev_battery.evaluate(frame, now=now, params=ev_battery.Params()).flags
    assert [f.vehicle_id for f in flags] == [2]
    assert flags[0].evidence.level_shifts and flags[0].predicted_low <= flags[0].predicted_date


def test_a_step_in_the_first_days_is_found_with_the_readings_there_are():
    y = _noisy(60, -0.006, 5)
    y[3:] -= 1.9  # recalibrated on the fourth day of the history: fewer than a week of readings before it
    ((index, step),) = find_steps(y)
    assert 3 <= index <= 4 and -2.4 < step < -1.4
    # a rest bump on the first days (+0.6 fading by half a day) is not a step
    z = _noisy(60, -0.006, 6)
    z[:4] += [0.6, 0.3, 0.15, 0.08]
    assert find_steps(z) == []


def test_weeks_after_an_early_downward_step_do_not_read_as_a_steep_fade(daily, now):
    # Seven weeks of a pack at 81.5 %, stepped down 1.9 points by firmware on its fourth day: unfound, the step
    # reads as a fade of 14 %/year, steep enough to be projected from weeks, and the pack would be flagged.
    soh = _noisy(50, -2.0 / 365.0, 7) - 6.5
    soh[3:] -= 1.9
    frame = daily(3, days=50, end=now, powertrain="EV", hv_soh_avg=soh)
    result = ev_battery.evaluate(frame, now=now, params=ev_battery.Params())
    assert result.flags == () and 3 in result.evaluated_vehicle_ids
