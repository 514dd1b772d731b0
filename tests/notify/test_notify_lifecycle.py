"""One car through the whole lifecycle on the real database and API: detected -> notified -> booked ->
checked in -> serviced -> verified by telemetry -> closed, then `carecast report rules`; plus the pure
verification table."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.auth.key_store import create_center_key, create_owner_token
from api.settings import ApiSettings
from core.settings import LogSettings
from domain.outcomes import RuleOutcome
from domain.workdays import ChinaCalendar
from notify.booking import BookingPolicy
from notify.job import run_pass
from notify.report import format_table
from notify.verification import VerifyParams, verdict
from tests.notify.test_notify_outbox import LOG
from tests.notify.test_notify_repository import NOW, ROOT, seed_car, seed_reference

S = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("status", "last_seen", "days", "expected"),
    [
        ("open", S - timedelta(days=1), 7, "verified"),
        ("open", S - timedelta(days=1), 6, "waiting"),
        ("resolved", S + timedelta(days=9), 7, "verified"),  # detection resolved it: no longer firing
        ("open", S + timedelta(days=2), 7, "verified"),  # echo of old readings inside the grace period
        ("open", S + timedelta(days=4), 9, "refired"),
    ],
)
def test_notify_verification_verdict(status, last_seen, days, expected) -> None:
    got = verdict(
        serviced_at=S, risk_status=status, last_seen_at=last_seen, days_with_data=days, params=VerifyParams()
    )
    assert got == expected


def test_notify_report_table_precision() -> None:
    rows = [
        RuleOutcome("battery_12v.crank", 1, "battery_12v", 3, 1, 2, 20.0, 4.5),
        RuleOutcome("x", 1, "brake_pads", 0, 0, 0, None, None),
    ]
    text = format_table(rows)
    assert "0.75" in text and text.splitlines()[2].split()[4] == "-"


def test_notify_one_car_from_risk_to_closed_case(conn, database) -> None:
    ids = seed_reference(conn)
    car = seed_car(conn, vin="LGWEF4A59NH000123")

    def notify(at: datetime):
        return run_pass(conn, calendar=ChinaCalendar(), policy=BookingPolicy(), now=at, log=LOG)

    notify(NOW)
    assert conn.execute("SELECT stage FROM care_case").fetchone()[0] == "notified"
    owner = create_owner_token(conn, customer_id=car["customer"])
    key = create_center_key(conn, center_id=ids["HRB1"], label="desk")
    settings = ApiSettings(database=database, log=LogSettings(level="WARNING"))
    with TestClient(create_app(settings)) as client:
        alerts = client.get(
            "/v1/vehicles/LGWEF4A59NH000123/alerts", headers={"Authorization": f"Bearer {owner}"}
        )
        option = alerts.json()["alerts"][0]["booking_options"][0]
        assert option["center"]["id"] == ids["HRB1"]
        accepted = client.post(
            f"/v1/vehicles/LGWEF4A59NH000123/booking-options/{option['id']}/accept",
            headers={"Authorization": f"Bearer {owner}", "Idempotency-Key": "book-1"},
        )
        assert accepted.json()["stage"] == "booked"
        desk = {"Authorization": f"Bearer {key}"}
        base = f"/v1/service-centers/{ids['HRB1']}/bookings/{option['id']}"
        assert client.post(f"{base}/check-in", headers=desk).json()["stage"] == "checked_in"
        done = client.post(
            f"{base}/complete", headers=desk,
            json={"outcome": "fault_confirmed", "parts_used": [{"sku": "BAT-12V-AGM70", "qty": 1}]},
        )  # fmt: skip
        assert done.json()["stage"] == "serviced"

    # No reminders once booked, even on reminder day.
    assert notify(NOW + timedelta(days=7)).notified == 0
    serviced_at = conn.execute("SELECT serviced_at FROM care_case").fetchone()[0]
    # A week of healthy telemetry after the grace period verifies the fix.
    for day in range(4, 12):
        conn.execute(
            "INSERT INTO telemetry_daily (vehicle_id, day, samples, lv_v_min) VALUES (%s, %s, 6, 10.3)"
            " ON CONFLICT DO NOTHING",
            (
                car["vehicle"],
                (serviced_at + timedelta(days=day)).replace(hour=0, minute=0, second=0, microsecond=0),
            ),
        )
    report = notify(serviced_at + timedelta(days=12))
    assert report.verified == 1
    stage, reason, risk_status = conn.execute(
        "SELECT k.stage, k.close_reason, r.status FROM care_case k JOIN risk r ON r.id = k.risk_id"
    ).fetchone()
    assert (stage, reason, risk_status) == ("closed", "verified", "closed")

    env = {**os.environ, "CARECAST_DATABASE__URL": database.url}
    out = subprocess.run(
        [sys.executable, "-m", "core.cli", "report", "rules"], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    row = next(line.split() for line in out.stdout.splitlines() if line.startswith("battery_12v.crank"))
    assert row[2:6] == ["1", "0", "1.00", "1"]
