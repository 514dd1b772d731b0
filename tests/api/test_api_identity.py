"""`GET /v1/me/api-key`: a center learns its numeric id (and its key's expiry) from its key alone."""

from __future__ import annotations

from api.auth.credentials import display_prefix


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def test_a_center_key_learns_its_center_id_and_can_use_it(client, world, conn):
    answer = client.get("/v1/me/api-key", headers=bearer(world.key_a))
    assert answer.status_code == 200
    body = answer.json()
    code, name, city, tz = conn.execute(
        "SELECT code, name, city, tz FROM service_center WHERE id = %s", (world.center_a,)
    ).fetchone()
    assert body == {
        "prefix": display_prefix(world.key_a),
        "label": body["label"],
        "role": "center",
        "expires_at": None,
        "center": {"id": world.center_a, "code": code, "name": name, "city": city, "time_zone": tz},
    }
    feed = client.get(
        f"/v1/service-centers/{body['center']['id']}/suggested-bookings", headers=bearer(world.key_a)
    )
    assert feed.status_code == 200


def test_an_admin_key_has_no_center_and_bad_credentials_get_401(client, world):
    admin = client.get("/v1/me/api-key", headers=bearer(world.admin_key)).json()
    assert (admin["role"], admin["center"]) == ("admin", None)
    assert client.get("/v1/me/api-key").status_code == 401
    assert client.get("/v1/me/api-key", headers=bearer(world.owner_a)).status_code == 401
