"""Password hashes for advisor accounts: stdlib scrypt, a random salt per hash, the parameters kept in the string
(``scrypt$n$r$p$salt$hash``, hex) so they can be raised later without breaking stored hashes."""

from __future__ import annotations

import hashlib
import hmac
import secrets

# n=2**14, r=8, p=1 costs 16 MiB and a few tens of ms per check: the interactive-login figure from the scrypt
# paper, cheap enough for the test suite's logins.
_N, _R, _P = 2**14, 8, 1
_DKLEN = 32
_MAXMEM = 64 * 1024 * 1024
MIN_LENGTH = 10
MAX_LENGTH = 200


def hash_password(password: str) -> str:
    """Return the stored form of a new password (fresh salt)."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=_N, r=_R, p=_P, dklen=_DKLEN, maxmem=_MAXMEM
    )
    return f"scrypt${_N}${_R}${_P}${salt.hex()}${digest.hex()}"


def password_ok(stored: str | None, password: str) -> bool:
    """Return True when `password` matches the stored hash (False for no hash or a malformed one)."""
    if not stored or len(password) > MAX_LENGTH:
        return False
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        given = hashlib.scrypt(
            password.encode("utf-8"),
            salt=bytes.fromhex(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(digest) // 2,
            maxmem=_MAXMEM,
        )
    except ValueError:
        return False
    return hmac.compare_digest(given.hex(), digest)


def password_problem(password: str) -> str | None:
    """Return why a new password is refused ("too_short", "too_long"), or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return "too_short"
    if len(password) > MAX_LENGTH:
        return "too_long"
    return None
