"""The photo an owner attached to a request (core/owner_requests.py), for the service center that handles it.

A center key reads only its own center (403 otherwise, api/deps.py); within it, only requests offered or booked
there or whose owner prefers it (api/sql/request_photo.sql): any other request answers 404 like a missing photo.
The image is private to the owner and the center, so no cache keeps it (``Cache-Control: private, no-store``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Response

from api.deps import CenterId, Conn, ExistingCenterScope
from api.errors import ApiError
from api.schemas.common import error_responses
from api.store import repository

router = APIRouter(prefix="/v1/service-centers", tags=["service centers"])

RiskId = Annotated[int, Path(ge=1, le=2**63 - 1, description="The request's risk id (`risk_id` of its case)")]

_IMAGE: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {
            "image/jpeg": {"schema": {"type": "string", "format": "binary"}},
            "image/png": {"schema": {"type": "string", "format": "binary"}},
        },
        "description": "The photo as the owner sent it (JPEG or PNG)",
    }
}


@router.get(
    "/{center_id}/requests/{risk_id}/photo",
    summary="The photo of an owner's request",
    response_class=Response,
    responses={**_IMAGE, **error_responses(401, 403, 404, 422, 503)},
)
def request_photo(conn: Conn, caller: ExistingCenterScope, center_id: CenterId, risk_id: RiskId) -> Response:
    """Return the photo the owner attached to the request; 404 when it has none or the request is not the center's."""
    photo = repository.request_photo(conn, center_id=center_id, risk_id=risk_id)
    if photo is None:
        raise ApiError(404, "not_found", "no photo for this request at this center")
    content_type, data = photo
    return Response(
        content=data,
        media_type=content_type,
        headers={"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"},
    )
