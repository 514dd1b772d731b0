"""Pure tests of cursors and secret formats."""

from __future__ import annotations

import pytest

from api.auth.credentials import SecretKind, display_prefix, hash_secret, kind_of, new_secret
from api.feed.cursor import InvalidCursor, decode_cursor, encode_cursor


@pytest.mark.parametrize("last_id", [1, 9, 10, 12345, 2**63 - 1])
def test_cursor_round_trip(last_id):
    cursor = encode_cursor(last_id)
    assert "=" not in cursor
    assert decode_cursor(cursor) == last_id


@pytest.mark.parametrize("cursor", ["", "!!!", "MA", "LTE", "MTIz=", "MTIzCg", "MTIz\n", "٣", "A" * 33])
def test_cursor_rejects_what_encode_cannot_produce(cursor):
    with pytest.raises(InvalidCursor):
        decode_cursor(cursor)


def test_secret_formats():
    key, token = new_secret(SecretKind.CENTER_KEY), new_secret(SecretKind.OWNER_TOKEN)
    assert kind_of(key) is SecretKind.CENTER_KEY
    assert kind_of(token) is SecretKind.OWNER_TOKEN
    assert key != new_secret(SecretKind.CENTER_KEY)
    assert display_prefix(key) == key[:16]
    assert display_prefix(token) == token[:17]
    assert len(hash_secret(key)) == 32
    assert kind_of("cc_live_short") is None
    assert kind_of("cc_live_" + "a" * 200) is None
    assert kind_of("sk_live_" + "a" * 43) is None
