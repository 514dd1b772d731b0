"""Key management: functions and CLI create, list and revoke; only hashes are stored."""

from __future__ import annotations

import hashlib

import pytest

from api.auth.key_store import (
    KeyCommandError,
    create_center_key,
    create_owner_token,
    list_credentials,
    revoke,
)
from api.keys import main
from api.settings import KeysSettings
from tests.conftest import wait_for


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def _table_text(conn, table: str) -> str:
    return "\n".join(str(row) for row in conn.execute(f"SELECT t::text FROM {table} t").fetchall())


def test_created_key_is_stored_only_as_its_hash(conn, world):
    secret = create_center_key(conn, center_id=world.center_a, label="workshop tablet")
    assert secret.startswith("cc_live_")
    assert len(secret) >= len("cc_live_") + 43
    row = conn.execute(
        "SELECT prefix, key_hash, role, label FROM api_key WHERE label = 'workshop tablet'"
    ).fetchone()
    prefix, key_hash, role, _label = row
    assert secret.startswith(prefix) and len(prefix) == len("cc_live_") + 8
    assert bytes(key_hash) == hashlib.sha256(secret.encode()).digest()
    assert role == "center"
    stored = _table_text(conn, "api_key")
    assert secret not in stored
    assert secret[len(prefix) :] not in stored


def test_owner_token_is_stored_only_as_its_hash(conn, world):
    secret = create_owner_token(conn, customer_id=world.customer_a)
    assert secret.startswith("cc_owner_")
    assert secret not in _table_text(conn, "owner_token")
    assert all("hash" not in str(k) for row in list_credentials(conn) for k in row)


def test_revoke_by_prefix_stops_the_key(client, conn, world):
    secret = create_center_key(conn, center_id=world.center_a)
    url = f"/v1/service-centers/{world.center_a}/suggested-bookings"
    assert client.get(url, headers=bearer(secret)).status_code == 200
    assert revoke(conn, prefix=secret[:16]) == ("api_key", secret[:16])
    # The key may be cached in the API process: refused once the revocation's notification has arrived.
    wait_for(lambda: client.get(url, headers=bearer(secret)).status_code == 401, what="the revocation")
    assert client.get(url, headers=bearer(world.key_a)).status_code == 200  # other keys unaffected
    with pytest.raises(KeyCommandError, match="no active api key"):
        revoke(conn, prefix=secret[:16])


def test_unknown_center_or_customer_is_a_clear_error(conn, world):
    with pytest.raises(KeyCommandError, match="no service center"):
        create_center_key(conn, center_id=world.center_b + 1000)
    with pytest.raises(KeyCommandError, match="no customer"):
        create_owner_token(conn, customer_id=world.customer_a + 1000)


def test_cli_create_list_revoke_round_trip(client, database, world, capsys):
    settings = KeysSettings(database=database)
    assert main(["create", "--center", "SHA01", "--label", "cli"], settings=settings) == 0
    secret = capsys.readouterr().out.strip()
    url = f"/v1/service-centers/{world.center_b}/suggested-bookings"
    assert client.get(url, headers=bearer(secret)).status_code == 200

    assert main(["list"], settings=settings) == 0
    listing = capsys.readouterr().out
    assert secret[:16] in listing and "SHA01" in listing
    assert secret not in listing and world.key_a not in listing

    assert main(["revoke", "--prefix", secret[:16]], settings=settings) == 0
    assert secret not in capsys.readouterr().err
    wait_for(lambda: client.get(url, headers=bearer(secret)).status_code == 401, what="the revocation")


def test_cli_owner_token_and_admin_key(client, database, world, capsys):
    settings = KeysSettings(database=database)
    assert main(["owner-token", "--customer-id", str(world.customer_a)], settings=settings) == 0
    token = capsys.readouterr().out.strip()
    assert client.get(f"/v1/vehicles/{world.vin_a}/alerts", headers=bearer(token)).status_code == 200
    assert main(["create-admin", "--label", "ops"], settings=settings) == 0
    admin = capsys.readouterr().out.strip()
    url = f"/v1/service-centers/{world.center_b}/suggested-bookings"
    assert client.get(url, headers=bearer(admin)).status_code == 200


def test_cli_unknown_center_exits_1(database, world, capsys):
    assert main(["create", "--center", "NOPE"], settings=KeysSettings(database=database)) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "no service center with code 'NOPE'" in captured.err
