"""domain.forecast: the forecast contract and the weeks ahead of a season."""

from __future__ import annotations

import math
from datetime import date, timedelta

import pytest

from domain.forecast import DayForecast, Outlook, RegionForecast, season_ahead, weeks_ahead

NAN = math.nan
D = date(2026, 11, 1)


def test_a_region_forecast_holds_the_days_after_its_issue_in_order():
    days = tuple(DayForecast(D + timedelta(days=k), -1.0, 5.0) for k in (1, 2))
    assert RegionForecast("harbin", D, days).days[1].mean_c == 2.0
    with pytest.raises(ValueError, match="not day 1"):
        RegionForecast("harbin", D, days[1:])
    with pytest.raises(ValueError, match="above max"):
        RegionForecast("harbin", D, (DayForecast(D + timedelta(days=1), 3.0, 1.0),))


@pytest.mark.parametrize(
    ("case", "known", "forecast", "expected"),
    [
        ("a week of 10 then 3 °C days", [10.0] * 7, [3.0] * 8, [9.0, 8.0, 7.0, 6.0, 5.0, 4.0, 3.0, 3.0]),
        ("a missing day is left out", [NAN] + [10.0] * 6, [3.0], [(6 * 10.0 + 3.0) / 7]),
        (
            "a short history lacks its oldest days",
            [10.0] * 3,
            [3.0, 3.0],
            [(3 * 10.0 + 3.0) / 4, (3 * 10.0 + 6.0) / 5],
        ),
        ("the forecast ends at its first gap", [10.0] * 7, [3.0, NAN, 3.0], [9.0]),
    ],
)
def test_weeks_ahead_mix_known_and_forecast_days(case, known, forecast, expected):
    assert weeks_ahead(known, forecast, window_days=7) == pytest.approx(expected), case


@pytest.mark.parametrize(
    ("case", "forecast", "below", "threshold", "expected"),
    [
        ("winter comes the 4th day", [3.0] * 8, True, 7.0, Outlook(4, 6.0)),
        ("not within the days looked at", [3.0] * 8, True, 5.0, Outlook(None, 5.0)),
        ("summer comes the 3rd day", [34.0] * 8, False, 26.0, Outlook(3, 22.0 + 3 * 12.0 / 7)),
        ("no forecast", [], True, 7.0, None),
    ],
)
def test_season_ahead_returns_the_first_crossing_or_the_nearest_week(
    case, forecast, below, threshold, expected
):
    known = [10.0] * 7 if below else [22.0] * 7
    got = season_ahead(known, forecast, window_days=7, days=5, threshold_c=threshold, below=below)
    if expected is None:
        assert got is None, case
    else:
        assert got.days_ahead == expected.days_ahead and got.mean_c == pytest.approx(expected.mean_c), case
        assert got.coming is (expected.days_ahead is not None)


def test_a_weeks_forecast_error_grows_with_its_forecast_days():
    from domain.forecast import error_sd, week_error_sd

    sds = [week_error_sd(k, window_days=7) for k in range(1, 11)]
    assert sds == sorted(sds)
    assert sds[0] == pytest.approx(error_sd(1) / 7)  # one forecast day in seven
    # seven forecast days, correlated: more than independent days would give, less than fully correlated ones
    full = sum(error_sd(h) for h in range(3, 10)) / 7
    free = math.sqrt(sum(error_sd(h) ** 2 for h in range(3, 10))) / 7
    assert free < sds[8] < full


def test_a_spread_margin_asks_more_of_a_week_further_ahead():
    from domain.forecast import season_ahead, week_error_sd

    known = [10.0] * 7
    forecast = [3.0] * 10  # a week k days ahead: (10 x (7 - k) + 3 k) / 7
    plain = season_ahead(known, forecast, window_days=7, days=9, threshold_c=6.0, below=True)
    assert plain is not None and plain.days_ahead == 5  # (20 + 15) / 7 = 5.0
    wide = season_ahead(known, forecast, window_days=7, days=9, threshold_c=6.0, below=True, spread_z=1.0)
    assert wide is not None and wide.days_ahead == 6  # 4.0 < 6 - 1.56, where 5.0 > 6 - 1.25
    assert week_error_sd(5, window_days=7) > 1.0 and week_error_sd(6, window_days=7) < 2.0
