"""Opaque pagination cursors: base64url of the last id a page returned (pure, no I/O)."""

from __future__ import annotations

import base64
import binascii

from core.errors import CarecastError

_MAX_ID = 2**63 - 1  # bigint
_MAX_CURSOR_LENGTH = 32


class InvalidCursor(CarecastError, ValueError):
    """The cursor was not produced by this API (or was altered)."""


def encode_cursor(last_id: int) -> str:
    """Return the cursor that continues after `last_id`."""
    return base64.urlsafe_b64encode(str(last_id).encode("ascii")).rstrip(b"=").decode("ascii")


def decode_cursor(cursor: str) -> int:
    """Return the id a cursor continues after; raise InvalidCursor for anything encode_cursor cannot produce."""
    if not cursor or len(cursor) > _MAX_CURSOR_LENGTH:
        raise InvalidCursor("cursor has the wrong length")
    try:
        raw = base64.b64decode(cursor + "=" * (-len(cursor) % 4), altchars=b"-_", validate=True)
        text = raw.decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise InvalidCursor("cursor is not valid base64url") from exc
    if not text.isdigit() or not text.isascii():
        raise InvalidCursor("cursor does not hold an id")
    last_id = int(text)
    if not 0 < last_id <= _MAX_ID or encode_cursor(last_id) != cursor:
        raise InvalidCursor("cursor does not hold a valid id")
    return last_id
