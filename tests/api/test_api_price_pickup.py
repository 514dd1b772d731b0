"""Price before booking and pickup & delivery through the API: the owner sees the estimate notify stored, the
center sees the same one; accepting with pickup frames the slot with the driving time, adds the fee, and shows in
the center's feed and cases; a center without pickup or an address beyond its radius is refused (422)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import psycopg
import pytest

from api.auth.key_store import create_center_key, create_owner_token
from core.privacy import erase_person
from domain.pickup import driving_time, haversine_km
from domain.workdays import ChinaCalendar
from notify.booking import BookingPolicy
from notify.job import run_pass
from tests.notify.test_notify_price import price_centers
from tests.notify.test_notify_repository import LOG, NOW, seed_car, seed_reference

VIN = "LGWEF4A59NH000123"
HRB1 = (45.770, 126.620)
NEAR = (45.815, 126.620)  # 5 km north of HRB1
FAR = (46.300, 126.620)  # 59 km north


@pytest.fixture
def booked_world(conn: psycopg.Connection) -> dict:
    """Notify plans the car's options (priced at HRB1), moved whole weeks ahead so they lie in the future."""
    ids = seed_reference(conn)
    price_centers(conn, ids)
    conn.execute(
        "UPDATE service_center SET pickup_offered = true, pickup_radius_km = 20, pickup_fee = 50.00 WHERE id = %s",
        (ids["HRB1"],),
    )
    car = seed_car(conn, vin=VIN)
    run_pass(conn, calendar=ChinaCalendar(), policy=BookingPolicy(), now=NOW, log=LOG)
    weeks = timedelta(weeks=(datetime.now(UTC) - NOW).days // 7 + 1)
    conn.execute(
        "UPDATE booking_suggestion SET slot_start = slot_start + %(w)s, slot_end = slot_end + %(w)s, "
        "expires_at = expires_at + %(w)s",
        {"w": weeks},
    )
    return {
        "ids": ids,
        "owner": {"Authorization": f"Bearer {create_owner_token(conn, customer_id=car['customer'])}"},
        "desk": {"Authorization": f"Bearer {create_center_key(conn, center_id=ids['HRB1'], label='desk')}"},
    }


def _options(client, w: dict) -> list[dict]:
    res = client.get(f"/v1/vehicles/{VIN}/booking-options", headers=w["owner"])
    assert res.status_code == 200, res.text
    return res.json()["items"]


def test_api_owner_and_center_see_the_same_estimate(make_client, booked_world) -> None:
    w, client = booked_world, make_client()
    items = _options(client, w)
    assert items, "notify planned options"
    feed = client.get(f"/v1/service-centers/{w['ids']['HRB1']}/suggested-bookings", headers=w["desk"]).json()
    shown_to_center = {i["id"]: i["estimate"] for i in feed["items"]}
    for item in items:
        if item["center"]["id"] != w["ids"]["HRB1"]:
            assert item["estimate"] is None  # HRB2 has no labour rate
            continue
        assert item["estimate"]["total"] == {"amount": "1199.00", "currency": "CNY"}
        assert item["estimate"]["tax"]["amount"] == "137.94" and item["estimate"]["tax_included"] is True
        assert shown_to_center[item["id"]] == item["estimate"]
        assert item["pickup"] is None


def test_api_accept_with_pickup_frames_the_slot_and_adds_the_fee(make_client, booked_world, conn) -> None:
    w, client = booked_world, make_client()
    option = next(i for i in _options(client, w) if i["center"]["id"] == w["ids"]["HRB1"])
    url = f"/v1/vehicles/{VIN}/booking-options/{option['id']}/accept"
    body = {"pickup": {"address": "Zhongshan Rd 12, Harbin", "lat": NEAR[0], "lon": NEAR[1]}}

    conn.execute("UPDATE service_center SET pickup_offered = false WHERE id = %s", (w["ids"]["HRB1"],))
    refused = client.post(url, headers=w["owner"], json=body)
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"]["code"] == "pickup_refused"
    assert "does not offer" in refused.json()["error"]["message"]
    conn.execute("UPDATE service_center SET pickup_offered = true WHERE id = %s", (w["ids"]["HRB1"],))
    far = {"pickup": {**body["pickup"], "lat": FAR[0], "lon": FAR[1]}}
    refused = client.post(url, headers=w["owner"], json=far)
    assert refused.status_code == 422 and "up to 20 km" in refused.json()["error"]["message"]
    assert conn.execute(
        "SELECT status FROM booking_suggestion WHERE id = %s", (option["id"],)
    ).fetchone() == ("suggested",)
    early = {"pickup": {**body["pickup"], "window_start": option["slot_start"]}}
    refused = client.post(url, headers=w["owner"], json=early)
    assert refused.status_code == 422 and "before the time you gave" in refused.json()["error"]["message"]

    accepted = client.post(url, headers=w["owner"], json=body)
    assert accepted.status_code == 200, accepted.text
    state = accepted.json()
    drive = driving_time(haversine_km(*NEAR, *HRB1), speed_kmh=25.0)
    assert drive == timedelta(minutes=15)  # 5.0 km at 25 km/h = 12 min, rounded up to 5 minutes
    start, end = (datetime.fromisoformat(option[k]) for k in ("slot_start", "slot_end"))
    assert state["slot_start"] == option["slot_start"]  # the workshop slot is unchanged
    assert datetime.fromisoformat(state["pickup"]["pickup_at"]) == start - drive
    assert datetime.fromisoformat(state["pickup"]["delivery_at"]) == end + drive
    # 1199.00 + 50.00 pickup fee, tax included: 1249.00 of which 1249 − 1249 / 1.13 = 143.69
    assert state["estimate"]["total"]["amount"] == "1249.00"
    assert state["estimate"]["tax"]["amount"] == "143.69"
    assert state["estimate"]["lines"][-1]["code"] == "pickup_delivery"

    feed = client.get(
        f"/v1/service-centers/{w['ids']['HRB1']}/suggested-bookings?status=accepted", headers=w["desk"]
    ).json()
    item = next(i for i in feed["items"] if i["id"] == option["id"])
    assert item["pickup"]["address"] == "Zhongshan Rd 12, Harbin"
    assert item["pickup"]["pickup_at"] == state["pickup"]["pickup_at"].replace("+00:00", "Z")
    assert Decimal(item["estimate"]["total"]["amount"]) == Decimal("1249.00")
    cases = client.get(f"/v1/service-centers/{w['ids']['HRB1']}/cases", headers=w["desk"]).json()
    case = next(c for c in cases["items"] if c["booking_id"] == option["id"])
    assert case["pickup"]["address"] == "Zhongshan Rd 12, Harbin"
    assert case["estimate"]["total"]["amount"] == "1249.00"
    mine = next(i for i in _options(client, w) if i["id"] == option["id"])
    assert mine["pickup"]["delivery_at"] == state["pickup"]["delivery_at"]

    # an erasure of the person takes the address with it (the times stay with the booking)
    conn.execute(
        "UPDATE customer SET ref = 'C-PICKUP' FROM vehicle v WHERE v.customer_id = customer.id AND v.vin = %s",
        (VIN,),
    )
    erase_person(conn, ref="C-PICKUP", now=datetime.now(UTC))
    assert conn.execute(
        "SELECT pickup_address, pickup_lat, pickup_at IS NOT NULL FROM booking_suggestion WHERE id = %s",
        (option["id"],),
    ).fetchone() == ("(erased)", None, True)


def test_api_accept_without_a_body_still_books(make_client, booked_world) -> None:
    w, client = booked_world, make_client()
    option = _options(client, w)[0]
    res = client.post(f"/v1/vehicles/{VIN}/booking-options/{option['id']}/accept", headers=w["owner"])
    assert res.status_code == 200, res.text
    assert res.json()["status"] == "accepted" and res.json()["pickup"] is None


@pytest.mark.parametrize(
    "pickup",
    [
        {"address": "", "lat": 45.8, "lon": 126.6},
        {"address": "x", "lat": 91, "lon": 126.6},
        {"address": "x", "lat": 45.8},
        {"address": "x", "lat": 45.8, "lon": 126.6, "window_start": "2026-12-08T10:00:00"},  # no offset
    ],
)
def test_api_bad_pickup_body_is_422(make_client, booked_world, pickup) -> None:
    w, client = booked_world, make_client()
    option = _options(client, w)[0]
    res = client.post(
        f"/v1/vehicles/{VIN}/booking-options/{option['id']}/accept",
        headers=w["owner"],
        json={"pickup": pickup},
    )
    assert res.status_code == 422, res.text
