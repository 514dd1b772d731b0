"""Owner-started requests: the owner describes a concern (category, text, optional photo) about one of their cars;
the case appears to the centers like any other and the notifier plans slots on its next pass (202 + poll
``…/booking-options``: the API never imports the notifier)."""

from __future__ import annotations

import binascii
from datetime import UTC, datetime
from typing import Any

import psycopg
from fastapi import APIRouter, Response

from api.deps import Conn, OwnerCaller, Settings
from api.errors import ApiError
from api.routes.vehicles import Vin
from api.schemas.common import ErrorResponse, error_responses
from api.schemas.owner_requests import OwnerRequestBody, OwnerRequestFiled
from api.store import repository
from core import owner_requests
from domain.owner_request import photo_type

router = APIRouter(tags=["owners"])

RESPONSES: dict[int | str, dict[str, Any]] = {
    **error_responses(401, 404, 422, 503),
    409: {"model": ErrorResponse, "description": "The car already has an open request"},
    413: {"model": ErrorResponse, "description": "The photo (or the body) is too large"},
}


@router.post(
    "/v1/vehicles/{vin}/requests",
    response_model=OwnerRequestFiled,
    status_code=202,
    summary="Describe a concern about your car and get slots to have it looked at",
    responses=RESPONSES,
)
def file_request(
    conn: Conn,
    settings: Settings,
    owner: OwnerCaller,
    vin: Vin,
    response: Response,
    body: OwnerRequestBody | None = None,
) -> OwnerRequestFiled:
    """Record the request as a case the centers see; slots follow at ``booking_options`` after the next pass."""
    vehicle = repository.owner_vehicle(conn, vin=vin, customer_id=owner.customer_id)
    if vehicle is None:  # before the body: someone else's car answers exactly like a missing one
        raise ApiError(404, "not_found", "vehicle not found")
    if body is None:
        raise ApiError(422, "validation_error", "body: a category and a text are required")
    photo = None if body.photo is None else _photo(body.photo, limit=settings.api.request_photo_max_bytes)
    try:
        with conn.transaction():
            risk_id = owner_requests.file_request(
                conn,
                vehicle_id=vehicle["id"],
                category=body.category,
                text=body.text,
                photo=photo,
                now=datetime.now(UTC),
            )
    except psycopg.errors.CheckViolation as exc:
        raise ApiError(422, "refused_by_database", "the request was refused; check the text") from exc
    if risk_id is None:
        raise ApiError(
            409, "open_request", "this car already has an open request; book or decline its slots first"
        )
    options = f"/v1/vehicles/{vehicle['vin']}/booking-options"
    response.headers["Location"] = options
    return OwnerRequestFiled(
        risk_id=risk_id, status="planning", booking_options=options, photo=photo is not None
    )


def _photo(encoded: str, *, limit: int) -> tuple[str, bytes]:
    """Decode and check the photo: (content type, bytes); 422 when it is not a JPEG or PNG, 413 when too large."""
    if len(encoded) > (limit + 2) // 3 * 4 + 4:
        raise ApiError(413, "photo_too_large", f"the photo may be at most {limit} bytes")
    try:
        data = binascii.a2b_base64(encoded, strict_mode=True)
    except binascii.Error as exc:
        raise ApiError(422, "bad_photo", "the photo must be base64 (RFC 4648, no line breaks)") from exc
    if len(data) > limit:
        raise ApiError(413, "photo_too_large", f"the photo may be at most {limit} bytes")
    content_type = photo_type(data)
    if content_type is None:
        raise ApiError(422, "bad_photo", "the photo must be a JPEG or PNG image")
    return content_type, data
