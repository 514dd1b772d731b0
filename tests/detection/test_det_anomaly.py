"""Anomaly scores: robust z-scores without any model, an IsolationForest fitted on the fleet when it is big enough,
evidence added to the battery and brake flags, outliers recorded for review."""

from __future__ import annotations

import numpy as np
import pandas as pd

from detection import anomaly
from detection.flags import RiskFlag, result
from domain.evidence import Battery12vEvidence
from domain.vocabulary import RiskKind, Severity


def _fleet(daily, concat, *, cars: int, weak: int | None, seed: int = 404) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    parts = []
    for vid in range(1, cars + 1):
        crank = rng.normal(10.3, 0.08)
        slope = -0.03 if vid == weak else 0.0
        if vid == weak:
            crank = 9.4
        km_day = rng.uniform(20, 60)
        wear_rate = rng.normal(0.5, 0.05) / 1000  # % per km
        parts.append(daily(
            vid, days=28, lv_v_min=lambda i, c=crank, s=slope: c + s * i + rng.normal(0, 0.03),
            lv_v_rest_avg=lambda i: 12.6 + rng.normal(0, 0.02),
            odometer_min_m=lambda i, k=km_day: 1e7 + i * k * 1000, odometer_max_m=lambda i, k=km_day: 1e7 + (i + 1) * k * 1000,
            pad_wear_max=lambda i, k=km_day, w=wear_rate: 30 + i * k * w * 1000 / 1000, brake_fluid_min=96.0,
        ))  # fmt: skip
    parts.append(daily(cars + 1, days=28, powertrain="EV", lv_v_min=12.1, lv_v_rest_avg=12.5))
    return concat(*parts)


def test_a_weak_battery_is_an_outlier_with_or_without_a_model(daily, concat, now):
    for cars in (20, 80):  # below and above min_fleet: without, then with the isolation score
        scores = anomaly.score(_fleet(daily, concat, cars=cars, weak=7), now=now)
        battery = scores[scores["group"] == "battery"].set_index("vehicle_id")
        assert battery["isolation"].isna().all() == (cars < anomaly.Params().min_fleet)
        assert list(battery.index[battery["outlier"]]) == [7]
        # The EV has no cranking dip: it is not in the battery group.
        assert cars + 1 not in battery.index
        assert battery.loc[7, "features"]["crank_v"] < 9.6


def test_a_healthy_fleet_has_no_outliers_even_with_a_model(daily, concat, now):
    scores = anomaly.score(_fleet(daily, concat, cars=80, weak=None), now=now)
    assert not scores["isolation"].isna().any() and not scores["outlier"].any()


def test_flags_carry_the_score_and_outliers_become_review_issues(daily, concat, now):
    scores = anomaly.score(_fleet(daily, concat, cars=60, weak=3), now=now)
    flag = RiskFlag(vehicle_id=3, kind=RiskKind.BATTERY_12V, rule_id="r", rule_version=1, severity=Severity.HIGH,
                    confidence=0.8, diagnosis="high_internal_resistance", evidence=Battery12vEvidence(threshold=9.6))  # fmt: skip
    res = anomaly.annotate(
        result(rule_id="r", kind=RiskKind.BATTERY_12V, flags=[flag], evaluated=[3, 4]), scores
    )
    evidence = res.flags[0].evidence
    assert evidence.threshold == 9.6 and evidence.anomaly.outlier is True
    assert evidence.anomaly.group == "battery" and evidence.anomaly.z > anomaly.Params().z_limit
    assert res.evaluated_vehicle_ids == frozenset({3, 4})
    winter = result(rule_id="w", kind=RiskKind.WINTER_PREP, flags=[], evaluated=[3])
    assert anomaly.annotate(winter, scores) is winter

    issues = anomaly.review_issues(scores, now=now)
    assert list(issues["vehicle_id"]) == [3] and list(issues["issue"]) == ["anomaly_battery"]
    assert (
        issues["day"].iloc[0] == pd.Timestamp(now.date())
        and "crank_v" in issues["detail"].iloc[0]["features"]
    )
