"""A maintenance reminder judged by the service schedule (a car without a service countdown) says so: the last
recorded service (or the day the car entered service), the interval and the distance since; never "the service
reminder shows"."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from domain.evidence import parse_evidence
from domain.vocabulary import RiskKind
from notify.compose import Notice, Recipient, compose

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
EVIDENCE = {
    "readings": [], "km_left": 400.0, "km_per_day": 40.0, "time_days_left": 50.0, "days_left": 10.0,
    "threshold": 14.0, "op": "<=", "threshold_km": 500.0, "schedule_basis": "maintenance_visit",
    "schedule_from": "2026-03-02", "schedule_months": 12, "schedule_km": 15000.0, "km_since": 14600.0,
}  # fmt: skip


@pytest.mark.parametrize(
    ("locale", "basis", "expected"),
    [
        ("en", "maintenance_visit", ["every 12 months or 15,000 km", "Last recorded service", "14,600 km"]),
        ("en", "in_service", ["In service since (no service on record)"]),
        ("zh-CN", "maintenance_visit", ["每12个月", "上次保养记录", "此后行驶"]),
    ],
)
def test_a_schedule_based_reminder_names_the_last_service(locale, basis, expected) -> None:
    evidence = parse_evidence(RiskKind.MAINTENANCE_DUE, EVIDENCE | {"schedule_basis": basis})
    notice = Notice(RiskKind.MAINTENANCE_DUE, "medium", "service_due_soon", evidence, date(2026, 11, 30), None,
                    None, "Lavida", "LSVAU2180N2183294")  # fmt: skip
    recipient = Recipient("Li Na", locale, "Asia/Shanghai", "family")
    body = compose(notice, recipient=recipient, options=[], now=NOW).body
    for text in expected:
        assert text in body, body
    assert "service reminder" not in body and "保养提醒" not in body
