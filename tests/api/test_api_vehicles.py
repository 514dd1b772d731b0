"""The owner's view of a vehicle: own cars only, no existence leaks, VIN validation."""

from __future__ import annotations

import pytest


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def test_owner_sees_own_vehicle_alerts_with_messages_and_options(client, world):
    resp = client.get(f"/v1/vehicles/{world.vin_a}/alerts", headers=bearer(world.owner_a))
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert (body["vin"], body["model"]) == (world.vin_a, "Lavida")
    assert [a["kind"] for a in body["alerts"]] == ["brake_pads", "battery_12v"]  # newest risk first
    battery = body["alerts"][1]
    assert battery["id"] == world.risk_a
    assert battery["status"] == "open"
    assert battery["messages"] == [
        {
            "purpose": "first_notice",
            "locale": "zh-CN",
            "subject": "蓄电池需要检查",
            "body": "启动电压偏低。",
            "created_at": "2026-11-20T00:00:00Z",
        }
    ]
    options = battery["booking_options"]
    assert [o["rank"] for o in options] == [1, 2, 3]
    assert options[0]["center"] == {"id": world.center_a, "name": "HRB01 4S", "city": "Harbin"}
    assert options[0]["technician_name"] == "Tech of HRB01"
    assert options[0]["slot_start"] == "2026-11-23T01:00:00Z"
    assert options[0]["parts"][0]["sku"] == "BAT-12V-AGM70"
    assert body["alerts"][0]["messages"] == []


def test_closed_risks_are_not_shown_and_resolved_ones_are(client, world, conn, seed_risk):
    conn.execute(
        "UPDATE risk SET status = 'closed' WHERE vehicle_id = %s AND kind = 'brake_pads'", (world.vehicle_a,)
    )
    resolved = seed_risk(vehicle_id=world.vehicle_a, kind="winter_prep", status="resolved")
    body = client.get(f"/v1/vehicles/{world.vin_a}/alerts", headers=bearer(world.owner_a)).json()
    assert [(a["id"], a["status"]) for a in body["alerts"]] == [
        (resolved, "resolved"),
        (world.risk_a, "open"),
    ]
    assert body["alerts"][0]["resolved_at"] == "2026-11-20T00:00:00Z"


@pytest.mark.parametrize("which", ["other_owner", "nonexistent"])
def test_vin_not_owned_or_unknown_is_the_same_404(client, world, which):
    vin = world.vin_b if which == "other_owner" else "LSVAU2180N9999999"
    resp = client.get(f"/v1/vehicles/{vin}/alerts", headers=bearer(world.owner_a))
    assert resp.status_code == 404
    assert resp.json() == {"error": {"code": "not_found", "message": "vehicle not found"}}


def test_malformed_vin_is_422_with_a_message(client, world):
    for vin in ["LSVAU2180N218329", "LSVAU2180N218329I", "lsvau2180n2183294", "X" * 300]:
        resp = client.get(f"/v1/vehicles/{vin}/alerts", headers=bearer(world.owner_a))
        assert resp.status_code == 422, vin
        error = resp.json()["error"]
        assert error["code"] == "validation_error"
        assert (
            error["message"]
            == "path.vin: VIN must be 17 characters: digits and capital letters except I, O and Q"
        )


def test_center_key_or_revoked_token_cannot_read_owner_alerts(client, world, conn):
    assert (
        client.get(f"/v1/vehicles/{world.vin_a}/alerts", headers=bearer(world.admin_key)).status_code == 401
    )
    assert client.get(f"/v1/vehicles/{world.vin_a}/alerts").status_code == 401
    conn.execute("UPDATE owner_token SET revoked_at = now()")
    resp = client.get(f"/v1/vehicles/{world.vin_a}/alerts", headers=bearer(world.owner_a))
    assert resp.status_code == 401
    assert resp.json()["error"]["message"] == "owner token is invalid or revoked"
