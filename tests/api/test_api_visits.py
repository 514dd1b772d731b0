"""The service-history API on the real database: a center records its dealer system's visits (one or a batch,
idempotent, bad ones reported without dropping the good ones) and reads a vehicle's history; scope and bad input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.api.conftest import BASE, vin_for

VISITED = (BASE + timedelta(days=1)).isoformat()


def _visit(vin: str, ref: str = "WO-100", **changes) -> dict:
    return {"vin": vin, "external_ref": ref, "visited_at": VISITED, "work": ["brake_pads"], "odometer_km": 31_000,
            "parts": ["BRK-PAD-FRONT"]} | changes  # fmt: skip


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_one_visit_is_recorded_once_and_moves_the_fixed_risk(conn, world, make_client) -> None:
    client = make_client()
    url = f"/v1/service-centers/{world.center_a}/visits"
    first = client.post(url, json=_visit(world.vin_a), headers=_auth(world.key_a))
    assert first.status_code == 200, first.text
    assert first.json() == {"created": 1, "updated": 0, "unchanged": 0, "cases_serviced": 1, "problems": []}
    again = client.post(url, json=_visit(world.vin_a), headers=_auth(world.key_a))
    assert again.json()["unchanged"] == 1
    stage = conn.execute(
        "SELECT k.stage FROM care_case k JOIN risk r ON r.id = k.risk_id WHERE r.kind = 'brake_pads'"
    ).fetchone()
    assert stage == ("serviced",)
    last = conn.execute("SELECT last_visit_at FROM vehicle WHERE id = %s", (world.vehicle_a,)).fetchone()[0]
    assert last == BASE + timedelta(days=1)


def test_a_batch_reports_bad_visits_and_keeps_the_good(world, make_client) -> None:
    client = make_client()
    batch = {"visits": [_visit(world.vin_a, "WO-1"), _visit(vin_for(99), "WO-2"), _visit(world.vin_a, "WO-3"),
                        _visit(world.vin_a, "WO-4", technician_employee_no="nobody")]}  # fmt: skip
    answer = client.post(
        f"/v1/service-centers/{world.center_a}/visits", json=batch, headers=_auth(world.key_a)
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["created"] == 2
    assert [(p["index"], p["code"]) for p in body["problems"]] == [
        (1, "unknown_vehicle"),
        (3, "unknown_technician"),
    ]


def test_bad_input_answers_4xx_with_a_message(world, make_client) -> None:
    client = make_client()
    url = f"/v1/service-centers/{world.center_a}/visits"
    future = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    cases = [
        (_visit("NOT-A-VIN"), 422, "validation_error"),
        (_visit(vin_for(99)), 422, "unknown_vehicle"),
        (_visit(world.vin_a, work=["teleportation"]), 422, "validation_error"),
        (_visit(world.vin_a, visited_at="2026-11-21T10:00:00"), 422, "validation_error"),
        (_visit(world.vin_a, visited_at=future), 422, "future_visit"),
        (_visit(world.vin_a, center_code="SHA01"), 422, "center_mismatch"),
        ({"visits": []}, 422, "validation_error"),
    ]
    for body, status, code in cases:
        answer = client.post(url, json=body, headers=_auth(world.key_a))
        assert answer.status_code == status, (body, answer.text)
        error = answer.json()["error"]
        assert error["message"]
        if code != "validation_error":
            assert error["code"] == code, (body, error)


def test_a_center_key_acts_on_its_own_center_only(world, make_client) -> None:
    client = make_client()
    other = client.post(
        f"/v1/service-centers/{world.center_b}/visits", json=_visit(world.vin_a), headers=_auth(world.key_a)
    )
    assert other.status_code == 403
    admin = client.post(
        f"/v1/service-centers/{world.center_b}/visits",
        json=_visit(world.vin_b),
        headers=_auth(world.admin_key),
    )
    assert admin.status_code == 200 and admin.json()["created"] == 1
    missing = client.post(
        "/v1/service-centers/999999/visits", json=_visit(world.vin_a), headers=_auth(world.admin_key)
    )
    assert missing.status_code == 404


def test_history_is_newest_first_and_scoped(world, make_client) -> None:
    client = make_client()
    url = f"/v1/service-centers/{world.center_a}/visits"
    older = (BASE - timedelta(days=200)).isoformat()
    batch = {
        "visits": [_visit(world.vin_a, "WO-OLD", visited_at=older, work=["maintenance"]), _visit(world.vin_a)]
    }
    assert client.post(url, json=batch, headers=_auth(world.key_a)).json()["created"] == 2
    history = client.get(
        f"/v1/service-centers/{world.center_a}/vehicles/{world.vin_a}/visits", headers=_auth(world.key_a)
    )
    assert history.status_code == 200, history.text
    visits = history.json()["visits"]
    assert [v["external_ref"] for v in visits] == ["WO-100", "WO-OLD"]
    assert (
        visits[0]["source"] == "dms"
        and visits[0]["center_code"] == "HRB01"
        and visits[0]["visited_at"].endswith("Z")
    )
    # B has never served A's car and is not its owner's center.
    hidden = client.get(
        f"/v1/service-centers/{world.center_b}/vehicles/{world.vin_a}/visits", headers=_auth(world.key_b)
    )
    assert hidden.status_code == 404
    assert (
        client.get(
            f"/v1/service-centers/{world.center_b}/vehicles/{world.vin_a}/visits",
            headers=_auth(world.admin_key),
        ).status_code
        == 200
    )
    bad = client.get(f"/v1/service-centers/{world.center_a}/vehicles/BAD/visits", headers=_auth(world.key_a))
    assert bad.status_code == 422
