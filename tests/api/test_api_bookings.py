"""Booking actions through the API and the real database: accept reserves slot and parts, idempotency, scoping,
the case lifecycle at the workshop, declines, and parallel accepts racing for one technician's time."""

from __future__ import annotations

import threading

import httpx
import psycopg
import pytest


def bearer(secret: str, key: str | None = None) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {secret}"}
    return headers | ({"Idempotency-Key": key} if key else {})


@pytest.fixture
def stocked(conn: psycopg.Connection, world) -> int:
    """Center A stocks 3 batteries; return the part id."""
    part = conn.execute(
        "INSERT INTO part (sku, name) VALUES ('BAT-12V-AGM70', 'battery') RETURNING id"
    ).fetchone()[0]
    conn.execute(
        "INSERT INTO part_stock (center_id, part_id, on_hand) VALUES (%s, %s, 3)", (world.center_a, part)
    )
    return part


def stock(conn: psycopg.Connection, world) -> tuple[int, int]:
    return conn.execute(
        "SELECT on_hand, reserved FROM part_stock WHERE center_id = %s", (world.center_a,)
    ).fetchone()


def statuses(conn: psycopg.Connection, ids: list[int]) -> list[str]:
    rows = dict(
        conn.execute("SELECT id, status FROM booking_suggestion WHERE id = ANY(%s)", (ids,)).fetchall()
    )
    return [rows[i] for i in ids]


def owner_accept(client, world, option: int, key: str | None = None):
    return client.post(
        f"/v1/vehicles/{world.vin_a}/booking-options/{option}/accept", headers=bearer(world.owner_a, key)
    )


def center(client, world, option: int, action: str, key: str | None = None, **body):
    return client.post(
        f"/v1/service-centers/{world.center_a}/bookings/{option}/{action}",
        headers=bearer(world.key_a, key),
        json=body or None,
    )


def test_owner_accept_reserves_slot_and_parts_and_releases_the_other_options(client, world, conn, stocked):
    first, second, third = world.suggestions_a[:3]
    resp = owner_accept(client, world, first)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert (body["status"], body["stage"], body["accepted_by"]) == ("accepted", "booked", "owner")
    assert statuses(conn, [first, second, third]) == ["accepted", "expired", "expired"]
    assert stock(conn, world) == (3, 1)
    again = owner_accept(client, world, first)  # a plain repeat is harmless
    assert again.status_code == 200 and again.json() == body
    assert stock(conn, world) == (3, 1)
    assert owner_accept(client, world, second).json()["error"]["code"] == "offer_unavailable"


def test_idempotency_key_replays_the_first_answer_and_refuses_reuse(client, world, conn, stocked):
    first, second = world.suggestions_a[:2]
    one = owner_accept(client, world, first, key="k-1")
    two = owner_accept(client, world, first, key="k-1")
    assert one.status_code == two.status_code == 200 and one.json() == two.json()
    assert conn.execute("SELECT count(*) FROM idempotency_record").fetchone()[0] == 1
    reused = owner_accept(client, world, second, key="k-1")
    assert (reused.status_code, reused.json()["error"]["code"]) == (422, "idempotency_key_reused")


def test_accept_is_scoped_to_the_caller(client, world):
    other_center = client.post(
        f"/v1/service-centers/{world.center_b}/bookings/{world.suggestions_b[0]}/accept",
        headers=bearer(world.key_a),
    )
    assert other_center.status_code == 403
    not_mine = client.post(
        f"/v1/vehicles/{world.vin_b}/booking-options/{world.suggestions_b[0]}/accept",
        headers=bearer(world.owner_a),
    )
    assert not_mine.status_code == 404
    wrong_center = center(client, world, world.suggestions_b[0], "accept")  # B's booking via A's path
    assert wrong_center.status_code == 404


def test_workshop_lifecycle_check_in_complete_idempotent(client, world, conn, stocked):
    option = world.suggestions_a[0]
    assert (
        center(client, world, option, "complete", outcome="fault_confirmed").status_code == 409
    )  # not booked
    assert center(client, world, option, "accept").json()["stage"] == "booked"
    early = center(client, world, option, "complete", outcome="fault_confirmed")
    assert (early.status_code, early.json()["error"]["code"]) == (409, "not_checked_in")
    early = center(client, world, option, "start")
    assert (early.status_code, early.json()["error"]["code"]) == (409, "not_checked_in")
    for _ in range(2):
        assert center(client, world, option, "check-in").json()["stage"] == "checked_in"
    started = [center(client, world, option, "start").json() for _ in range(2)]
    assert started[0]["stage"] == "checked_in" and started[0]["work_started_at"] is not None
    assert started[1]["work_started_at"] == started[0]["work_started_at"]  # a repeat keeps the first stamp
    parts = [{"sku": "BAT-12V-AGM70", "qty": 1}]
    done = center(client, world, option, "complete", key="c-1", outcome="fault_confirmed", parts_used=parts)
    assert (done.status_code, done.json()["stage"], done.json()["outcome"]) == (
        200,
        "serviced",
        "fault_confirmed",
    )
    assert stock(conn, world) == (2, 0)  # used from the shelf, reservation ended
    assert (
        center(client, world, option, "complete", outcome="fault_confirmed", parts_used=parts).status_code
        == 200
    )
    assert stock(conn, world) == (2, 0)  # a repeat changes nothing
    assert center(client, world, option, "decline").json()["error"]["code"] == "already_checked_in"
    serviced_at, parts_used = conn.execute("SELECT serviced_at, parts_used FROM care_case").fetchone()
    assert serviced_at is not None and parts_used == parts


def test_no_fault_found_closes_the_case(client, world, conn):
    option = world.suggestions_a[0]
    center(client, world, option, "accept")
    center(client, world, option, "check-in")
    body = center(client, world, option, "complete", outcome="no_fault_found").json()
    assert body["stage"] == "closed"
    assert conn.execute("SELECT close_reason FROM care_case").fetchone()[0] == "no_fault_found"


def test_center_decline_gives_back_slot_and_parts_and_owner_can_mute(client, world, conn, stocked):
    option = world.suggestions_a[0]
    center(client, world, option, "accept")
    declined = center(client, world, option, "decline")
    assert (declined.json()["status"], declined.json()["stage"]) == ("declined", "notified")
    assert stock(conn, world) == (3, 0)
    other = world.suggestions_a[3]  # the brake risk's option
    resp = client.post(
        f"/v1/vehicles/{world.vin_a}/booking-options/{other}/decline",
        headers=bearer(world.owner_a),
        json={"remind": False},
    )
    assert (resp.status_code, resp.json()["status"], resp.json()["muted"]) == (200, "declined", True)


def test_parallel_accepts_of_overlapping_slots_only_one_wins(
    live_api, world, conn, seed_risk, seed_suggestion
):
    # Several risks of the same car are offered the same technician at the same hour.
    from datetime import timedelta

    from tests.api.conftest import BASE

    options = [world.suggestions_a[0], world.suggestions_a[3]]  # battery rank 1 and brake rank 1: same slot
    for kind in ("winter_prep", "ev_battery_soh"):
        risk = seed_risk(vehicle_id=world.vehicle_a, kind=kind)
        options.append(
            seed_suggestion(
                risk_id=risk, vehicle_id=world.vehicle_a, center_id=world.center_a, technician_id=world.tech_a,
                rank=1, created_at=BASE + timedelta(hours=9),
            )
        )  # fmt: skip
    barrier = threading.Barrier(len(options))
    codes: list[int] = []

    def accept(option: int) -> None:
        with httpx.Client(base_url=live_api, timeout=30) as http:
            barrier.wait()
            codes.append(http.post(f"/v1/service-centers/{world.center_a}/bookings/{option}/accept",
                                   headers=bearer(world.key_a)).status_code)  # fmt: skip

    threads = [threading.Thread(target=accept, args=(o,)) for o in options]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(codes) == [200] + [409] * (len(options) - 1)
    assert statuses(conn, options).count("accepted") == 1
