"""`GET /v1/me/api-key`: who the calling API key is, and the numeric id of its service center (which every center
route takes in its path), so an integration needs nothing but its key to start."""

from __future__ import annotations

from fastapi import APIRouter
from psycopg.rows import dict_row

from api.deps import CenterCaller, Conn
from api.errors import ApiError
from api.schemas.common import error_responses
from api.schemas.identity import CenterIdentity, KeyIdentity
from api.sql import KEY_IDENTITY
from core.db import query

router = APIRouter(tags=["service centers"])


@router.get(
    "/v1/me/api-key",
    response_model=KeyIdentity,
    summary="Who this API key is, and its service center's id",
    responses=error_responses(401, 503),
)
def key_identity(conn: Conn, caller: CenterCaller) -> KeyIdentity:
    """Return the key's prefix, label, role and expiry and the center it acts for (`center.id` is the
    `{center_id}` of every center route); admin keys have no center."""
    row = conn.cursor(row_factory=dict_row).execute(query(KEY_IDENTITY), {"key_id": caller.key_id}).fetchone()
    if row is None:  # revoked between the authentication and this read
        raise ApiError(401, "unauthorized", "this API key is no longer valid")
    center = None
    if row["center_id"] is not None:
        center = CenterIdentity(
            id=row["center_id"],
            code=row["center_code"],
            name=row["center_name"],
            city=row["center_city"],
            time_zone=row["center_tz"],
        )
    return KeyIdentity(
        prefix=row["prefix"],
        label=row["label"],
        role=row["role"],
        expires_at=row["expires_at"],
        center=center,
    )
