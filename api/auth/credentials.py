"""Secrets for service-center API keys and owner tokens: generation, hashing, display prefixes, lifetimes (pure,
no I/O)."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta
from enum import StrEnum

# 8 random characters after the kind marker: 48 bits, enough to tell keys apart in `list` and `revoke --prefix`.
_PREFIX_RANDOM_CHARS = 8
# token_urlsafe(32) is 43 characters; anything much longer is not one of ours and is refused before hashing.
MAX_SECRET_LENGTH = 128
_DURATION = re.compile(r"([0-9]{1,6})([mhdw])")
_UNIT = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}


class SecretKind(StrEnum):
    """The marker every secret starts with, telling what it grants."""

    CENTER_KEY = "cc_live_"
    OWNER_TOKEN = "cc_owner_"


def new_secret(kind: SecretKind) -> str:
    """Return a fresh secret: the kind marker followed by 32 random bytes, base64url-encoded."""
    return kind.value + secrets.token_urlsafe(32)


def hash_secret(secret: str) -> bytes:
    """Return the SHA-256 digest stored in place of the secret."""
    return hashlib.sha256(secret.encode("utf-8")).digest()


def display_prefix(secret: str) -> str:
    """Return the short, non-secret beginning of a secret shown in listings (e.g. ``cc_live_Ab3dE9xQ``)."""
    kind = kind_of(secret)
    if kind is None:
        raise ValueError("not a Carecast secret")
    return secret[: len(kind.value) + _PREFIX_RANDOM_CHARS]


def kind_of(secret: str) -> SecretKind | None:
    """Return which kind of secret this looks like, or None when it is not one of ours."""
    if len(secret) > MAX_SECRET_LENGTH:
        return None
    # OWNER_TOKEN first is not needed (the markers do not prefix each other) but keeps the check order obvious.
    for kind in (SecretKind.OWNER_TOKEN, SecretKind.CENTER_KEY):
        if secret.startswith(kind.value) and len(secret) > len(kind.value) + _PREFIX_RANDOM_CHARS:
            return kind
    return None


def parse_duration(text: str) -> timedelta:
    """Return the timedelta of a lifetime such as ``90d``, ``12h``, ``30m`` or ``2w``; ValueError otherwise."""
    match = _DURATION.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"{text!r} is not a duration: a whole number and m, h, d or w (e.g. 90d, 12h)")
    return int(match[1]) * _UNIT[match[2]]
