"""API keys and owner tokens expire (401 saying so, cached or not) and rotate (old and new overlap for a grace
period); the CLI sets expiry, rotates and lists."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from api.auth.credentials import hash_secret, parse_duration
from api.auth.key_store import (
    KeyCommandError,
    create_center_key,
    create_owner_token,
    list_credentials,
    revoke,
    rotate,
)
from api.auth.principals import CenterPrincipal
from api.feed.cache import PrincipalCache
from api.keys import main
from api.settings import KeysSettings
from api.state import app_state
from tests.conftest import wait_for

LIMIT = 64 * 1024  # ApiOptions.max_body_bytes default


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


# -- 5. Keys and owner tokens expire; rotation overlaps old and new for a grace period. ------------------------


def _expire(conn: psycopg.Connection, table: str, secret: str) -> None:
    column = "key_hash" if table == "api_key" else "token_hash"
    conn.execute(
        f"UPDATE {table} SET expires_at = now() - interval '1 second' WHERE {column} = %s",
        [hash_secret(secret)],
    )


def test_an_expired_api_key_is_refused_saying_it_expired(client, world, conn):
    key = create_center_key(conn, center_id=world.center_a, expires_in=timedelta(days=90))
    cases = f"/v1/service-centers/{world.center_a}/cases"
    feed = f"/v1/service-centers/{world.center_a}/suggested-bookings"
    assert client.get(cases, headers=bearer(key)).status_code == 200
    assert client.get(feed, headers=bearer(key)).status_code == 200
    _expire(conn, "api_key", key)
    refused = client.get(cases, headers=bearer(key))
    assert refused.status_code == 401 and "expired" in refused.json()["error"]["message"]
    assert 'error="invalid_token"' in refused.headers["WWW-Authenticate"]
    # The feed caches keys: the expiry's change notification drops the cached one.
    wait_for(lambda: client.get(feed, headers=bearer(key)).status_code == 401, what="the feed to refuse")
    assert client.get(cases, headers=bearer(world.key_a)).status_code == 200  # other keys unaffected
    with pytest.raises(KeyCommandError, match="no active api key"):
        revoke(conn, prefix=key)


def test_an_expired_owner_token_is_refused_saying_it_expired(client, world, conn):
    url = f"/v1/vehicles/{world.vin_a}/alerts"
    assert client.get(url, headers=bearer(world.owner_a)).status_code == 200
    _expire(conn, "owner_token", world.owner_a)
    refused = client.get(url, headers=bearer(world.owner_a))
    assert refused.status_code == 401
    assert refused.json()["error"]["message"].startswith("owner token expired at ")


def test_a_cached_principal_is_refused_from_its_expiry_on():
    past, future = datetime.now(UTC) - timedelta(seconds=1), datetime.now(UTC) + timedelta(hours=1)
    clock = {"now": past - timedelta(hours=1)}
    cache: PrincipalCache[CenterPrincipal] = PrincipalCache(
        max_age_s=30, max_entries=10, live=lambda p: p.live_at(clock["now"])
    )
    cache.enable()
    key = CenterPrincipal(key_id=1, role="center", center_id=7, expires_at=past)
    forever = replace(key, key_id=2, expires_at=None)
    cache.put(cache.ticket(), b"d1", key, key_id=1, now=0)
    cache.put(cache.ticket(), b"d2", forever, key_id=2, now=0)
    assert cache.get(b"d1", now=1) == key
    clock["now"] = past
    assert cache.get(b"d1", now=2) is None and cache.get(b"d2", now=2) == forever
    assert cache.get(b"d1", now=2) is None  # dropped, not only hidden
    assert not CenterPrincipal(key_id=3, role="admin", center_id=None, expires_at=past).live_at(
        datetime.now(UTC)
    )
    assert CenterPrincipal(key_id=3, role="admin", center_id=None, expires_at=future).live_at(
        datetime.now(UTC)
    )


def test_the_apps_key_cache_checks_expiry_against_the_clock(client):
    live = app_state(client.app).principals.live
    key = CenterPrincipal(key_id=1, role="center", center_id=1)
    assert live(key) and live(replace(key, expires_at=datetime.now(UTC) + timedelta(minutes=5)))
    assert not live(replace(key, expires_at=datetime.now(UTC) - timedelta(seconds=1)))


def test_rotation_keeps_both_keys_during_the_grace_period_then_only_the_new_one(client, world, conn):
    old = create_center_key(conn, center_id=world.center_a, label="front desk tablet")
    rotation = rotate(conn, prefix=old[:16], grace=timedelta(hours=24))
    new = rotation.secret
    assert new != old and rotation.table == "api_key" and rotation.old_prefix == old[:16]
    assert timedelta(hours=23) < rotation.old_expires_at - datetime.now(UTC) <= timedelta(hours=24)
    rows = conn.execute(
        "SELECT center_id, role, label, expires_at IS NULL FROM api_key WHERE key_hash = ANY(%s) ORDER BY id",
        [[hash_secret(old), hash_secret(new)]],
    ).fetchall()
    assert rows == [(world.center_a, "center", "front desk tablet", False)] + [
        (world.center_a, "center", "front desk tablet", True)
    ]
    feed = f"/v1/service-centers/{world.center_a}/suggested-bookings"
    cases = f"/v1/service-centers/{world.center_a}/cases"
    for secret in (old, new):
        assert client.get(feed, headers=bearer(secret)).status_code == 200
        assert client.get(cases, headers=bearer(secret)).status_code == 200
    _expire(conn, "api_key", old)  # the grace period is over
    assert client.get(cases, headers=bearer(old)).status_code == 401
    wait_for(lambda: client.get(feed, headers=bearer(old)).status_code == 401, what="the old key to stop")
    assert client.get(feed, headers=bearer(new)).status_code == 200
    assert client.get(cases, headers=bearer(new)).status_code == 200


def test_rotation_never_extends_an_expiry_and_works_for_owner_tokens(client, world, conn):
    old = create_owner_token(conn, customer_id=world.customer_a, expires_in=timedelta(hours=1))
    rotation = rotate(conn, prefix=old, grace=timedelta(days=7), expires_in=timedelta(days=30))
    assert rotation.table == "owner_token"
    assert rotation.old_expires_at - datetime.now(UTC) <= timedelta(hours=1)  # not pushed out to 7 days
    url = f"/v1/vehicles/{world.vin_a}/alerts"
    for secret in (old, rotation.secret):
        assert client.get(url, headers=bearer(secret)).status_code == 200
    _expire(conn, "owner_token", old)
    assert client.get(url, headers=bearer(old)).status_code == 401
    assert client.get(url, headers=bearer(rotation.secret)).status_code == 200


def test_cli_expires_in_rotate_and_list(client, database, world, conn, capsys):
    settings = KeysSettings(database=database)
    assert (
        main(["create", "--center", "SHA01", "--label", "dms", "--expires-in", "90d"], settings=settings) == 0
    )
    old = capsys.readouterr().out.strip()
    assert main(["rotate", "--prefix", old[:16], "--grace", "12h"], settings=settings) == 0
    out, err = capsys.readouterr()
    new = out.strip()
    assert new.startswith("cc_live_") and new != old and "stops working at" in err and new not in err
    url = f"/v1/service-centers/{world.center_b}/suggested-bookings"
    assert client.get(url, headers=bearer(new)).status_code == 200
    assert client.get(url, headers=bearer(old)).status_code == 200  # within the grace period

    assert main(["list"], settings=settings) == 0
    listing = capsys.readouterr().out
    assert "expires_at" in listing.splitlines()[0].split()
    assert old[:16] in listing and new[:16] in listing and old not in listing and new not in listing
    rows = {row["prefix"]: row for row in list_credentials(conn)}
    grace_end = datetime.now(UTC) + timedelta(hours=12)
    assert abs(rows[old[:16]]["expires_at"] - grace_end) < timedelta(minutes=1)  # 12 h, not the 90 days
    assert str(rows[old[:16]]["expires_at"]) in listing
    assert rows[new[:16]]["expires_at"] is None and rows[new[:16]]["label"] == "dms"

    with pytest.raises(SystemExit):
        main(["create", "--center", "SHA01", "--expires-in", "soon"], settings=settings)
    assert "not a duration" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90d", timedelta(days=90)),
        ("12h", timedelta(hours=12)),
        ("30m", timedelta(minutes=30)),
        ("2w", timedelta(weeks=2)),
        (" 0h ", timedelta(0)),
    ],
)
def test_durations(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "90", "d", "1.5d", "-1d", "90d\n1h", "12 h", "1y"])
def test_bad_durations(text):
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration(text)
