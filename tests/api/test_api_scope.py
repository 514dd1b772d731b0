"""Every /v1 endpoint is scoped: center A never reads B's data, owner A never sees B's car (404, like a missing one)."""

from __future__ import annotations

import re

import pytest

from tests.api.conftest import vin_for

UNKNOWN_VIN = vin_for(9_999_999)


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def _v1_routes(client) -> list[tuple[str, str]]:
    paths = client.app.openapi()["paths"]
    return [(m.upper(), p) for p, ops in sorted(paths.items()) if p.startswith("/v1/") for m in sorted(ops)]


def _fill(path: str, **values: object) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: str(values.get(m.group(1), 1)), path)


def _call(client, method: str, path: str, secret: str):
    bodies = {
        "/complete": {"outcome": "fault_confirmed", "parts_used": []},
        "/answers": {"answers": {"q": 5}},
    }
    body = next((b for suffix, b in bodies.items() if path.endswith(suffix)), None)
    return client.request(method, path, headers=bearer(secret), json=body)


def test_every_v1_route_is_either_a_center_an_owner_or_a_manager_route(client):
    for _, path in _v1_routes(client):
        assert (
            path.startswith("/v1/service-centers/{center_id}/")
            or path.startswith("/v1/vehicles/{vin}/")
            or path.startswith("/v1/me/")
            or path.startswith("/v1/manager/")
            or path.startswith("/v1/admin/")  # admin keys only (api/routes/provisioning.py)
            # providers' callbacks: no key, each request signed (api/routes/receipts.py, test_api_receipts.py)
            or path.startswith(("/v1/receipts/", "/v1/inbound/"))
        ), path


def test_center_key_gets_403_on_every_route_of_another_center(client, world):
    center_routes = [(m, p) for m, p in _v1_routes(client) if p.startswith("/v1/service-centers/")]
    assert len(center_routes) >= 8
    for method, path in center_routes:
        url = _fill(path, center_id=world.center_b, booking_id=world.suggestions_b[0])
        resp = _call(client, method, url, world.key_a)
        assert resp.status_code == 403, (method, path, resp.text)
        assert resp.json()["error"]["code"] == "forbidden"
        assert world.vin_b not in resp.text


def test_center_key_cannot_reach_another_centers_booking_through_its_own_center(client, world):
    url = f"/v1/service-centers/{world.center_a}/bookings/{world.suggestions_b[0]}/calendar.ics"
    resp = client.get(url, headers=bearer(world.key_a))
    assert resp.status_code == 404
    for action in ("accept", "decline", "check-in"):
        url = f"/v1/service-centers/{world.center_a}/bookings/{world.suggestions_b[0]}/{action}"
        assert client.post(url, headers=bearer(world.key_a)).status_code == 404, action


def test_center_lists_never_contain_another_centers_rows(client, world, conn):
    conn.execute(
        "INSERT INTO care_case (risk_id, vehicle_id, stage) SELECT risk_id, vehicle_id, 'notified' "
        "FROM booking_suggestion WHERE rank = 1 GROUP BY risk_id, vehicle_id"
    )
    for path in ("suggested-bookings", "cases", "calendar.ics"):
        resp = client.get(f"/v1/service-centers/{world.center_a}/{path}", headers=bearer(world.key_a))
        assert resp.status_code == 200, (path, resp.text)
        assert world.vin_b not in resp.text, path
    cases = client.get(f"/v1/service-centers/{world.center_a}/cases", headers=bearer(world.key_a)).json()
    assert {c["vehicle"]["vin"] for c in cases["items"]} == {world.vin_a}


def test_owner_sees_someone_elses_car_exactly_like_a_missing_one(client, world):
    owner_routes = [(m, p) for m, p in _v1_routes(client) if p.startswith("/v1/vehicles/{vin}/")]
    assert len(owner_routes) >= 5
    for method, path in owner_routes:
        theirs = _call(
            client, method, _fill(path, vin=world.vin_b, option_id=world.suggestions_b[0]), world.owner_a
        )
        missing = _call(
            client, method, _fill(path, vin=UNKNOWN_VIN, option_id=world.suggestions_b[0]), world.owner_a
        )
        assert theirs.status_code == missing.status_code, (method, path, theirs.text)
        assert theirs.json() == missing.json(), (method, path)
        # 404, except lists that answer an empty list for any car that is not yours (no difference either way).
        assert theirs.status_code == 404 or theirs.json() == {"items": []}, (method, path, theirs.text)
        assert "Zhang Wei" not in theirs.text


def test_my_vehicles_lists_only_the_tokens_owner(client, world):
    body = client.get("/v1/me/vehicles", headers=bearer(world.owner_a)).json()
    assert [v["vin"] for v in body["items"]] == [world.vin_a]


def test_credentials_of_one_audience_do_not_open_the_other(client, world):
    assert client.get("/v1/me/vehicles", headers=bearer(world.key_a)).status_code == 401
    feed = f"/v1/service-centers/{world.center_a}/suggested-bookings"
    assert client.get(feed, headers=bearer(world.owner_a)).status_code == 401


def test_manager_report_needs_an_admin_key(client, world):
    assert client.get("/v1/manager/report", headers=bearer(world.key_a)).status_code == 403
    assert client.get("/v1/manager/report", headers=bearer(world.owner_a)).status_code == 401
    assert client.get("/v1/manager/report", headers=bearer(world.admin_key)).status_code == 200


@pytest.mark.parametrize("path", ["/v1/me/vehicles", "/v1/manager/report"])
def test_missing_credentials_are_401_with_a_challenge(client, path):
    resp = client.get(path)
    assert resp.status_code == 401
    assert resp.headers["WWW-Authenticate"].startswith("Bearer")
