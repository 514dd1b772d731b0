"""A person's data rights over HTTP (admin keys only): export everything held on a customer, erase their personal
data. The work is core/privacy.py's, shared with ``carecast customer``; docs/privacy.md describes both."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path

from api.deps import Conn, require_admin_key
from api.errors import ApiError
from api.schemas.common import ErrorResponse, error_responses
from core.privacy import ErasureBlocked, UnknownCustomer, erase_person, export_person
from core.privacy_models import ErasureReport, PersonalDataExport

router = APIRouter(prefix="/v1/admin/customers", tags=["privacy"], dependencies=[Depends(require_admin_key)])

# A dealer's reference may hold any character, "/" too: the route takes the rest of the path up to the action
# ({ref:path}), so a percent-encoded slash (which the server decodes before routing) still finds its customer.
CustomerRef = Annotated[
    str, Path(min_length=1, max_length=200, description="The dealer's customer reference (customer.ref)")
]


@router.get(
    "/{ref:path}/export",
    response_model=PersonalDataExport,
    summary="Everything held on one person",
    responses=error_responses(401, 403, 404, 422, 503),
)
def export(conn: Conn, ref: CustomerRef) -> PersonalDataExport:
    """Return the person's data as one document (format ``carecast.personal-data/1``); 404 for an unknown ref."""
    try:
        return export_person(conn, ref=ref, now=datetime.now(UTC))
    except UnknownCustomer as exc:
        raise ApiError(404, "not_found", str(exc)) from exc


@router.delete(
    "/{ref:path}/personal-data",
    response_model=ErasureReport,
    summary="Erase one person's personal data",
    responses={
        **error_responses(401, 403, 404, 422, 503),
        409: {"model": ErrorResponse, "description": "A vehicle of the person must be deprovisioned first"},
    },
)
def erase(conn: Conn, ref: CustomerRef) -> ErasureReport:
    """Erase the person's personal data and return what changed; repeating it changes nothing."""
    try:
        return erase_person(conn, ref=ref, now=datetime.now(UTC))
    except UnknownCustomer as exc:
        raise ApiError(404, "not_found", str(exc)) from exc
    except ErasureBlocked as exc:
        raise ApiError(409, "conflict", str(exc)) from exc
