"""Calendar feed links: a URL token that stands for one API key and one center, signed, never the key itself."""

from __future__ import annotations

import psycopg

from api.auth.principals import CenterPrincipal
from api.auth.signing import signed, unsign
from api.errors import ApiError
from api.store import repository


def _purpose(center_id: int) -> str:
    return f"calendar:{center_id}"


def calendar_token(secret: str, *, center_id: int, key_id: int) -> str:
    """Return the token of a subscribable calendar link for this center, standing for this key."""
    return signed(secret, purpose=_purpose(center_id), value=str(key_id))


def calendar_principal(
    conn: psycopg.Connection, *, secret: str, center_id: int, token: str
) -> CenterPrincipal:
    """Return the caller behind a calendar link token, or raise 401 (not ours, another center's, key not live)."""
    key_id = unsign(secret, purpose=_purpose(center_id), token=token)
    key = repository.api_key_by_id(conn, key_id=int(key_id)) if key_id and key_id.isdigit() else None
    if key is None:
        raise ApiError(401, "unauthorized", "calendar link is invalid or its API key was revoked")
    return CenterPrincipal(key_id=key["id"], role=key["role"], center_id=key["center_id"])
