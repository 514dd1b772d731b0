"""A center fetches the photo of an owner's request: its own center only (another center's key: 403), only a
request offered or booked there or whose owner prefers it (else 404, as without a photo), with its content type
and `Cache-Control: private, no-store`."""

from __future__ import annotations

import base64

import pytest

from tests.api.conftest import BASE, add_suggestion

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(64))
JPEG = b"\xff\xd8\xff\xe0" + bytes(range(64, 128))


def _auth(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def _file(client, world, image: bytes | None) -> int:
    body = {
        "category": "noise",
        "text": "左前轮有异响 <b>",
        **({"photo": base64.b64encode(image).decode()} if image else {}),
    }
    filed = client.post(f"/v1/vehicles/{world.vin_a}/requests", headers=_auth(world.owner_a), json=body)
    assert filed.status_code == 202, filed.text
    return filed.json()["risk_id"]


def _photo(client, secret: str, center_id: int, risk_id: int | str):
    return client.get(f"/v1/service-centers/{center_id}/requests/{risk_id}/photo", headers=_auth(secret))


@pytest.mark.parametrize(
    ("image", "content_type"), [(PNG, "image/png"), (JPEG, "image/jpeg")], ids=["png", "jpeg"]
)
def test_the_owners_center_gets_the_photo_private_and_uncached(client, world, image, content_type):
    risk_id = _file(client, world, image)
    got = _photo(client, world.key_a, world.center_a, risk_id)  # A is the owner's preferred center
    assert got.status_code == 200
    assert got.content == image
    assert got.headers["content-type"] == content_type
    assert got.headers["cache-control"] == "private, no-store"
    assert got.headers["x-content-type-options"] == "nosniff"
    assert _photo(client, world.admin_key, world.center_a, risk_id).content == image  # an operator's key


def test_another_centers_key_is_refused_and_its_own_center_sees_only_its_requests(client, conn, world):
    risk_id = _file(client, world, PNG)
    refused = _photo(client, world.key_b, world.center_a, risk_id)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    assert PNG not in refused.content
    # B's own URL: the request is neither offered nor booked at B, nor is B the owner's center.
    assert _photo(client, world.key_b, world.center_b, risk_id).status_code == 404
    add_suggestion(
        conn,
        risk_id=risk_id,
        vehicle_id=world.vehicle_a,
        center_id=world.center_b,
        technician_id=world.tech_b,
        rank=1,
        created_at=BASE,
    )  # now offered at B: B handles it and sees the photo
    assert _photo(client, world.key_b, world.center_b, risk_id).content == PNG


def test_404_without_a_photo_or_request_401_without_a_key_422_for_a_bad_id(client, world):
    plain = _file(client, world, None)
    missing = _photo(client, world.key_a, world.center_a, plain)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    assert (
        _photo(client, world.key_a, world.center_a, world.risk_a).status_code == 404
    )  # a risk, not a request
    assert _photo(client, world.key_a, world.center_a, 2**62).status_code == 404
    assert _photo(client, world.admin_key, 2**62, plain).status_code == 404  # no such center
    assert _photo(client, world.key_a, world.center_a, 0).status_code == 422
    assert _photo(client, world.key_a, world.center_a, "x").status_code == 422
    assert client.get(f"/v1/service-centers/{world.center_a}/requests/{plain}/photo").status_code == 401
