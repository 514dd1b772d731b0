"""The advisor's worklist as pure views: cards per case, mine/team, readings in words, zones, actions, free slots."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from api.views.advisor_slots import free_slots
from api.views.advisor_words import kind_label, reading_lines, why_label, zoned
from api.views.advisor_worklist import Action, Scope, parts_used, price_text, worklist
from domain.vocabulary import RiskKind

SLOT = datetime(2026, 12, 8, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
PADS = {
    "readings": [
        {"signal": f"Vehicle.Chassis.Axle.Row{row}.Wheel.{side}.Brake.PadWear", "day": "2026-12-01", "value": v,
         "threshold": 80, "op": ">="}
        for (row, side), v in zip(
            [(1, "Left"), (1, "Right"), (2, "Left"), (2, "Right")], [78.0, 82.0, 79.5, 80.0], strict=True
        )
    ]
}  # fmt: skip


def _row(booking_id: int, *, risk_id: int = 7, status: str = "suggested", stage: str = "notified", **extra):
    row = {
        "id": booking_id,
        "status": status,
        "slot_start": SLOT + timedelta(hours=booking_id),
        "tz": "Asia/Shanghai",
        "technician_name": "Wang",
        "risk_id": risk_id,
        "kind": "brake_pads",
        "severity": "medium",
        "diagnosis": "pads_near_limit",
        "evidence": PADS,
        "vin": "LSVAU2180N0000001",
        "plate": "黑A00001",
        "model": "Lavida",
        "customer_id": 3,
        "customer_name": "Li Na",
        "phone": "+86 138 0000 0000",
        "advisor_id": 11,
        "advisor_name": "Zhao",
        "stage": stage,
        "work_started_at": None,
        "told_subject": "刹车片需要更换",
        "told_body": "刹车片磨损接近极限。",
        "told_at": SLOT - timedelta(days=2),
        "estimate": {"total": {"amount": "398.00", "currency": "CNY"}},
        "parts": [{"sku": "PAD-F", "name": "Front pads", "qty": 1, "in_stock": False}],
        "notes": [],
    }
    return {**row, **extra}


def test_the_alternatives_of_one_case_make_one_card_with_words_not_codes():
    rows = [_row(1), _row(2), _row(3), _row(4, risk_id=8, kind="battery_12v", diagnosis="high_internal_resistance",
                                           evidence={"readings": []})]  # fmt: skip
    cards = worklist(rows, locale="en", advisor_id=11, scope=Scope.TEAM)
    assert [c.risk_id for c in cards] == [7, 8]
    pads = cards[0]
    assert [o.booking_id for o in pads.offers] == [1, 2, 3] and pads.booked is None
    assert (
        pads.kind == "Brake pads wearing out" and pads.why == "the pads will reach the replacement limit soon"
    )
    assert pads.readings == ["pad wear 78–82 % (limit 80 %)"]
    assert pads.offers[0].when == "2026-12-08 10:00 CST (Asia/Shanghai)"
    assert pads.price == "¥398.00" and pads.parts == ["1× Front pads (to order)"]
    assert pads.told == "刹车片需要更换 — 刹车片磨损接近极限。"
    assert pads.offers[0].actions == (Action.ACCEPT, Action.DECLINE)
    assert cards[1].kind == "12 V battery weak"
    text = repr(cards)
    assert "Vehicle." not in text and "pads_near_limit" not in text and "brake_pads" not in text


def test_mine_keeps_only_the_advisors_customers():
    rows = [_row(1), _row(2, risk_id=9, advisor_id=12)]
    assert [c.risk_id for c in worklist(rows, locale="en", advisor_id=11, scope=Scope.MINE)] == [7]
    assert len(worklist(rows, locale="en", advisor_id=11, scope=Scope.TEAM)) == 2
    assert worklist(rows, locale="en", advisor_id=None, scope=Scope.MINE) == []


@pytest.mark.parametrize(
    ("stage", "started", "actions"),
    [
        ("booked", None, (Action.CHECK_IN, Action.RESCHEDULE, Action.DECLINE)),
        ("checked_in", None, (Action.START, Action.COMPLETE)),
        ("checked_in", SLOT, (Action.COMPLETE,)),
    ],
)
def test_a_booked_visit_offers_the_steps_its_stage_allows(stage, started, actions):
    (card,) = worklist(
        [_row(5, status="accepted", stage=stage, work_started_at=started)],
        locale="zh-CN",
        advisor_id=11,
        scope=Scope.MINE,
    )
    assert card.booked is not None and card.booked.actions == actions and card.offers == []
    assert card.stage == {"booked": "已预约", "checked_in": "车辆已到店"}[stage] if not started else "维修中"
    assert card.readings == ["刹车片磨损 78–82 %（限值 80 %）"]


def test_booked_cards_come_before_offers():
    rows = [_row(1), _row(9, risk_id=8, status="accepted", stage="booked")]
    assert [c.risk_id for c in worklist(rows, locale="en", advisor_id=11, scope=Scope.TEAM)] == [8, 7]


def test_every_kind_and_known_diagnosis_has_words_in_both_languages():
    for kind in RiskKind:
        for locale in ("en", "zh-CN"):
            assert kind_label(kind, locale) and "_" not in kind_label(kind, locale)
    assert kind_label("something_new", "en") == "Care needed"
    assert why_label("high_internal_resistance", "zh-CN") == "启动时电压跌落比健康电池更深"
    assert why_label("some_code", "en") == ""


def test_readings_of_one_signal_over_days_are_one_line_without_paths():
    evidence = {
        "readings": [
            {"signal": "Vehicle.LowVoltageBattery.CurrentVoltage", "day": f"2026-12-0{d}", "value": v,
             "threshold": 9.6, "op": "<"}
            for d, v in ((1, 9.31), (2, 9.5), (3, 9.42))
        ]
    }  # fmt: skip
    assert reading_lines("battery_12v", evidence, locale="en") == [
        "12 V battery voltage 9.31–9.5 V (limit 9.6 V)"
    ]


def test_times_name_their_zone_with_letters_or_an_offset():
    assert zoned(SLOT, "Asia/Shanghai") == "2026-12-08 09:00 CST (Asia/Shanghai)"
    assert zoned(SLOT, "Asia/Dubai") == "2026-12-08 05:00 +04:00 (Asia/Dubai)"


def test_price_text_is_empty_without_a_price():
    assert price_text(None) == "" and price_text({"total": {}}) == "" and price_text({"total": "x"}) == ""


HOURS = {"mon": ["08:30", "18:00"], "tue": ["08:30", "18:00"], "wed": None, "sun": None}


def test_free_slots_stay_inside_opening_hours_and_skip_busy_and_closed_days():
    now = datetime(2026, 12, 7, 2, 10, tzinfo=UTC)  # Monday 10:10 in Shanghai
    busy = [(datetime(2026, 12, 7, 4, 0, tzinfo=UTC), datetime(2026, 12, 7, 5, 0, tzinfo=UTC))]
    slots = free_slots(
        opening_hours=HOURS,
        tz="Asia/Shanghai",
        length=timedelta(minutes=50),
        busy=busy,
        closed_days=[date(2026, 12, 8)],
        now=now,
        limit=50,
    )
    local = [zoned(s, "Asia/Shanghai")[:16] for s in slots]
    assert local[0] == "2026-12-07 10:30"
    assert "2026-12-07 11:30" not in local and "2026-12-07 12:30" not in local  # overlap the busy hour
    assert "2026-12-07 13:30" in local and "2026-12-07 16:30" in local and "2026-12-07 17:30" not in local
    assert not any(s.startswith(("2026-12-08", "2026-12-09")) for s in local)  # closed day, closed weekday
    assert local[-1] == "2026-12-15 16:30"  # two weeks ahead


@pytest.mark.parametrize(
    ("form", "used"),
    [
        ({}, []),
        ({"part_1": "BAT", "qty_1": "2", "part_2": "", "qty_2": "1"}, [{"sku": "BAT", "qty": 2}]),
        ({"part_1": "BAT", "part_3": "BAT", "qty_3": "3"}, [{"sku": "BAT", "qty": 4}]),
        ({"part_1": "NOT-OURS"}, None),
        ({"part_1": "BAT", "qty_1": "0"}, None),
        ({"part_1": "BAT", "qty_1": "21"}, None),
        ({"part_1": "BAT", "qty_1": "two"}, None),
    ],
)
def test_parts_used_come_from_the_shelf_in_sane_quantities(form, used):
    assert parts_used(form, {"BAT", "PAD"}) == used
