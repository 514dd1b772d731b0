"""The region-level replay of the seasonal rules over many seeds (bench.seasonal_frontier)."""

from __future__ import annotations

import json
from dataclasses import replace

from bench import seasonal_frontier as frontier
from detection.rules import seasonal, summer


def _region(truth: list[float], forecast: list[float], *, issued_on: int | None = None) -> frontier.Region:
    """Every day's forecast is `forecast`, or only day `issued_on`'s, the others the truth itself (a perfect one)."""
    if issued_on is None:
        return frontier.Region(truth, [forecast] * len(truth))
    perfect = [truth[i + 1 : i + 11] for i in range(len(truth))]
    return frontier.Region(truth, [forecast if i == issued_on else f for i, f in enumerate(perfect)])


def test_onsets_follow_the_ground_truth_hysteresis() -> None:
    before = [12.0] * frontier._BEFORE
    # a week under 7 °C starts winter; a mild week at 10 °C does not end it, one above 11 °C does
    truth = before + [12.0] * 7 + [5.0] * 10 + [10.0] * 10 + [5.0] * 5 + [13.0] * 10 + [5.0] * 10
    got = frontier._onsets(truth, "winter")
    assert [i - frontier._BEFORE for i in got] == [12, 47]
    summer_truth = before + [20.0] * 7 + [27.0] * 10 + [23.0] * 10 + [27.0] * 10
    assert [i - frontier._BEFORE for i in frontier._onsets(summer_truth, "summer")] == [12]


def test_judge_flags_the_forecast_week_and_holds_near_the_threshold() -> None:
    params = replace(seasonal.Params(), forecast_min_issues=1)
    t = 200
    cold = _region([12.0] * 300, [12.0, 12.0] + [5.0] * 8, issued_on=t)
    # the forecast erred by nothing so far (verified against the days that came), and a cold week is coming
    assert frontier._judge(cold, t, False, None, "winter", params) is True
    # the same forecast from a source that always says so, and was always wrong: its error makes the week uncertain
    wrong = _region([12.0] * 300, [12.0, 12.0] + [5.0] * 8)
    assert frontier._judge(wrong, t, False, None, "winter", params) is None
    mild = _region([12.0] * 300, [12.0] * 10)
    assert frontier._judge(mild, t, False, None, "winter", params) is False
    near = _region(
        [12.0] * 300, [5.5] * 10
    )  # weeks ahead at 5.5 °C: not past a 2 °C margin, near enough to hold
    assert frontier._judge(near, t, False, None, "winter", replace(params, forecast_margin_c=2.0)) is None
    assert frontier._judge(mild, t, None, None, "winter", params) is None  # season unknown: not judged
    hot = _region([27.0] * 300, [27.0] * 10)
    sparams = summer.Params()
    assert frontier._judge(hot, t, True, t - 3, "summer", sparams) is True
    assert frontier._judge(hot, t, True, t - sparams.onset_days, "summer", sparams) is None


def test_summary_counts_the_seeds_that_meet_each_target() -> None:
    rows: list[dict] = [
        {"precision": 1.0, "recall": 1.0, "false_alarms": 0.0, "lead_days_median": 8.0},
        {"precision": 0.85, "recall": 1.0, "false_alarms": 13.9, "lead_days_median": 5.0},
        {"precision": None, "recall": None, "false_alarms": 0.0, "lead_days_median": None},  # no onset
    ]
    assert frontier.summary(rows) == {
        "seeds": 3, "seeds_ratios_met": 2, "seeds_false_alarms_met": 2, "seeds_lead_met": 1, "seeds_all_met": 1,
        "median_lead_days": 6.5,
    }  # fmt: skip


def test_tiny_run_scores_one_seed_with_the_rules_parameters(capsys) -> None:
    assert frontier.main(["--tiny", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    (variant,) = out["variants"]
    assert variant["z"] == seasonal.Params().forecast_spread_z
    assert variant["forecast_days"] == seasonal.Params().forecast_days
    (row,) = variant["seeds"]
    assert row["seed"] == 3001 and row["failures"] > 0
    assert 0.0 <= row["precision"] <= 1.0 and 0.0 <= row["recall"] <= 1.0
    assert variant["summary"]["seeds"] == 1
