"""Every template in every locale renders with realistic evidence, and says what was found, when and where."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import jinja2
import pytest

from domain.evidence import parse_evidence
from domain.vocabulary import LOCALES, RULE_KINDS, RiskKind
from notify.booking import BookingOption, Center, PartLine, Technician
from notify.compose import Notice, Recipient, compose, template_for
from notify.jobs import JOBS

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
HOURS = {d: ["08:30", "18:00"] for d in ("mon", "tue", "wed", "thu", "fri")} | {"sat": None, "sun": None}
CENTER = Center(7, "哈尔滨松北服务中心", "哈尔滨", "harbin", 45.80, 126.53, "Asia/Shanghai", HOURS)
FAR_CENTER = Center(8, "Daoli Auto Care", "Harbin", "harbin", 45.76, 126.62, "Asia/Shanghai", HOURS)

LV = "Vehicle.LowVoltageBattery.CurrentVoltage"
SOH = "Vehicle.Powertrain.TractionBattery.StateOfHealth"
PADS = "Vehicle.Chassis.Axle.*.Wheel.*.Brake.PadWear"
AIR = "Vehicle.Exterior.AirTemperature"
WIPER = "Vehicle.Body.Windshield.Front.Wiping.WiperWear"
TYRES = "Vehicle.Chassis.Axle.*.Wheel.*.Tire.Pressure"


def days(signal: str, aggregate: str, values: list[float], **extra) -> list[dict]:
    """Daily readings as detection writes them, ending on 2026-11-19."""
    first = date(2026, 11, 19) - timedelta(days=len(values) - 1)
    return [
        {"signal": signal, "aggregate": aggregate, "day": (first + timedelta(days=i)).isoformat(), "value": v}
        | extra
        for i, v in enumerate(values)
    ]


# kind -> (diagnosis, evidence as detection writes it, strings that must appear in the body, threshold as it must
#          appear, predicted date, band)
CASES = {
    RiskKind.BATTERY_12V: (
        "high_internal_resistance",
        {
            "diagnosis": "high_internal_resistance",
            "readings": [
                r | {"raw_value": raw, "air_temp_c": -18.5}
                for r, raw in zip(
                    days(LV, "cranking_min_20c", [9.52, 9.43, 9.31], threshold=9.6, op="<"),
                    [8.38, 8.29, 8.17],
                    strict=True,
                )
            ],
            "recent_median": 9.43,
            "threshold": 9.6,
            "failure_at": 9.0,
            "trend_per_day": -0.0121,
        },  # fmt: skip
        ["9.31 V", "9.52 V", "8.17 V", "-18.5 °C"],
        "9.6 V",
        date(2026, 12, 12),
        None,
    ),
    RiskKind.EV_BATTERY_SOH: (
        "soh_below_threshold_soon",
        {
            "readings": days(
                SOH, "daily_avg", [81.62, 81.4, 81.55, 81.38, 81.41, 81.3, 81.27], threshold=80, op="<"
            ),
            "threshold": 80,
            "level_pct": 81.38,
            "trend_per_day": -0.0085,
            "trend_per_year": -3.1,
        },  # fmt: skip
        ["81.27%", "3.1"],
        "80%",
        date(2027, 4, 2),
        (date(2027, 2, 10), date(2027, 6, 20)),
    ),
    RiskKind.BRAKE_PADS: (
        "pads_near_limit",
        {
            "readings": days(PADS, "max_over_wheels", [76.0, 76.5, 77.0], threshold=80, op=">="),
            "threshold": 80,
            "current_wear_pct": 77.0,
            "km_per_day": 48.2,
            "remaining_km": 1450,
            "days_to_limit": 30,
        },  # fmt: skip
        ["77%", "76.5%", "1,450"],
        "80%",
        date(2026, 12, 19),
        None,
    ),
    RiskKind.WINTER_PREP: (
        "winter_onset",
        {
            "readings": days(AIR, "daily_avg", [6.1, 4.0, 3.3, 2.2, 1.8, 2.9, 2.1]),
            "mean_c": 3.19,  # shown with one decimal: 3.2 °C
            "threshold": 7,
            "op": "<",
            "window_days": 7,
            "days_used": 7,
            "weak_12v": [],
        },  # fmt: skip
        ["3.2 °C", "1.8 °C"],
        "7 °C",
        date(2026, 11, 28),
        None,
    ),
    RiskKind.WIPERS: (
        "wipers_near_limit",
        {
            "readings": days(WIPER, "daily_max", [84.0, 85.0, 86.0], threshold=90.0, op=">="),
            "threshold": 90.0,
            "op": ">=",
            "wear_pct": 86.0,
            "wear_per_day": 0.31,
            "days_to_limit": 13,
        },  # fmt: skip
        ["84%", "86%"],
        "90%",
        date(2026, 12, 2),
        None,
    ),
    RiskKind.TYRE_PRESSURE: (
        "slow_leak",
        {
            "readings": days(TYRES, "daily_min_over_tyres", [214.0, 212.0, 209.0], threshold=210.0, op="<"),
            "threshold": 210.0,
            "op": "<",
            "pressure_kpa": 209.0,
            "corrected_trend_kpa_per_day": -1.1,
            "limit_kpa": 200.0,
        },  # fmt: skip
        ["214 kPa", "209 kPa", "7.7 kPa"],
        "210 kPa",
        date(2026, 11, 28),
        None,
    ),
    RiskKind.SUMMER_CARE: (
        "summer_onset",
        {
            "readings": days(AIR, "daily_avg", [25.1, 26.4, 27.0, 27.9, 28.3, 26.6, 27.2]),
            "mean_c": 26.93,
            "threshold": 26,
            "op": ">=",
            "window_days": 7,
            "days_used": 7,
            "max_c": 35.4,
        },  # fmt: skip
        ["26.9 °C", "35.4 °C", "28.3 °C"],
        "26 °C",
        date(2026, 11, 28),
        None,
    ),
    RiskKind.HOLIDAY_TRIP: (
        "before_spring_festival",
        {
            "readings": days(PADS, "max_over_wheels", [64.0], threshold=60.0, op=">=")
            + days(WIPER, "daily_max", [83.0], threshold=80.0, op=">="),
            "due_items": ["brake_pads", "wipers"],
            "holiday": "spring_festival",
            "holiday_start": "2026-11-30",
            "longest_day_km": 412.0,
            "long_trip_km": 300.0,
            "threshold": 60.0,
        },  # fmt: skip
        ["64%", "83%", "412"],
        "60%",
        date(2026, 11, 30),
        None,
    ),
    RiskKind.MAINTENANCE_DUE: (
        "service_due_soon",
        {
            "readings": days("Vehicle.Service.DistanceToService", "last", [320.0], threshold=500, op="<="),
            "km_left": 320.0,
            "km_per_day": 38.5,
            "days_left": 8.3,
            "time_days_left": 96.0,
            "time_signal": "Vehicle.Service.TimeToService",
            "threshold": 14,
            "op": "<=",
            "threshold_km": 500,
        },  # fmt: skip
        ["320 km"],
        "500 km",
        date(2026, 11, 28),
        None,
    ),
    RiskKind.DTC: (
        "dtc_mil",
        {
            "readings": [
                {
                    "signal": "Vehicle.Diagnostics.DTCList",
                    "aggregate": "daily_last",
                    "day": "2026-11-19",
                    "value": 1,
                }
            ],
            "codes": [
                {
                    "code": "P0301",
                    "confirmed": True,
                    "mil": True,
                    "days_seen": 3,
                    "first_seen": "2026-11-17",
                    "last_seen": "2026-11-19",
                }
            ],
            "mil_on": True,
            "drivable": False,
            "skill": "general",
        },  # fmt: skip
        ["P0301"],
        "P0301",
        date(2026, 11, 19),
        None,
    ),
}


def options() -> list[BookingOption]:
    start = datetime(2026, 11, 23, 0, 30, tzinfo=UTC)  # Monday 08:30 in Shanghai
    stocked = (PartLine("X", "part", 1, True, date(2026, 11, 20)),)
    waiting = (PartLine("X", "part", 1, False, date(2026, 11, 24)),)
    return [
        BookingOption(
            1,
            CENTER,
            Technician(1, 7, "Li", frozenset({"general"})),
            start,
            start + timedelta(hours=1),
            date(2026, 12, 12),
            2.4,
            stocked,
            "before_deadline+parts_in_stock",
        ),
        BookingOption(
            2,
            FAR_CENTER,
            Technician(2, 8, "Wang", frozenset({"general"})),
            start + timedelta(days=1),
            start + timedelta(days=1, hours=1),
            date(2026, 12, 12),
            6.1,
            waiting,
            "after_deadline+parts_on_order",
        ),
    ]


def notice(kind: RiskKind) -> Notice:
    diagnosis, evidence, _, _, predicted, band = CASES[kind]
    low, high = band or (None, None)
    ev = parse_evidence(kind, evidence)
    return Notice(kind, "high", diagnosis, ev, predicted, low, high, "Haval H6", "LGWEF4A59NH000123")


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("kind", RULE_KINDS)
def test_notify_every_template_renders_key_facts(kind: RiskKind, locale: str) -> None:
    _, _, values, threshold, predicted, band = CASES[kind]
    name = "张伟" if locale == "zh-CN" else "Zhang Wei"
    msg = compose(
        notice(kind), recipient=Recipient(name, locale, "Asia/Shanghai"), options=options(), now=NOW
    )
    assert msg.locale == locale and msg.subject and "\n" not in msg.subject
    text = msg.subject + "\n" + msg.body
    for value in values:
        assert value in msg.body
    assert threshold in msg.body
    assert name in msg.body and "Haval H6" in text and "000123" in msg.body
    assert CENTER.name in msg.body and FAR_CENTER.name in msg.body
    zh = locale == "zh-CN"
    # dates in the customer's locale: the slot, the predicted date, the parts' arrival
    assert ("11月23日周一 08:30–09:30" if zh else "Mon, Nov 23, 2026, 8:30 – 9:30 AM") in msg.body
    assert ("2026年11月24日" if zh else "November 24, 2026") in msg.body
    if predicted > NOW.date():
        assert (
            f"{predicted.year}年{predicted.month}月{predicted.day}日"
            if zh
            else predicted.strftime("%B %-d, %Y")
        ) in msg.body
    if band:
        assert ("2027年2月10日" if zh else "February 10, 2027") in msg.body
    minutes = int(JOBS[kind].duration.total_seconds() // 60)
    assert (f"约需{minutes}分钟" if zh else f"about {minutes} minutes") in msg.body
    assert ("距您约2.4公里" if zh else "2.4 km away") in msg.body
    assert re.search(r"[\u4e00-\u9fff]", text) if zh else not re.search(r"[\u4e00-\u9fff]", msg.subject)
    if zh:
        assert "Hello" not in msg.body and "您好" in msg.body
    assert "{{" not in text and "{%" not in text and "\n\n\n" not in msg.body


@pytest.mark.parametrize("locale", LOCALES)
def test_notify_message_without_booking_options(locale: str) -> None:
    msg = compose(
        notice(RiskKind.BRAKE_PADS), recipient=Recipient("Ann", locale, "Europe/Berlin"), options=[], now=NOW
    )
    assert ("门店会尽快与您联系" if locale == "zh-CN" else "will contact you") in msg.body


def test_notify_readings_in_the_customers_time_zone() -> None:
    ev = {
        "readings": [
            {
                "signal": "lv_v_min",
                "ts": "2026-11-18T22:41:00+00:00",
                "value": 9.31,
                "threshold": 9.6,
                "op": "<",
            }
        ]
    }
    n = Notice(
        RiskKind.BATTERY_12V, "high", "x", parse_evidence(RiskKind.BATTERY_12V, ev), None, None, None, "Model",
        "LGWEF4A59NH000123",
    )  # fmt: skip
    shanghai = compose(n, recipient=Recipient("A", "en", "Asia/Shanghai"), options=[], now=NOW).body
    berlin = compose(n, recipient=Recipient("A", "en", "Europe/Berlin"), options=[], now=NOW).body
    assert "Nov 19, 2026, 6:41 AM" in shanghai and "Nov 18, 2026, 11:41 PM" in berlin


def test_notify_low_charge_diagnosis_changes_the_finding() -> None:
    ev = parse_evidence(RiskKind.BATTERY_12V, CASES[RiskKind.BATTERY_12V][1])
    n = Notice(
        RiskKind.BATTERY_12V, "medium", "low_state_of_charge", ev, None, None, None, "M", "LGWEF4A59NH000123"
    )
    msg = compose(n, recipient=Recipient("A", "zh-CN", "Asia/Shanghai"), options=[], now=NOW)
    assert "亏电" in msg.subject and "静置电压" in msg.body


def test_notify_templates_are_strict_about_missing_variables() -> None:
    template = template_for(RiskKind.WINTER_PREP, "en")
    with pytest.raises(jinja2.UndefinedError):
        "".join(template.blocks["body"](template.new_context({"name": "A"})))
    with pytest.raises(ValueError):
        template_for(RiskKind.WINTER_PREP, "fr")


@pytest.mark.parametrize(
    ("diagnosis", "en", "zh"),
    [
        ("pads_worn", "are due for replacement", "已到更换标准"),
        ("pads_near_limit", "will soon need", "即将需要更换"),
    ],
)
def test_notify_brake_wording_follows_the_diagnosis(diagnosis: str, en: str, zh: str) -> None:
    evidence = parse_evidence(RiskKind.BRAKE_PADS, CASES[RiskKind.BRAKE_PADS][1])
    n = Notice(
        RiskKind.BRAKE_PADS,
        "high",
        diagnosis,
        evidence,
        date(2026, 12, 19),
        None,
        None,
        "M",
        "LGWEF4A59NH000123",
    )
    assert en in compose(n, recipient=Recipient("A", "en", "Asia/Shanghai"), options=[], now=NOW).subject
    assert zh in compose(n, recipient=Recipient("A", "zh-CN", "Asia/Shanghai"), options=[], now=NOW).subject


def test_notify_winter_mentions_a_weak_battery() -> None:
    evidence = parse_evidence(
        RiskKind.WINTER_PREP,
        dict(CASES[RiskKind.WINTER_PREP][1]) | {"weak_12v": ["high_internal_resistance"]},
    )
    n = Notice(
        RiskKind.WINTER_PREP, "high", "winter_onset", evidence, None, None, None, "M", "LGWEF4A59NH000123"
    )
    body = compose(n, recipient=Recipient("A", "zh-CN", "Asia/Shanghai"), options=[], now=NOW).body
    assert (
        "近 7 天平均车外气温为 3.2 °C，判定阈值：低于 7 °C" in body
        and "12V 蓄电池在低温下的读数也偏弱" in body
    )


@pytest.mark.parametrize(
    ("signal", "en", "zh"),
    [
        (
            "Vehicle.Chassis.Axle.Row1.Wheel.Left.Brake.PadWear",
            "Front-left brake pad wear: 81%",
            "左前刹车片磨损为 81%",
        ),
        ("Vehicle.Powertrain.TractionBattery.StateOfCharge.Current", "Current: 81%", "Current为 81%"),
    ],
)
def test_notify_reading_labels(signal: str, en: str, zh: str) -> None:
    evidence = parse_evidence(
        RiskKind.BRAKE_PADS, {"readings": [{"signal": signal, "day": "2026-11-19", "value": 81}]}
    )
    n = Notice(RiskKind.BRAKE_PADS, "high", "x", evidence, None, None, None, "M", "LGWEF4A59NH000123")
    assert en in compose(n, recipient=Recipient("A", "en", "Asia/Shanghai"), options=[], now=NOW).body
    assert zh in compose(n, recipient=Recipient("A", "zh-CN", "Asia/Shanghai"), options=[], now=NOW).body
