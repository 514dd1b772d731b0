"""A vehicle that changes hands (the dealer's import updates vehicle.customer_id): the previous owner loses access
at once to everything about it, the new owner sees the car and its history, not the previous owner's items; an
accepted booking the dealer's data now rules out reaches the center's feed."""

from __future__ import annotations

from datetime import timedelta

import structlog

from api.auth.key_store import create_owner_token
from domain.workdays import ChinaCalendar
from notify.booking import BookingPolicy
from notify.job import run_pass
from tests.advisor_login import log_in, make_advisor
from tests.api.conftest import BASE, add_customer, add_risk, add_vehicle, surveyed, vin_for


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def _inbox_item(conn, *, customer: int, vehicle: int, risk: int, subject: str) -> None:
    dispatch = conn.execute(
        "INSERT INTO care_dispatch (customer_id, locale, subject, body, created_at) "
        "VALUES (%s, 'zh-CN', %s, 'b', %s) RETURNING id",
        (customer, subject, BASE),
    ).fetchone()[0]
    conn.execute(
        "INSERT INTO care_message (risk_id, vehicle_id, customer_id, purpose, locale, subject, body, status, "
        "send_after, dispatch_id) VALUES (%s, %s, %s, %s, 'zh-CN', %s, 'b', 'sent', %s, %s)",
        (risk, vehicle, customer, f"note-{subject}", subject, BASE, dispatch),
    )
    conn.execute(
        "INSERT INTO inbox_item (customer_id, dispatch_id, subject, body, created_at) VALUES (%s, %s, %s, 'b', %s)",
        (customer, dispatch, subject, BASE),
    )


def test_transfer_the_previous_owner_loses_every_owner_endpoint_at_once(client, world, conn) -> None:
    url, answers = surveyed(client, world, conn)  # A's car serviced, its survey waiting for the owner
    offered = world.suggestions_a[3]  # a live option of A's brake-pad risk
    second = add_vehicle(conn, vin=vin_for(3), customer_id=world.customer_a)  # a car the seller keeps
    second_risk = add_risk(conn, vehicle_id=second)
    _inbox_item(
        conn, customer=world.customer_a, vehicle=world.vehicle_a, risk=world.risk_a, subject="sold car"
    )
    _inbox_item(conn, customer=world.customer_a, vehicle=second, risk=second_risk, subject="kept car")
    for back in range(1, 4):
        conn.execute(
            "INSERT INTO telemetry_daily (vehicle_id, day, samples, lv_v_min) VALUES (%s, %s, 6, 12.1)",
            (world.vehicle_a, BASE - timedelta(days=back)),
        )
    seller = bearer(world.owner_a)
    assert len(client.get("/v1/me/inbox", headers=seller).json()["items"]) == 2

    buyer_id = add_customer(conn, name="Wang Fang", center_id=world.center_a)
    buyer = bearer(create_owner_token(conn, customer_id=buyer_id))
    conn.execute("UPDATE vehicle SET customer_id = %s WHERE id = %s", [buyer_id, world.vehicle_a])

    vin = world.vin_a
    for path in ("alerts", "health", "booking-options", "soh-chart.svg"):
        assert client.get(f"/v1/vehicles/{vin}/{path}", headers=seller).status_code == 404, path
    assert client.get(f"/v1/vehicles/{vin}/surveys", headers=seller).json()["items"] == []
    assert client.post(url, json={"answers": answers}, headers=seller).status_code == 404
    for action in ("accept", "decline"):
        assert (
            client.post(f"/v1/vehicles/{vin}/booking-options/{offered}/{action}", headers=seller).status_code
            == 404
        )
    assert [v["vin"] for v in client.get("/v1/me/vehicles", headers=seller).json()["items"]] == [vin_for(3)]
    assert [i["subject"] for i in client.get("/v1/me/inbox", headers=seller).json()["items"]] == ["kept car"]

    # The buyer sees the car and its telemetry history, none of the seller's messages, inbox or survey.
    assert [v["vin"] for v in client.get("/v1/me/vehicles", headers=buyer).json()["items"]] == [vin]
    for path in ("alerts", "health", "booking-options", "soh-chart.svg"):
        assert client.get(f"/v1/vehicles/{vin}/{path}", headers=buyer).status_code == 200, path
    assert all(
        a["messages"] == [] for a in client.get(f"/v1/vehicles/{vin}/alerts", headers=buyer).json()["alerts"]
    )
    assert client.get(f"/v1/vehicles/{vin}/surveys", headers=buyer).json()["items"] == []
    assert client.get("/v1/me/inbox", headers=buyer).json()["items"] == []
    days = conn.execute(
        "SELECT count(*) FROM telemetry_daily WHERE vehicle_id = %s", (world.vehicle_a,)
    ).fetchone()
    assert days[0] == 3
    history = conn.execute(
        "SELECT customer_id, until IS NULL FROM vehicle_ownership WHERE vehicle_id = %s ORDER BY since",
        (world.vehicle_a,),
    ).fetchall()
    assert history == [(world.customer_a, False), (buyer_id, True)]


def test_transfer_accepted_booking_in_conflict_reaches_the_centers_feed(client, world, conn) -> None:
    option = world.suggestions_a[0]
    accepted = client.post(
        f"/v1/service-centers/{world.center_a}/bookings/{option}/accept", headers=bearer(world.key_a)
    )
    assert accepted.status_code == 200
    start, end = conn.execute(
        "SELECT slot_start, slot_end FROM booking_suggestion WHERE id = %s", (option,)
    ).fetchone()
    conn.execute(
        "INSERT INTO technician_absence (technician_id, starts, ends, reason) VALUES (%s, %s, %s, 'sick')",
        (world.tech_a, start, end),
    )
    report = run_pass(
        conn, calendar=ChinaCalendar(), policy=BookingPolicy(), now=BASE, log=structlog.get_logger()
    )
    assert report.conflicts == 1
    feed = client.get(f"/v1/service-centers/{world.center_a}/feed", headers=bearer(world.key_a)).json()[
        "items"
    ]
    conflict = [i for i in feed if i["kind"] == "booking_conflict"]
    assert len(conflict) == 1
    assert conflict[0]["reason"] == "technician_absent" and conflict[0]["detail"]["booking_id"] == option
    assert conflict[0]["vin"] == world.vin_a
    other = client.get(f"/v1/service-centers/{world.center_a}/feed", headers=bearer(world.key_b))
    assert other.status_code == 403
    status = conn.execute("SELECT status FROM booking_suggestion WHERE id = %s", (option,)).fetchone()[0]
    assert status == "accepted"  # never moved

    # The advisor page shows it under "Bookings to rebook".
    make_advisor(conn, center_id=world.center_a, email="advisor.a@example.com")
    assert log_in(client, "advisor.a@example.com").status_code == 303
    board = client.get("/advisor", headers={"Accept-Language": "en"}).text
    section = board.split('id="conflicts"', 1)[1].split("</table>", 1)[0]
    assert "Bookings to rebook" in board and world.vin_a in section and "the technician is absent" in section
