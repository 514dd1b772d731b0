"""After a resale the new owner and the previous owner cannot touch each other's personal items: surveys, care
messages, booking options and booked visits."""

from __future__ import annotations

from api.auth.key_store import (
    create_owner_token,
)
from tests.api.conftest import add_customer, surveyed

LIMIT = 64 * 1024  # ApiOptions.max_body_bytes default


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


# -- 4. After a resale the new owner and the previous owner stay apart. ---------------------------------------


def test_after_a_resale_the_new_owner_cannot_answer_the_previous_owners_survey(client, world, conn):
    url, answers = surveyed(client, world, conn)
    buyer = add_customer(conn, name="Wang Fang", center_id=world.center_a)
    buyer_token = create_owner_token(conn, customer_id=buyer)
    conn.execute("UPDATE vehicle SET customer_id = %s WHERE id = %s", [buyer, world.vehicle_a])

    # The buyer sees the car, but none of the seller's survey, care messages or inbox.
    mine = client.get("/v1/me/vehicles", headers=bearer(buyer_token)).json()["items"]
    assert [v["vin"] for v in mine] == [world.vin_a]
    surveys = client.get(f"/v1/vehicles/{world.vin_a}/surveys", headers=bearer(buyer_token)).json()
    assert surveys["items"] == []
    answered = client.post(url, json={"answers": answers}, headers=bearer(buyer_token))
    assert (answered.status_code, answered.json()["error"]["code"]) == (404, "not_found")
    alerts = client.get(f"/v1/vehicles/{world.vin_a}/alerts", headers=bearer(buyer_token)).json()["alerts"]
    assert alerts and all(a["messages"] == [] for a in alerts)
    assert client.get("/v1/me/inbox", headers=bearer(buyer_token)).json()["items"] == []

    # The seller no longer sees the car or anything about it, nor can answer through it.
    assert client.get("/v1/me/vehicles", headers=bearer(world.owner_a)).json()["items"] == []
    for path in ("alerts", "health", "booking-options"):
        assert (
            client.get(f"/v1/vehicles/{world.vin_a}/{path}", headers=bearer(world.owner_a)).status_code == 404
        )
    assert client.post(url, json={"answers": answers}, headers=bearer(world.owner_a)).status_code == 404
    assert conn.execute("SELECT answered_at FROM survey").fetchone()[0] is None


def test_after_a_resale_the_new_owner_cannot_see_or_act_on_the_previous_owners_booking_options(
    client, world, conn
):
    """Options and booked visits are the seller's: the buyer neither sees nor accepts nor declines them."""
    booked, offered = world.suggestions_a[0], world.suggestions_a[3]
    accepted = client.post(
        f"/v1/vehicles/{world.vin_a}/booking-options/{booked}/accept", headers=bearer(world.owner_a)
    )
    assert accepted.status_code == 200
    buyer = add_customer(conn, name="Wang Fang", center_id=world.center_a)
    buyer_token = create_owner_token(conn, customer_id=buyer)
    conn.execute("UPDATE vehicle SET customer_id = %s WHERE id = %s", [buyer, world.vehicle_a])

    options = client.get(f"/v1/vehicles/{world.vin_a}/booking-options", headers=bearer(buyer_token)).json()
    assert options["items"] == []
    health = client.get(f"/v1/vehicles/{world.vin_a}/health", headers=bearer(buyer_token)).json()
    assert health["upcoming_care"] == []
    alerts = client.get(f"/v1/vehicles/{world.vin_a}/alerts", headers=bearer(buyer_token)).json()["alerts"]
    assert alerts and all(a["booking_options"] == [] for a in alerts)
    for option, action, body in ((offered, "accept", None), (booked, "decline", {"remind": False})):
        answer = client.post(
            f"/v1/vehicles/{world.vin_a}/booking-options/{option}/{action}",
            headers=bearer(buyer_token),
            json=body,
        )
        assert (answer.status_code, answer.json()["error"]["code"]) == (404, "not_found"), action
    status = conn.execute("SELECT status FROM booking_suggestion WHERE id = %s", [booked]).fetchone()[0]
    assert status == "accepted"
    # The center's view is unchanged: the visit is the center's business whoever owns the car now.
    feed = client.get(
        f"/v1/service-centers/{world.center_a}/suggested-bookings?status=accepted",
        headers=bearer(world.key_a),
    )
    assert booked in [item["id"] for item in feed.json()["items"]]
