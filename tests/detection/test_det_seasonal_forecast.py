"""The seasonal rules with a weather forecast: winter, summer and cold tyres flagged ahead, and the fallback to the
car's own thermometer when no forecast is stored."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest

from detection.outlook import FORECAST_COLUMNS, forecast_ahead, with_forecast
from detection.rules import seasonal, summer, tyre_pressure
from domain.forecast import DayForecast, RegionForecast


def forecast(now, means, *, region="beijing", issued_days_ago=0):
    """Return a forecast issued on the day of `now` (less `issued_days_ago`) whose daily means are `means`."""
    issued = now.date() - timedelta(days=issued_days_ago)
    days = tuple(
        DayForecast(issued + timedelta(days=k), m - 3.0, m + 3.0) for k, m in enumerate(means, start=1)
    )
    return RegionForecast(region, issued, days)


def confirmed(now, means, **kw):
    """Return today's forecast and yesterday's, which saw the same days ahead: a forecast the rules act on."""
    return [forecast(now, means, **kw), forecast(now, [means[0], *means[:-1]], issued_days_ago=1, **kw)]


def history(now, observed_c, *, error_c=lambda k: 0.7, first_age=1, days=39, **kw):
    """Return the forecasts issued on the past days (`first_age` .. `days` days ago), each erring by `error_c(k)` k
    days ahead from a car reading `observed_c` every day: what the rules verify the forecast against."""
    return [
        forecast(now, [observed_c + error_c(k) for k in range(1, 11)], issued_days_ago=age, **kw)
        for age in range(first_age, days + 1)
    ]


def mild(i):
    return 12.0


KNOWN = (
    12.0 + seasonal.Params().range_share * 6.0
)  # the mild car's day mean (``detection.ambient``), 13.29 °C


def test_the_frame_gets_each_days_forecast_of_its_region(daily, now):
    frame = daily(1, days=3, air_temp_avg=10.0)
    other = forecast(now, [-20.0] * 10, region="harbin")
    out = with_forecast(frame, [forecast(now, list(range(10))), other])
    assert list(out.columns[-len(FORECAST_COLUMNS) :]) == list(FORECAST_COLUMNS)
    assert out[FORECAST_COLUMNS[0]].isna().tolist() == [True, True, False]  # issued today only
    assert out.iloc[-1][list(FORECAST_COLUMNS)].tolist() == list(range(10))
    assert str(out["region"].dtype) == str(frame["region"].dtype) and len(out) == len(frame)


def test_winter_is_flagged_ahead_when_the_forecast_week_turns_cold(daily, now):
    frame = daily(1, days=40, air_temp_avg=mild, air_temp_min=9.0, air_temp_max=15.0)
    assert seasonal.evaluate(frame, now=now, params=seasonal.Params()).flags == ()
    means = [6.0, 4.0, 2.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    # without past forecasts to verify it against the car, the forecast is not used: judged by the thermometer
    once = seasonal.evaluate(with_forecast(frame, [forecast(now, means)]), now=now, params=seasonal.Params())
    assert once.flags == () and once.evaluated_vehicle_ids == {1}
    cold = with_forecast(frame, [forecast(now, means), *history(now, KNOWN)])
    (flag,) = seasonal.evaluate(cold, now=now, params=seasonal.Params()).flags
    ev = flag.evidence
    assert ev.basis == "forecast" and 0 < ev.forecast_days <= seasonal.Params().forecast_days
    assert ev.forecast_mean_c < seasonal.Params().threshold_c - seasonal.Params().forecast_margin_c


def test_a_winter_week_far_ahead_must_cross_by_its_measured_error(daily, now):
    frame = daily(1, days=40, air_temp_avg=mild, air_temp_min=9.0, air_temp_max=15.0)
    params = seasonal.Params()
    # only the week ending 9 days ahead, seven forecast days, reads 5.5 °C; the weeks around it read 6.8 °C and warmer
    far = [KNOWN, KNOWN, *[5.5] * 7, KNOWN]
    # past forecasts 0.7 °C too warm each day: a week ending k days ahead erred by 0.1 k °C up to 0.7 (seven
    # forecast days), and 5.5 is under 7 - 0.6 x 0.7
    (flag,) = seasonal.evaluate(
        with_forecast(frame, [forecast(now, far), *history(now, KNOWN)]), now=now, params=params
    ).flags
    assert flag.evidence.forecast_days == 9
    # erring five times as much (3.5 °C for seven forecast days: 7 - 2.1 = 4.9) the same forecast is not enough
    wide = with_forecast(frame, [forecast(now, far), *history(now, KNOWN, error_c=lambda k: 3.5)])
    assert seasonal.evaluate(wide, now=now, params=params).flags == ()
    # four days ahead the week holds four forecast days, which erred by 2 °C: (3 x 13.29 - 4) / 7 = 5.1 °C is enough
    near = [-1.0] * 5 + [KNOWN] * 5
    (flag,) = seasonal.evaluate(
        with_forecast(frame, [forecast(now, near), *history(now, KNOWN, error_c=lambda k: 3.5)]),
        now=now, params=params,
    ).flags  # fmt: skip
    assert flag.evidence.basis == "forecast" and flag.evidence.forecast_days == 4


def test_only_an_unconfirmed_crossing_holds_the_car_unjudged(daily, now):
    frame = daily(1, days=40, air_temp_avg=mild, air_temp_min=9.0, air_temp_max=15.0)
    for means in ([8.0] * 10, [16.0] * 10):  # near winter, or warm: judged, not flagged (an open risk clears)
        res = seasonal.evaluate(
            with_forecast(frame, confirmed(now, means)), now=now, params=seasonal.Params()
        )
        assert res.flags == () and res.evaluated_vehicle_ids == {1}


def test_summer_is_flagged_ahead_with_the_forecast_in_the_evidence(daily, now):
    frame = daily(1, days=40, air_temp_avg=18.0, air_temp_min=14.0, air_temp_max=24.0)
    res = summer.evaluate(frame, now=now, params=summer.Params())
    assert res.flags == () and res.evaluated_vehicle_ids == {1}
    means = [28.0, 30.0, 31.0, 31.0, 32.0, 32.0, 32.0, 32.0, 32.0, 32.0]
    unverified = with_forecast(frame, [forecast(now, means)])
    assert summer.evaluate(unverified, now=now, params=summer.Params()).flags == ()
    # verified to 0.1 k °C: a week ending k days ahead must read 26 + 2 x 0.1 k; the week ending in 5 days reads
    # (2 x 20.15 + 152) / 7 = 27.5 °C, the one ending in 4 days 25.8
    hot = with_forecast(frame, [forecast(now, means), *history(now, 18.0 + 0.215 * 10.0)])
    (flag,) = summer.evaluate(hot, now=now, params=summer.Params()).flags
    assert flag.evidence.forecast_days == 5 and flag.evidence.forecast_mean_c >= 27.0
    assert flag.evidence.onset_days_ago is None
    assert summer.evaluate(hot, now=now, params=summer.Params(forecast_days=0)).flags == ()


def test_cold_tyres_are_flagged_on_the_forecast_day_that_takes_them_under(daily, now):
    # 221 kPa at 15 °C holds 227 kPa at 20 °C: under 210 kPa below about 5.8 °C
    frame = daily(1, days=30, tire_kpa_min=221.0, air_temp_avg=15.0, air_temp_min=15.0, air_temp_max=15.0)
    params = tyre_pressure.Params(forecast_days=5)
    assert tyre_pressure.evaluate(frame, now=now, params=params).flags == ()
    means = [14.0, 12.0, 10.0, -5.0, -5.0, -5.0, -5.0, -5.0, -5.0, -5.0]
    off = tyre_pressure.Params()  # off by default: the forecast is not read
    assert (
        tyre_pressure.evaluate(with_forecast(frame, confirmed(now, means)), now=now, params=off).flags == ()
    )
    past = history(now, 15.0, error_c=lambda k: 0.5 * k, first_age=2)
    once = with_forecast(frame, [forecast(now, means), *history(now, 15.0, error_c=lambda k: 0.5 * k)])
    assert tyre_pressure.evaluate(once, now=now, params=params).flags == ()  # yesterday's did not see it
    (flag,) = tyre_pressure.evaluate(
        with_forecast(frame, [*confirmed(now, means), *past]), now=now, params=params
    ).flags
    assert flag.diagnosis == "cold_underinflation" and flag.evidence.forecast_days == 4
    assert flag.evidence.forecast_mean_c == -5.0 and flag.predicted_date == now.date() + timedelta(days=4)


def test_a_cold_tyre_day_must_clear_the_margin_by_its_own_forecast_error(daily, now):
    # 227 kPa at 20 °C: 4 °C takes it to 207.8 kPa, 2.2 under 210 (less than 4 + 0.5 x 1.2 x the day's error)
    frame = daily(1, days=30, tire_kpa_min=221.0, air_temp_avg=15.0, air_temp_min=15.0, air_temp_max=15.0)
    params = tyre_pressure.Params(forecast_days=5)
    past = history(
        now, 15.0, error_c=lambda k: 0.5 * k, first_age=2, days=29
    )  # erred 0.5 °C a day ahead, 2.5 at 5

    def flags(means):
        # yesterday's forecast saw the same days ahead, and today as the others did (0.5 °C warm)
        seen = [forecast(now, means), forecast(now, [15.5, *means[:-1]], issued_days_ago=1), *past]
        return tyre_pressure.evaluate(with_forecast(frame, seen), now=now, params=params).flags

    assert flags([14.0, 4.0, *[14.0] * 8]) == ()
    # 0 °C: 203 kPa, 7 under: one day ahead the margin is about 4 + 0.5 x 1.2 x 0.5 = 4.3 kPa, five days ahead 5.5
    for day in (1, 5):
        cold = [14.0] * 10
        cold[day - 1] = 0.0
        (flag,) = flags(cold)
        assert flag.evidence.forecast_days == day
    # 1.5 °C: 204.8 kPa, 5.2 under: enough one day ahead, not five days ahead, where the forecast erred more
    for day, flagged in ((1, True), (5, False)):
        cold = [14.0] * 10
        cold[day - 1] = 1.5
        assert bool(flags(cold)) is flagged


def test_without_a_stored_forecast_the_rules_judge_from_the_car_alone(daily, now):
    frame = daily(1, days=40, air_temp_avg=lambda i: 12.0 if i < 36 else 2.0, air_temp_min=0.0, air_temp_max=5.0,
                  tire_kpa_min=205.0)  # fmt: skip
    empty = with_forecast(frame, [])
    assert np.isnan(empty[FORECAST_COLUMNS[0]]).all()
    for rule in (seasonal, summer, tyre_pressure):
        alone = rule.evaluate(frame, now=now, params=rule.Params())
        assert rule.evaluate(empty, now=now, params=rule.Params()) == alone


@pytest.mark.parametrize(("age", "expected"), [(0, list(range(10))), (1, list(range(1, 10))), (2, [])])
def test_a_forecast_of_an_older_row_is_shifted_to_the_days_still_ahead(daily, now, age, expected):
    from detection.groups import cars

    end = now - timedelta(days=age)
    frame = with_forecast(daily(1, days=3, end=end), [forecast(end, list(range(10)))])
    (car,) = cars(frame, now=now, columns=FORECAST_COLUMNS)
    assert forecast_ahead(car) == expected
