"""The service-center feed: isolation between centers, authentication, pagination, filters, item shape."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from api.state import app_state
from tests.conftest import wait_for

BASE = datetime(2026, 11, 20, tzinfo=UTC)  # created_at of the world's first suggestion (see conftest)
BASE_ISO = "2026-11-20T00:00:00Z"


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def feed(client, world, center_id, secret, **params):
    return client.get(
        f"/v1/service-centers/{center_id}/suggested-bookings", headers=bearer(secret), params=params
    )


def test_center_key_sees_only_its_own_suggestions(client, world):
    resp = feed(client, world, world.center_a, world.key_a)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert [item["id"] for item in body["items"]] == world.suggestions_a
    assert body["next_cursor"] is None
    assert body["resume_cursor"] is not None  # polling resumes after the last item seen
    assert not set(world.suggestions_b) & {item["id"] for item in body["items"]}


def test_center_key_gets_403_on_another_centers_feed(client, world):
    resp = feed(client, world, world.center_b, world.key_a)
    assert resp.status_code == 403
    assert resp.json()["error"]["code"] == "forbidden"
    assert "items" not in resp.json()
    # ...and the same for a center that does not exist: no way to probe which ids exist.
    assert feed(client, world, world.center_b + 1000, world.key_a).status_code == 403


def test_admin_key_reads_any_center_and_404s_unknown_ones(client, world):
    resp = feed(client, world, world.center_b, world.admin_key)
    assert resp.status_code == 200
    assert [item["id"] for item in resp.json()["items"]] == world.suggestions_b
    missing = feed(client, world, world.center_b + 1000, world.admin_key)
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"


def test_item_carries_risk_vehicle_customer_slot_technician_and_parts(client, world):
    item = feed(client, world, world.center_a, world.key_a, limit=1).json()["items"][0]
    assert item["risk"]["kind"] == "battery_12v"
    assert item["risk"]["severity"] == "high"
    assert item["risk"]["confidence"] == pytest.approx(0.8)
    assert item["risk"]["diagnosis"] == "high_internal_resistance"
    assert item["risk"]["predicted_date"] == "2026-12-10"
    assert (item["risk"]["predicted_low"], item["risk"]["predicted_high"]) == ("2026-12-01", "2026-12-20")
    assert item["risk"]["evidence"]["readings"][0]["threshold"] == 9.6
    assert item["vehicle"] == {"vin": world.vin_a, "model": "Lavida", "powertrain": "ICE"}
    assert item["customer"] == {"name": "Li Na", "segment": "family", "locale": "zh-CN"}
    assert item["technician"] == {"id": world.tech_a, "name": "Tech of HRB01"}
    assert item["parts"][0]["sku"] == "BAT-12V-AGM70"
    assert item["parts"][0]["in_stock"] is True
    assert item["slot_start"] == "2026-11-23T01:00:00Z"
    assert item["slot_end"] == "2026-11-23T02:00:00Z"
    assert item["created_at"] == BASE_ISO
    assert (item["rank"], item["status"], item["deadline"]) == (1, "suggested", "2026-12-01")
    assert item["distance_km"] == pytest.approx(4.2)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer cc_live_thisisnotarealkeyatallnotatall"},
        {"Authorization": "Bearer not-even-our-format"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer "},
    ],
    ids=["missing", "unknown", "foreign-format", "basic-scheme", "empty"],
)
def test_missing_or_unknown_key_is_401_with_challenge(client, world, headers):
    resp = client.get(f"/v1/service-centers/{world.center_a}/suggested-bookings", headers=headers)
    assert resp.status_code == 401
    assert resp.headers["WWW-Authenticate"].startswith("Bearer")
    assert resp.json()["error"]["code"] == "unauthorized"


def test_owner_token_is_not_a_center_key(client, world):
    assert feed(client, world, world.center_a, world.owner_a).status_code == 401


def test_revoked_key_is_401(client, world, conn):
    assert feed(client, world, world.center_a, world.key_a).status_code == 200
    conn.execute("UPDATE api_key SET revoked_at = now() WHERE center_id = %s", (world.center_a,))
    # The key may be cached in the process: it is refused once the revocation's notification has arrived.
    resp = wait_for(
        lambda: (r := feed(client, world, world.center_a, world.key_a)).status_code != 200 and r,
        what="the revocation to reach the API",
    )
    assert resp.status_code == 401
    assert 'error="invalid_token"' in resp.headers["WWW-Authenticate"]


def test_use_stamps_last_used_at_even_when_refused(client, world, conn):
    assert conn.execute("SELECT count(*) FROM api_key WHERE last_used_at IS NOT NULL").fetchone()[0] == 0
    assert feed(client, world, world.center_b, world.key_a).status_code == 403
    stamped = conn.execute("SELECT center_id FROM api_key WHERE last_used_at IS NOT NULL").fetchall()
    assert stamped == [(world.center_a,)]


def test_pagination_returns_every_item_once_in_stable_order(client, world):
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        body = feed(client, world, world.center_a, world.key_a, **params).json()
        pages += 1
        assert len(body["items"]) <= 2
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert seen == sorted(world.suggestions_a)
    assert len(seen) == len(set(seen))


def test_page_that_ends_exactly_at_the_limit_has_no_next_cursor(client, world):
    body = feed(client, world, world.center_a, world.key_a, limit=len(world.suggestions_a)).json()
    assert len(body["items"]) == len(world.suggestions_a)
    assert body["next_cursor"] is None


def test_poller_resumes_with_the_last_cursor_and_sees_only_new_suggestions(
    client, world, seed_suggestion, seed_risk
):
    last = feed(client, world, world.center_a, world.key_a).json()
    empty = feed(client, world, world.center_a, world.key_a, cursor=last["resume_cursor"]).json()
    assert (empty["items"], empty["next_cursor"], empty["resume_cursor"]) == ([], None, last["resume_cursor"])
    risk = seed_risk(vehicle_id=world.vehicle_a, kind="winter_prep")
    new_id = seed_suggestion(
        risk_id=risk,
        vehicle_id=world.vehicle_a,
        center_id=world.center_a,
        technician_id=world.tech_a,
        rank=1,
        created_at=BASE + timedelta(days=1),
    )
    # The empty page may be cached: the new suggestion shows once its notification has arrived.
    later = wait_for(
        lambda: (
            (p := feed(client, world, world.center_a, world.key_a, cursor=empty["resume_cursor"]).json())[
                "items"
            ]
            and p
        ),
        what="the new suggestion in the feed",
    )
    assert [i["id"] for i in later["items"]] == [new_id]
    assert later["resume_cursor"] != last["resume_cursor"]


def test_an_empty_feed_has_no_cursor_yet(client, world):
    body = feed(client, world, world.center_a, world.key_a, since="2030-01-01T00:00:00Z").json()
    assert body == {"items": [], "next_cursor": None, "resume_cursor": None}


def test_suggestion_added_between_pages_shows_up_on_a_later_page(client, world, seed_suggestion, seed_risk):
    first = feed(client, world, world.center_a, world.key_a, limit=3).json()
    risk = seed_risk(vehicle_id=world.vehicle_a, kind="winter_prep")
    new_id = seed_suggestion(
        risk_id=risk,
        vehicle_id=world.vehicle_a,
        center_id=world.center_a,
        technician_id=world.tech_a,
        rank=1,
        created_at=BASE + timedelta(days=1),
    )
    second = feed(client, world, world.center_a, world.key_a, limit=3, cursor=first["next_cursor"]).json()
    assert [i["id"] for i in second["items"]] == world.suggestions_a[3:] + [new_id]


# Not base64, "not-an-id", "0", "-1", an id beyond bigint, padding / length games, blank.
BAD_CURSORS = ["%%%", "bm90LWFuLWlk", "MA", "LTE", "OTk5OTk5OTk5OTk5OTk5OTk5OTk5", "MTIz=", "x" * 40, " "]


def test_invalid_cursor_is_400_with_a_message(client, world):
    # One test over many values: each case needs the same world, and a fresh database per case costs time.
    assert feed(client, world, world.center_a, world.key_a, cursor="MTI").status_code == 200  # genuine: id 12
    for cursor in BAD_CURSORS:
        resp = feed(client, world, world.center_a, world.key_a, cursor=cursor)
        assert resp.status_code == 400, (cursor, resp.text)
        error = resp.json()["error"]
        assert error["code"] == "invalid_cursor"
        assert "cursor" in error["message"]


def test_limit_out_of_range_is_422_naming_the_parameter(client, world):
    for limit in ["1000", "0", "-1", "ten", "101"]:
        resp = feed(client, world, world.center_a, world.key_a, limit=limit)
        assert resp.status_code == 422, limit
        error = resp.json()["error"]
        assert error["code"] == "validation_error"
        assert error["message"].startswith("query.limit: "), error
        assert error["details"][0]["loc"] == ["query", "limit"]
    assert len(feed(client, world, world.center_a, world.key_a, limit=100).json()["items"]) == 5


def test_since_filters_on_created_at(client, world):
    body = feed(client, world, world.center_a, world.key_a, since="2026-11-20T02:00:00Z").json()
    assert [i["id"] for i in body["items"]] == world.suggestions_a[2:]
    # The same instant written with an offset selects the same rows.
    body = feed(client, world, world.center_a, world.key_a, since="2026-11-20T10:00:00+08:00").json()
    assert [i["id"] for i in body["items"]] == world.suggestions_a[2:]


def test_since_must_be_an_iso_timestamp_with_offset(client, world):
    for since in ["yesterday", "2026-11-20T02:00:00", "2026-13-01T00:00:00Z"]:
        resp = feed(client, world, world.center_a, world.key_a, since=since)
        assert resp.status_code == 422, since
        assert resp.json()["error"]["message"].startswith("query.since: ")


def test_status_filter(client, world, conn):
    conn.execute("UPDATE booking_suggestion SET status = 'accepted' WHERE id = %s", (world.suggestions_a[0],))
    default = feed(client, world, world.center_a, world.key_a).json()["items"]
    accepted = feed(client, world, world.center_a, world.key_a, status="accepted").json()["items"]
    assert [i["id"] for i in default] == world.suggestions_a[1:]
    assert [(i["id"], i["status"]) for i in accepted] == [(world.suggestions_a[0], "accepted")]
    assert feed(client, world, world.center_a, world.key_a, status="bogus").status_code == 422


def test_bad_center_id_is_422_not_500(client, world):
    for center_id in ["0", "abc", str(2**63), "-5"]:
        resp = client.get(
            f"/v1/service-centers/{center_id}/suggested-bookings", headers=bearer(world.admin_key)
        )
        assert resp.status_code == 422, center_id
        assert resp.json()["error"]["message"].startswith("path.center_id: ")


def test_feed_checks_the_key_before_the_center_and_the_cursor(client, world, conn):
    # The feed authenticates, scopes and pages in one statement; the answers keep the order 401, 403, 400.
    unknown = "cc_live_" + "x" * 43
    assert feed(client, world, world.center_a, unknown, cursor="%%%").status_code == 401
    assert feed(client, world, world.center_b, world.key_a, cursor="%%%").status_code == 403
    conn.execute("UPDATE api_key SET revoked_at = now() WHERE center_id = %s", (world.center_a,))
    assert feed(client, world, world.center_a, world.key_a, cursor="%%%").status_code == 401


def test_feed_leaves_pooled_connections_transactional(client, world):
    # The feed borrows pooled connections in autocommit; every other route expects them back without it.
    pool = app_state(client.app).pool
    for _ in range(2 * pool.max_size):
        assert feed(client, world, world.center_a, world.key_a).status_code == 200
    held = [pool.getconn() for _ in range(pool.get_stats()["pool_size"])]
    try:
        assert held and not any(c.autocommit for c in held)
    finally:
        for c in held:
            pool.putconn(c)
