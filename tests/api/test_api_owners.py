"""Owner endpoints: my vehicles, health summary (12V, SOH with forecast band, pads, upcoming care), options, SVG."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest

from tests.api.conftest import vin_for

EV_VIN = vin_for(3)


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def ev(conn, world) -> int:
    """An EV of owner A with 60 days of rollup: SOH fading 2 %/year from 91 %, 12V and pad readings."""
    vehicle_id = conn.execute(
        "INSERT INTO vehicle (vin, customer_id, model, model_year, powertrain, region) "
        "VALUES (%s, %s, 'ID.4', 2022, 'EV', 'harbin') RETURNING id",
        (EV_VIN, world.customer_a),
    ).fetchone()[0]
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    for i in range(60):
        day = today - timedelta(days=59 - i)
        soh = 91.0 - 2.0 * i / 365 + (0.2 if i % 2 else -0.2)
        conn.execute(
            "INSERT INTO telemetry_daily (vehicle_id, day, samples, lv_v_min, lv_v_rest_avg, hv_soh_avg, "
            "pad_wear_max) VALUES (%s, %s, 6, 12.3, 12.6, %s, %s)",
            (vehicle_id, day, soh, 30 + i * 0.1),
        )
    return vehicle_id


def test_my_vehicles(client, world, ev):
    body = client.get("/v1/me/vehicles", headers=bearer(world.owner_a)).json()
    assert [(v["vin"], v["powertrain"], v["open_alerts"]) for v in body["items"]] == [
        (world.vin_a, "ICE", 2),
        (EV_VIN, "EV", 0),
    ]


def test_ev_health_summary_has_soh_forecast_band_and_pads(client, world, ev):
    resp = client.get(f"/v1/vehicles/{EV_VIN}/health", headers=bearer(world.owner_a))
    assert resp.status_code == 200, resp.text
    body = resp.json()
    battery = body["ev_battery"]
    assert battery["status"] == "ok"
    assert battery["state_of_health"] == pytest.approx(91.0 - 2.0 * 59 / 365 + 0.2, abs=0.01)
    forecast = battery["forecast"]
    assert forecast["slope_per_year"] == pytest.approx(-2.0, abs=0.6)
    assert forecast["low"] < forecast["expected"] < forecast["high"]
    assert forecast["expected"] == pytest.approx(91.0 - 2.0 * (59 + 365) / 365, abs=1.0)
    assert body["battery_12v"]["resting_voltage"] == pytest.approx(12.6)
    assert body["brake_pads"]["wear_percent"] == pytest.approx(35.9, abs=0.01)
    assert body["upcoming_care"] == []


def test_ice_health_has_no_traction_battery_and_flags_the_open_risk(client, world):
    body = client.get(f"/v1/vehicles/{world.vin_a}/health", headers=bearer(world.owner_a)).json()
    assert body["ev_battery"] is None
    assert body["battery_12v"]["status"] == "attention"
    assert body["battery_12v"]["risk"]["diagnosis"] == "high_internal_resistance"
    assert body["brake_pads"]["status"] == "attention"  # the world has an open brake_pads risk, no readings


def test_booking_options_lists_live_future_slots(client, world, conn):
    # The world's slots are in November 2026; move one into the future relative to now.
    conn.execute(
        "UPDATE booking_suggestion SET slot_start = now() + interval '2 days', slot_end = now() + interval '50 hours'"
        " WHERE id = %s",
        (world.suggestions_a[0],),
    )
    body = client.get(f"/v1/vehicles/{world.vin_a}/booking-options", headers=bearer(world.owner_a)).json()
    future = [i for i in body["items"] if i["id"] == world.suggestions_a[0]]
    assert future and future[0]["kind"] == "battery_12v" and future[0]["center"]["id"] == world.center_a


def test_soh_chart_is_an_svg_with_readings_trend_and_band(client, world, ev):
    resp = client.get(f"/v1/vehicles/{EV_VIN}/soh-chart.svg", headers=bearer(world.owner_a))
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("image/svg+xml")
    root = ET.fromstring(resp.text)
    ns = "{http://www.w3.org/2000/svg}"
    assert len(root.findall(f"{ns}circle")) == 60
    classes = {el.get("class") for el in root.iter()}
    assert {"band", "trend", "threshold", "reading"} <= classes
    assert "<script" not in resp.text


def test_the_threshold_is_the_shared_soh_setting(make_client, world, ev, monkeypatch):
    # CARECAST_SOH__THRESHOLD_PCT: the EV battery rule in detection reads the same setting
    # (tests/detection/test_det_ev_battery.py), so the chart's threshold line is the risk's.
    for threshold in (80.0, 85.0):
        monkeypatch.setenv("CARECAST_SOH__THRESHOLD_PCT", str(threshold))
        client = make_client()
        health = client.get(f"/v1/vehicles/{EV_VIN}/health", headers=bearer(world.owner_a)).json()
        assert health["ev_battery"]["threshold"] == threshold
        svg = client.get(f"/v1/vehicles/{EV_VIN}/soh-chart.svg", headers=bearer(world.owner_a)).text
        ns = "{http://www.w3.org/2000/svg}"
        labels = [t.text for t in ET.fromstring(svg).iter(f"{ns}text") if t.text and t.text.endswith("%")]
        # The y axis starts a point under the lowest value drawn: the threshold line or the band's low end.
        lowest = min(threshold, health["ev_battery"]["forecast"]["low"])
        assert min(float(label[:-1]) for label in labels) == pytest.approx(lowest - 1, abs=0.5)


def test_soh_chart_of_a_car_without_readings_says_so(client, world):
    resp = client.get(f"/v1/vehicles/{world.vin_a}/soh-chart.svg", headers=bearer(world.owner_a))
    assert resp.status_code == 200
    assert "no state-of-health readings" in resp.text


def _deliver_in_app(conn, customer_id: int, subject: str, at: datetime) -> None:
    dispatch = conn.execute(
        "INSERT INTO care_dispatch (customer_id, locale, subject, body, created_at) "
        "VALUES (%s, 'en', %s, 'body', %s) RETURNING id",
        (customer_id, subject, at),
    ).fetchone()[0]
    conn.execute(
        "INSERT INTO inbox_item (customer_id, dispatch_id, subject, body, created_at) VALUES (%s, %s, %s, 'body', %s)",
        (customer_id, dispatch, subject, at),
    )


def test_my_inbox_lists_only_my_in_app_messages_newest_first(client, conn, world):
    other = conn.execute("SELECT customer_id FROM vehicle WHERE vin = %s", (world.vin_b,)).fetchone()[0]
    now = datetime.now(UTC)
    _deliver_in_app(conn, world.customer_a, "older", now - timedelta(days=1))
    _deliver_in_app(conn, world.customer_a, "newer", now)
    _deliver_in_app(conn, other, "not yours", now)

    resp = client.get("/v1/me/inbox", headers=bearer(world.owner_a))
    assert resp.status_code == 200
    assert [i["subject"] for i in resp.json()["items"]] == ["newer", "older"]
    assert (
        client.get("/v1/me/inbox?limit=1", headers=bearer(world.owner_a)).json()["items"][0]["subject"]
        == "newer"
    )
    assert client.get("/v1/me/inbox?limit=0", headers=bearer(world.owner_a)).status_code == 422
    assert client.get("/v1/me/inbox", headers=bearer(world.key_a)).status_code == 401
