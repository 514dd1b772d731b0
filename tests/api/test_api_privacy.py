"""The admin API of a person's data rights: export and erase by the dealer's customer reference, admin keys only,
404 for an unknown reference, and nothing breaks for the erased person's car (feeds, reports, owner paths)."""

from __future__ import annotations

from urllib.parse import quote

import pytest

REF = "CRM-A 1/7"  # a space and a slash: the reference is one path segment, percent-encoded


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def ref(conn, world) -> str:
    conn.execute("UPDATE customer SET ref = %s WHERE id = %s", (REF, world.customer_a))
    return quote(REF, safe="")


def test_api_privacy_export_admin_only(client, world, ref) -> None:
    url = f"/v1/admin/customers/{ref}/export"
    assert client.get(url).status_code == 401
    refused = client.get(url, headers=bearer(world.key_a))
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    answer = client.get(url, headers=bearer(world.admin_key))
    assert answer.status_code == 200
    document = answer.json()
    assert document["format"] == "carecast.personal-data/1"
    assert document["person"]["name"] == "Li Na" and document["person"]["ref"] == REF
    assert [v["vin"] for v in document["vehicles"]] == [world.vin_a]
    assert {r["risk_id"] for r in document["risks"]} >= {world.risk_a}
    assert document["messages"][0]["subject"] == "蓄电池需要检查"
    assert len(document["owner_tokens"]) == 1 and "token_hash" not in answer.text


def test_api_privacy_unknown_reference_is_404(client, world) -> None:
    for method, url in (
        ("GET", "/v1/admin/customers/nobody/export"),
        ("DELETE", "/v1/admin/customers/nobody/personal-data"),
    ):
        answer = client.request(method, url, headers=bearer(world.admin_key))
        assert answer.status_code == 404 and answer.json()["error"]["code"] == "not_found"
    too_long = client.get(f"/v1/admin/customers/{'x' * 201}/export", headers=bearer(world.admin_key))
    assert too_long.status_code == 422


def test_api_privacy_erase_then_everything_still_answers(client, world, ref) -> None:
    url = f"/v1/admin/customers/{ref}/personal-data"
    assert client.delete(url, headers=bearer(world.key_a)).status_code == 403
    first = client.delete(url, headers=bearer(world.admin_key))
    assert first.status_code == 200
    report = first.json()
    assert (report["ref"], report["tokens_revoked"], report["vehicles_pseudonymised"]) == (REF, 1, 1)
    again = client.delete(url, headers=bearer(world.admin_key)).json()
    assert again["erased_at"] == report["erased_at"] and again["vehicles_pseudonymised"] == 0

    # the owner's token is revoked; the old VIN is gone
    assert client.get(f"/v1/vehicles/{world.vin_a}/alerts", headers=bearer(world.owner_a)).status_code == 401
    # the center still sees the car (under its pseudonym) and its suggestions; reports still add up
    feed = client.get(f"/v1/service-centers/{world.center_a}/suggested-bookings", headers=bearer(world.key_a))
    assert feed.status_code == 200
    vins = {item["vehicle"]["vin"] for item in feed.json()["items"]}
    assert vins and world.vin_a not in vins
    assert client.get("/v1/manager/report", headers=bearer(world.admin_key)).status_code == 200
    exported = client.get(f"/v1/admin/customers/{ref}/export", headers=bearer(world.admin_key)).json()
    assert exported["person"]["name"] == "" and exported["person"]["erased_at"] == report["erased_at"]
    assert exported["messages"][0]["subject"] == ""
