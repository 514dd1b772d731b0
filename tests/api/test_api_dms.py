"""A center's DMS pushes its appointments and part reservations: scoped to the key's own center, idempotent by the
DMS's reference, bad input answered 4xx with a message (never 500); notify plans around what is stored."""

from __future__ import annotations

import pytest


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def dms_world(world, conn):
    employee_no = conn.execute(
        "SELECT employee_no FROM technician WHERE id = %s", (world.tech_a,)
    ).fetchone()[0]
    conn.execute(
        "INSERT INTO part (sku, name) VALUES ('BAT-12V-AGM70', 'AGM 70Ah'), ('WIPER-BLADE-SET', 'Wipers')"
    )
    return world, employee_no


APPT = {"starts": "2026-11-24T01:00:00Z", "ends": "2026-11-24T02:30:00+00:00"}


def test_dms_appointment_put_is_idempotent_and_holds_the_technician(client, dms_world, conn) -> None:
    world, employee_no = dms_world
    url = f"/v1/service-centers/{world.center_a}/dms/appointments/WO-1001"
    body = APPT | {"employee_no": employee_no}
    first = client.put(url, json=body, headers=bearer(world.key_a))
    assert first.status_code == 201, first.text
    assert first.json() | {"updated_at": None} == {
        "external_ref": "WO-1001",
        "employee_no": employee_no,
        "starts": "2026-11-24T01:00:00Z",
        "ends": "2026-11-24T02:30:00Z",
        "cancelled": False,
        "updated_at": None,
    }
    again = client.put(url, json=body, headers=bearer(world.key_a))
    assert again.status_code == 200 and again.json() == first.json()  # same state, same updated_at
    rows = conn.execute("SELECT technician_id, cancelled FROM dms_appointment").fetchall()
    assert rows == [(world.tech_a, False)]

    cancelled = client.put(url, json=body | {"cancelled": True}, headers=bearer(world.key_a))
    assert cancelled.status_code == 200 and cancelled.json()["cancelled"] is True
    assert client.get(url, headers=bearer(world.key_a)).json()["cancelled"] is True

    assert client.delete(url, headers=bearer(world.key_a)).status_code == 204
    assert client.delete(url, headers=bearer(world.key_a)).status_code == 204  # a retried DELETE is safe
    assert client.get(url, headers=bearer(world.key_a)).status_code == 404
    assert conn.execute("SELECT count(*) FROM dms_appointment").fetchone()[0] == 0


def test_dms_appointment_without_technician_takes_a_bay_only(client, dms_world, conn) -> None:
    world, _ = dms_world
    url = f"/v1/service-centers/{world.center_a}/dms/appointments/WO-7"
    assert client.put(url, json=APPT, headers=bearer(world.key_a)).status_code == 201
    assert conn.execute("SELECT technician_id FROM dms_appointment").fetchone()[0] is None


def test_dms_is_scoped_to_the_keys_own_center(client, dms_world, conn) -> None:
    world, employee_no = dms_world
    for kind, body in [
        ("appointments", APPT | {"employee_no": employee_no}),
        ("reservations", {"lines": [{"sku": "BAT-12V-AGM70", "quantity": 1}]}),
    ]:
        url = f"/v1/service-centers/{world.center_a}/dms/{kind}/X-1"
        key_b = bearer(world.key_b)
        answers = [
            client.put(url, json=body, headers=key_b),
            client.get(url, headers=key_b),
            client.delete(url, headers=key_b),
        ]
        for answer in answers:
            assert answer.status_code == 403 and answer.json()["error"]["code"] == "forbidden"
        assert client.put(url, json=body).status_code == 401
    missing = client.put(
        "/v1/service-centers/999999/dms/appointments/X", json=APPT, headers=bearer(world.admin_key)
    )
    assert missing.status_code == 404
    assert conn.execute("SELECT count(*) FROM dms_appointment").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM dms_part_reservation").fetchone()[0] == 0


def test_dms_technician_of_another_center_is_unknown(client, dms_world, conn) -> None:
    world, _ = dms_world
    other = conn.execute("SELECT employee_no FROM technician WHERE id = %s", (world.tech_b,)).fetchone()[0]
    url = f"/v1/service-centers/{world.center_a}/dms/appointments/WO-2"
    for employee_no in (other, "nobody"):
        answer = client.put(url, json=APPT | {"employee_no": employee_no}, headers=bearer(world.key_a))
        assert answer.status_code == 422 and answer.json()["error"]["code"] == "unknown_technician"
        assert employee_no in answer.json()["error"]["message"]


@pytest.mark.parametrize(
    ("kind", "body"),
    [
        ("appointments", {"starts": "2026-11-24T02:00:00Z", "ends": "2026-11-24T02:00:00Z"}),
        ("appointments", {"starts": "2026-11-24T03:00:00Z", "ends": "2026-11-24T02:00:00Z"}),
        ("appointments", {"starts": "2026-11-24T01:00:00", "ends": "2026-11-24T02:00:00"}),  # no time zone
        ("appointments", {"starts": "soon", "ends": "2026-11-24T02:00:00Z"}),
        ("appointments", APPT | {"technician": "x"}),
        ("appointments", APPT | {"employee_no": ""}),
        ("reservations", {"lines": [{"sku": "BAT-12V-AGM70", "quantity": -1}]}),
        ("reservations", {"lines": [{"sku": "BAT-12V-AGM70", "quantity": 0}]}),
        ("reservations", {"lines": [{"sku": "BAT-12V-AGM70", "quantity": 10**12}]}),
        ("reservations", {"lines": []}),
        ("reservations", {"lines": [{"sku": "BAT-12V-AGM70", "quantity": 1}] * 2}),
        ("reservations", {"lines": [{"sku": "a\u0000b", "quantity": 1}]}),
    ],
)
def test_dms_bad_input_is_422_with_a_message(client, dms_world, conn, kind, body) -> None:
    world, _ = dms_world
    answer = client.put(
        f"/v1/service-centers/{world.center_a}/dms/{kind}/R-1", json=body, headers=bearer(world.key_a)
    )
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["message"]


@pytest.mark.parametrize("ref", ["-starts-with-dash", "has space", "x" * 101, "semi;colon"])
def test_dms_bad_reference_is_4xx(client, dms_world, ref) -> None:
    world, _ = dms_world
    answer = client.put(
        f"/v1/service-centers/{world.center_a}/dms/appointments/{ref}", json=APPT, headers=bearer(world.key_a)
    )
    assert 400 <= answer.status_code < 500


def test_dms_reservation_replaces_lines_idempotently(client, dms_world, conn) -> None:
    world, _ = dms_world
    url = f"/v1/service-centers/{world.center_a}/dms/reservations/RES-9"
    body = {"lines": [{"sku": "BAT-12V-AGM70", "quantity": 2}, {"sku": "WIPER-BLADE-SET", "quantity": 1}]}
    first = client.put(url, json=body, headers=bearer(world.key_a))
    assert first.status_code == 201, first.text
    assert first.json()["lines"] == [
        {"sku": "BAT-12V-AGM70", "quantity": 2},
        {"sku": "WIPER-BLADE-SET", "quantity": 1},
    ]
    again = client.put(url, json=body, headers=bearer(world.key_a))
    assert again.status_code == 200 and again.json() == first.json()

    fewer = client.put(
        url, json={"lines": [{"sku": "BAT-12V-AGM70", "quantity": 3}]}, headers=bearer(world.key_a)
    )
    assert (
        fewer.json()["lines"] == [{"sku": "BAT-12V-AGM70", "quantity": 3}]
        and fewer.json()["released"] is False
    )
    rows = conn.execute("SELECT quantity, released FROM dms_part_reservation").fetchall()
    assert rows == [(3, False)]

    released = client.put(
        url,
        json={"lines": [{"sku": "BAT-12V-AGM70", "quantity": 3}], "released": True},
        headers=bearer(world.key_a),
    )
    assert released.json()["released"] is True

    unknown = client.put(url, json={"lines": [{"sku": "NOPE-1", "quantity": 1}]}, headers=bearer(world.key_a))
    assert unknown.status_code == 422 and unknown.json()["error"]["code"] == "unknown_part"
    assert "NOPE-1" in unknown.json()["error"]["message"]
    assert conn.execute("SELECT quantity, released FROM dms_part_reservation").fetchall() == [(3, True)]

    assert client.delete(url, headers=bearer(world.key_a)).status_code == 204
    assert client.get(url, headers=bearer(world.key_a)).status_code == 404


def test_dms_same_reference_at_two_centers_is_two_bookings(client, dms_world, conn) -> None:
    world, employee_no = dms_world
    other = conn.execute("SELECT employee_no FROM technician WHERE id = %s", (world.tech_b,)).fetchone()[0]
    a = client.put(
        f"/v1/service-centers/{world.center_a}/dms/appointments/WO-1",
        json=APPT | {"employee_no": employee_no},
        headers=bearer(world.key_a),
    )
    b = client.put(
        f"/v1/service-centers/{world.center_b}/dms/appointments/WO-1",
        json=APPT | {"employee_no": other},
        headers=bearer(world.key_b),
    )
    assert (a.status_code, b.status_code) == (201, 201)
    assert conn.execute("SELECT count(*) FROM dms_appointment").fetchone()[0] == 2
