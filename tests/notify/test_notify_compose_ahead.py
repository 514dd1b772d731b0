"""A season flagged before it begins says so: the owner hears that winter (or summer) is coming within days, not
that it has come."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.evidence import parse_evidence
from domain.vocabulary import RiskKind
from notify.compose import Notice, Recipient, compose

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
AIR = "Vehicle.Exterior.AirTemperature"
READINGS = [
    {"signal": AIR, "aggregate": "daily_avg", "day": f"2026-11-{d}", "value": 9.0} for d in range(13, 20)
]

# kind, diagnosis, evidence flagged ahead, what each locale says then (subject, body), what it says once it came
CASES = [
    (
        RiskKind.WINTER_PREP, "winter_onset",
        {"readings": READINGS, "mean_c": 9.04, "threshold": 7, "op": "<", "window_days": 7, "days_used": 7,
         "weak_12v": [], "basis": "forecast", "forecast_mean_c": 5.62, "forecast_days": 6},
        {"en": ("Cold weather is on the way", "says winter begins within 6 days: the week ending then averages 5.6 °C",
                "within the next 6 days, before the cold arrives"),
         "zh-CN": ("降温将至", "将在 6 天内入冬，届时一周平均气温约为 5.6 °C", "6 天内，赶在降温之前")},
        {"en": ("It is getting cold", "It has turned cold"), "zh-CN": ("天气转冷", "气温已明显下降")},
    ),
    (
        RiskKind.SUMMER_CARE, "summer_onset",
        {"readings": READINGS, "mean_c": 24.1, "threshold": 26, "op": ">=", "window_days": 7, "days_used": 7,
         "max_c": 29.0, "forecast_mean_c": 27.38, "forecast_days": 8},
        {"en": ("Hot weather is on the way", "says the hot season begins within 8 days: the week ending then averages "
                "27.4 °C", "within the next 8 days, before the heat arrives"),
         "zh-CN": ("高温将至", "将在 8 天内进入炎热季节，届时一周平均气温约为 27.4 °C", "8 天内，赶在高温之前")},
        {"en": ("The hot season is here", "The hot season has arrived"), "zh-CN": ("炎热季节到了", "已进入炎热季节")},
    ),
]  # fmt: skip


def _message(kind: RiskKind, diagnosis: str, evidence: dict, locale: str):
    notice = Notice(
        kind,
        "medium",
        diagnosis,
        parse_evidence(kind, evidence),
        None,
        None,
        None,
        "Haval H6",
        "LGWEF4A59NH000123",
    )
    return compose(notice, recipient=Recipient("Zhang Wei", locale, "Asia/Shanghai"), options=[], now=NOW)


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
@pytest.mark.parametrize(("kind", "diagnosis", "evidence", "ahead", "came"), CASES)
def test_a_season_flagged_ahead_is_announced_as_coming(
    kind, diagnosis, evidence, ahead, came, locale
) -> None:
    msg = _message(kind, diagnosis, evidence, locale)
    subject, says, when = ahead[locale]
    assert subject in msg.subject and says in msg.body and when in msg.body
    assert (
        "\n\n检测数据" if locale == "zh-CN" else "\n\nWhat we measured"
    ) in msg.body and "\n\n\n" not in msg.body
    assert came[locale][0] not in msg.subject and came[locale][1] not in msg.body


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
@pytest.mark.parametrize(("kind", "diagnosis", "evidence", "ahead", "came"), CASES)
def test_a_season_that_came_is_announced_as_here(kind, diagnosis, evidence, ahead, came, locale) -> None:
    here = {k: v for k, v in evidence.items() if k not in ("basis", "forecast_mean_c", "forecast_days")}
    msg = _message(kind, diagnosis, here, locale)
    assert came[locale][0] in msg.subject and came[locale][1] in msg.body
    assert ahead[locale][0] not in msg.subject and ahead[locale][1] not in msg.body
