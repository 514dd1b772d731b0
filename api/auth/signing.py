"""HMAC signatures for values the API hands out and gets back (session cookies, calendar links); pure."""

from __future__ import annotations

import hashlib
import hmac

_SIG_CHARS = 32


def sign(secret: str, message: str) -> str:
    """Return the hex HMAC-SHA256 of `message` (first 128 bits)."""
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()[:_SIG_CHARS]


def signed(secret: str, *, purpose: str, value: str) -> str:
    """Return ``value.signature``: the value with a signature bound to `purpose`."""
    return f"{value}.{sign(secret, f'{purpose}:{value}')}"


def unsign(secret: str, *, purpose: str, token: str) -> str | None:
    """Return the value of a token made by `signed` for this purpose, or None when it was not."""
    value, _, signature = token.rpartition(".")
    if not value or len(signature) != _SIG_CHARS:
        return None
    # Bytes, not str: compare_digest refuses non-ASCII text, and a token may come from anyone.
    expected = sign(secret, f"{purpose}:{value}").encode()
    return value if hmac.compare_digest(signature.encode("utf-8"), expected) else None
