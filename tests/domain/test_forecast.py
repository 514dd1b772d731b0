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


def test_a_calibrated_forecast_errs_less_than_the_climate_and_more_further_ahead():
    from domain.forecast import ANOMALY_CORRELATION, anomaly_correlation, error_sd

    assert list(ANOMALY_CORRELATION) == sorted(ANOMALY_CORRELATION, reverse=True)
    assert anomaly_correlation(10) == pytest.approx(0.6) and anomaly_correlation(7) == pytest.approx(0.8)
    sds = [error_sd(h, climate_sd_c=3.0) for h in range(1, 11)]
    assert sds == sorted(sds) and sds[-1] < 3.0  # never further from the truth than the season's normal is
    assert sds[-1] == pytest.approx(3.0 * 0.8)  # sqrt(1 - 0.6²)
    assert error_sd(5, climate_sd_c=1.5) == pytest.approx(error_sd(5, climate_sd_c=3.0) / 2)


@pytest.mark.parametrize(
    ("bias", "min_issues", "expected"),
    [
        (0.0, 1, [0.0, 0.0, 0.0]),  # a perfect forecast
        (0.7, 1, [0.1, 0.2, 0.3]),  # 0.7 °C too warm each day: a week ending k days ahead holds k such days
        # day 12 unobserved: 5 verified weeks end a day after their issue, 4 two days after, 3 three days after
        (0.7, 4, [0.1, 0.2]),
    ],
)
def test_the_forecasts_week_errors_are_measured_against_what_was_observed(bias, min_issues, expected):
    from domain.forecast import week_errors

    observed = [float(d % 5) for d in range(12)] + [math.nan, 3.0]
    issued = [
        [observed[i + k] + bias if i + k < len(observed) else 0.0 for k in range(1, 4)] for i in range(14)
    ]
    got = week_errors(observed, issued, window_days=7, min_issues=min_issues)
    assert got == pytest.approx(expected)


def test_a_spread_margin_asks_more_of_a_week_further_ahead():
    from domain.forecast import season_ahead

    known = [10.0] * 7
    forecast = [3.0] * 10  # a week k days ahead: (10 x (7 - k) + 3 k) / 7
    plain = season_ahead(known, forecast, window_days=7, days=9, threshold_c=6.0, below=True)
    assert plain is not None and plain.days_ahead == 5  # (20 + 15) / 7 = 5.0
    week_sd = [0.1 * k * k for k in range(1, 10)]  # 2.5 at 5 days, 3.6 at 6
    wide = season_ahead(
        known, forecast, window_days=7, days=9, threshold_c=6.0, below=True, spread_z=0.5, week_sd=week_sd
    )
    assert wide is not None and wide.days_ahead == 6  # 4.0 < 6 - 1.8, where 5.0 > 6 - 1.25
    # no measured error that far ahead: those weeks are not judged
    short = season_ahead(
        known, forecast, window_days=7, days=9, threshold_c=6.0, below=True, spread_z=0.5, week_sd=week_sd[:5]
    )
    assert short is not None and short.days_ahead is None
