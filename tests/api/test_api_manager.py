"""Manager report: per-rule precision and lead time from workshop outcomes, center response times, satisfaction."""

from __future__ import annotations

import json

import pytest


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def test_rule_precision_lead_time_and_center_numbers(client, world, conn):
    a1, a2 = world.suggestions_a[0], world.suggestions_a[4]  # different slots of one technician
    risk_a2 = conn.execute("SELECT risk_id FROM booking_suggestion WHERE id = %s", (a2,)).fetchone()[0]
    conn.execute(
        "UPDATE risk SET first_seen_at = now() - interval '10 days', predicted_date = current_date + 20"
    )
    conn.execute(
        "UPDATE booking_suggestion SET status = 'accepted', accepted_at = created_at + interval '2 hours', "
        "created_at = now() - interval '5 days' WHERE id IN (%s, %s)",
        (a1, a2),
    )
    conn.execute(
        "UPDATE booking_suggestion SET accepted_at = created_at + interval '2 hours' WHERE id IN (%s, %s)",
        (a1, a2),
    )
    for risk, booking, outcome in ((world.risk_a, a1, "fault_confirmed"), (risk_a2, a2, "no_fault_found")):
        conn.execute(
            "INSERT INTO care_case (risk_id, vehicle_id, stage, booking_id, outcome, serviced_at, booked_at, "
            "checked_in_at) VALUES (%s, %s, 'serviced', %s, %s, now() - interval '1 day', now() - interval '4 days', "
            "now() - interval '1 day')",
            (risk, world.vehicle_a, booking, outcome),
        )
    conn.execute(
        "INSERT INTO survey (risk_id, customer_id, center_id, questions, answers, sent_at, answered_at) "
        "VALUES (%s, %s, %s, '[]', %s, now(), now())",
        (
            world.risk_a,
            world.customer_a,
            world.center_a,
            json.dumps({"q_explained": 5, "q_time": 2, "q_comment": "ok"}),
        ),
    )
    body = client.get("/v1/manager/report", headers=bearer(world.admin_key)).json()
    rules = {r["kind"]: r for r in body["rules"]}
    assert set(rules) == {"battery_12v", "brake_pads"}
    battery, brakes = rules["battery_12v"], rules["brake_pads"]
    assert (battery["rule_id"], battery["confirmed"], battery["no_fault_found"]) == ("test_rule", 1, 0)
    assert (brakes["confirmed"], brakes["no_fault_found"]) == (0, 1)
    assert (battery["precision"], brakes["precision"]) == (1.0, 0.0)
    assert battery["lead_days_median"] == pytest.approx(30, abs=1)
    assert brakes["lead_days_median"] is None  # lead time counts confirmed faults only
    assert battery["days_to_service_median"] == pytest.approx(9, abs=0.1)
    center_a = next(c for c in body["centers"] if c["center_id"] == world.center_a)
    assert (center_a["accepted"], center_a["accept_hours_median"]) == (2, pytest.approx(2.0))
    assert center_a["booked_to_check_in_hours_median"] == pytest.approx(72.0)
    assert center_a["satisfaction"] == {"answered": 1, "mean_score": pytest.approx(3.5), "low_scores": 1}
    center_b = next(c for c in body["centers"] if c["center_id"] == world.center_b)
    assert center_b["satisfaction"] == {"answered": 0, "mean_score": None, "low_scores": 0}


def test_report_window_is_validated(client, world):
    for days in ("0", "731", "x"):
        resp = client.get("/v1/manager/report", params={"days": days}, headers=bearer(world.admin_key))
        assert resp.status_code == 422
        assert resp.json()["error"]["message"].startswith("query.days")
