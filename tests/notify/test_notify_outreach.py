"""Silent customers (pure): who gets an outreach task and with which reason."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from notify.outreach import CarActivity, OutreachParams, outreach_for

NOW = datetime(2026, 11, 20, tzinfo=UTC)
P = OutreachParams()


@pytest.mark.parametrize(
    ("since_visit", "active", "km", "soh", "reason"),
    [
        (400, 20, 620.0, None, "due_for_maintenance"),
        (400, 20, None, 88.44, "battery_report_ready"),
        (400, 20, 5000.0, None, "no_visit"),
        (300, 20, 620.0, None, None),  # visited within the year
        (400, 5, 620.0, None, None),  # hardly drives: not worth a call
    ],
)
def test_notify_outreach_reason(since_visit, active, km, soh, reason) -> None:
    task = outreach_for(CarActivity(NOW - timedelta(days=since_visit), active, km, soh), now=NOW, params=P)
    assert (task.reason if task else None) == reason


def test_notify_outreach_texts() -> None:
    car = CarActivity(NOW - timedelta(days=400), 20, 620.0, None)
    assert outreach_for(car, now=NOW, params=P).text == "due for maintenance in ~600 km"
    ev = CarActivity(NOW - timedelta(days=400), 20, None, 88.44)
    assert outreach_for(ev, now=NOW, params=P).text == "battery report ready (health 88.4 %)"
    shorter = OutreachParams(silent_for=timedelta(days=180))
    assert (
        outreach_for(CarActivity(NOW - timedelta(days=200), 20, None, None), now=NOW, params=shorter).reason
        == "no_visit"
    )
