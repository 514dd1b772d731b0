"""The feed's in-process caches against the real database: pages and keys kept, dropped on NOTIFY, off when the
listener is gone."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import psycopg

from api.feed.listener import APPLICATION_NAME
from api.state import app_state
from tests.conftest import wait_for

BASE = datetime(2026, 11, 20, tzinfo=UTC)
DEFAULT_PAGE = (0, 50, "suggested", None)  # (after_id, limit, status, since) of a plain first poll


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def feed(client, center_id: int, secret: str, **params):
    return client.get(
        f"/v1/service-centers/{center_id}/suggested-bookings", headers=bearer(secret), params=params
    )


def listening(client) -> None:
    wait_for(lambda: app_state(client.app).feed_listener.listening, what="the feed listener")


def cached(client, center_id: int, page=DEFAULT_PAGE) -> bytes | None:
    return app_state(client.app).pages.get(center_id, page, now=time.monotonic())


def new_suggestion(world, seed_suggestion, seed_risk) -> int:
    risk = seed_risk(vehicle_id=world.vehicle_a, kind="winter_prep")
    return seed_suggestion(
        risk_id=risk,
        vehicle_id=world.vehicle_a,
        center_id=world.center_a,
        technician_id=world.tech_a,
        rank=1,
        created_at=BASE + timedelta(days=1),
    )


def ids(resp) -> list[int]:
    assert resp.status_code == 200, resp.text
    return [item["id"] for item in resp.json()["items"]]


def test_page_is_cached_as_the_exact_bytes_of_the_database_path(make_client, world, database):
    cached_client = make_client()
    listening(cached_client)
    first = feed(cached_client, world.center_a, world.key_a)
    assert first.status_code == 200
    assert cached(cached_client, world.center_a) == first.content
    # Served from memory: a change that notifies nobody (triggers off for this session) stays unseen...
    with psycopg.connect(database.url, autocommit=True) as quiet:
        quiet.execute("SET session_replication_role = replica")
        quiet.execute(
            "UPDATE booking_suggestion SET reason = 'changed quietly' WHERE id = %s",
            (world.suggestions_a[0],),
        )
        again = feed(cached_client, world.center_a, world.key_a)
        assert again.content == first.content
        # ...until its center is notified.
        quiet.execute("SELECT pg_notify('carecast_feed', %s)", (str(world.center_a),))
    fresh = wait_for(
        lambda: (r := feed(cached_client, world.center_a, world.key_a)).content != first.content and r,
        what="the notified change",
    )
    assert fresh.json()["items"][0]["reason"] == "changed quietly"
    # The cached bytes are those the uncached path answers, byte for byte (also for a cursor and a filter).
    uncached_client = make_client(feed_cache=False)
    for params in (
        {},
        {"limit": 2},
        {"limit": 2, "cursor": fresh.json()["resume_cursor"]},
        {"status": "accepted"},
        {"since": "2026-11-20T02:00:00Z"},  # not a canonical poll: the route's own cache lookup,
    ):
        miss = feed(cached_client, world.center_a, world.key_a, **params)
        hit = feed(cached_client, world.center_a, world.key_a, **params)
        assert hit.content == miss.content, params
        assert hit.content == feed(uncached_client, world.center_a, world.key_a, **params).content, params
    assert len(app_state(uncached_client.app).pages) == 0


def test_a_change_for_center_a_drops_only_a_pages(client, world, seed_suggestion, seed_risk):
    listening(client)
    before_a = ids(feed(client, world.center_a, world.key_a))
    page_b = feed(client, world.center_b, world.key_b).content
    assert cached(client, world.center_a) is not None and cached(client, world.center_b) == page_b
    new_id = new_suggestion(world, seed_suggestion, seed_risk)
    after_a = wait_for(
        lambda: (items := ids(feed(client, world.center_a, world.key_a))) != before_a and items,
        what="A's new suggestion",
    )
    assert after_a == before_a + [new_id]
    assert cached(client, world.center_b) == page_b  # B untouched, still cached


def test_a_joined_row_change_drops_the_centers_pages(client, world, conn):
    listening(client)
    assert feed(client, world.center_a, world.key_a).json()["items"][0]["customer"]["name"] == "Li Na"
    conn.execute("UPDATE customer SET name = 'Li Na (renamed)' WHERE id = %s", (world.customer_a,))
    wait_for(
        lambda: (
            feed(client, world.center_a, world.key_a).json()["items"][0]["customer"]["name"]
            == "Li Na (renamed)"
        ),
        what="the renamed customer",
    )


def test_another_centers_cached_page_is_never_served(client, world):
    listening(client)
    page_b = feed(client, world.center_b, world.admin_key)  # the admin key caches B's page
    assert page_b.status_code == 200 and cached(client, world.center_b) == page_b.content
    feed(client, world.center_a, world.key_a)  # A's key is cached as a principal
    resp = feed(client, world.center_b, world.key_a)
    assert resp.status_code == 403
    assert world.vin_b not in resp.text


def test_revoked_key_is_refused_after_the_notification(client, world, conn):
    listening(client)
    assert feed(client, world.center_a, world.key_a).status_code == 200
    assert feed(client, world.center_a, world.key_a).status_code == 200  # page and key now in memory
    conn.execute("UPDATE api_key SET revoked_at = now() WHERE center_id = %s", (world.center_a,))
    wait_for(
        lambda: feed(client, world.center_a, world.key_a).status_code == 401, what="the revocation notice"
    )
    assert feed(client, world.center_a, world.key_b).status_code == 403  # other keys are unaffected
    assert feed(client, world.center_b, world.key_b).status_code == 200


def _kill_listener(conn: psycopg.Connection) -> None:
    killed = conn.execute(
        "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity "
        "WHERE application_name = %s AND datname = current_database()",
        (APPLICATION_NAME,),
    ).fetchone()[0]
    assert killed == 1


def test_without_the_listener_requests_are_served_from_the_database(
    make_client, world, conn, seed_suggestion, seed_risk
):
    client = make_client(feed_listener_retry_s=600)  # stays down for the test
    listening(client)
    before = ids(feed(client, world.center_a, world.key_a))
    assert cached(client, world.center_a) is not None
    _kill_listener(conn)
    wait_for(lambda: not app_state(client.app).feed_listener.listening, what="the listener to notice")
    assert not app_state(client.app).pages.enabled and len(app_state(client.app).pages) == 0
    new_id = new_suggestion(world, seed_suggestion, seed_risk)  # its notification reaches no one
    assert ids(feed(client, world.center_a, world.key_a)) == before + [new_id]
    assert len(app_state(client.app).pages) == 0  # nothing is kept while no one listens
    conn.execute("UPDATE api_key SET revoked_at = now() WHERE center_id = %s", (world.center_a,))
    assert feed(client, world.center_a, world.key_a).status_code == 401


def test_the_listener_reconnects_and_the_cache_comes_back(make_client, world, conn):
    client = make_client(feed_listener_retry_s=0.1)
    listening(client)
    feed(client, world.center_a, world.key_a)
    _kill_listener(conn)
    wait_for(
        lambda: (
            conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s AND datname = current_database()",
                (APPLICATION_NAME,),
            ).fetchone()[0]
            == 1
            and app_state(client.app).feed_listener.connects == 2
            and app_state(client.app).feed_listener.listening
        ),
        what="the listener to reconnect",
    )
    page = feed(client, world.center_a, world.key_a).content
    assert cached(client, world.center_a) == page


def test_a_write_through_this_api_drops_the_pages_at_once(client, world):
    listening(client)
    feed(client, world.center_a, world.key_a)
    assert len(app_state(client.app).pages) == 1
    url = f"/v1/service-centers/{world.center_a}/bookings/{world.suggestions_a[0]}/accept"
    assert client.post(url, headers=bearer(world.key_a)).status_code == 200
    assert len(app_state(client.app).pages) == 0  # before any notification could matter
    assert world.suggestions_a[0] not in ids(feed(client, world.center_a, world.key_a))


def test_cached_hits_stamp_last_used_in_batches(client, world, conn):
    listening(client)
    assert feed(client, world.center_a, world.key_a).status_code == 200  # the database path stamps the key
    key_id, stamped = conn.execute(
        "SELECT id, last_used_at FROM api_key WHERE center_id = %s", (world.center_a,)
    ).fetchone()
    assert stamped is not None
    conn.execute("UPDATE api_key SET last_used_at = now() - INTERVAL '2 minutes' WHERE id = %s", (key_id,))
    # As if this process last stamped the key over a minute ago: the next hit is recorded, and the listener
    # writes it (one UPDATE for the batch), not the request.
    app_state(client.app).usage.stamped(key_id, now=time.monotonic() - 61)
    assert feed(client, world.center_a, world.key_a).status_code == 200
    wait_for(
        lambda: conn.execute(
            "SELECT last_used_at > now() - INTERVAL '1 minute' FROM api_key WHERE id = %s", (key_id,)
        ).fetchone()[0],
        what="the batched last_used_at stamp",
    )


def test_the_cache_can_be_turned_off(make_client, world):
    client = make_client(feed_cache=False)
    assert app_state(client.app).feed_listener is None
    assert feed(client, world.center_a, world.key_a).status_code == 200
    assert feed(client, world.center_a, world.key_a).status_code == 200
    assert len(app_state(client.app).pages) == 0


def test_cached_pages_still_count_against_the_keys_rate(make_client, world):
    client = make_client(rate_per_s=0.001, rate_burst=3)
    listening(client)
    statuses = [feed(client, world.center_a, world.key_a).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]  # the 2nd and 3rd were served from memory
    assert feed(client, world.center_b, world.key_b).status_code == 200  # buckets are per key


def test_every_answer_says_whether_the_cache_served_it(make_client, world):
    client = make_client()
    listening(client)
    statuses = [feed(client, world.center_a, world.key_a).headers["cache-status"] for _ in range(2)]
    assert statuses == ["carecast-feed; fwd=miss; stored", "carecast-feed; hit"]  # the hit: the fast path
    since = {"since": "2026-11-20T02:00:00Z"}  # not canonical: the route's own lookup answers the hit
    assert feed(client, world.center_a, world.key_a, **since).headers["cache-status"].endswith("stored")
    assert feed(client, world.center_a, world.key_a, **since).headers["cache-status"] == "carecast-feed; hit"
    uncached = make_client(feed_cache=False)
    assert feed(uncached, world.center_a, world.key_a).headers["cache-status"] == "carecast-feed; fwd=bypass"
