"""Owner routes: what Carecast tells the owner about one of their cars."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import AfterValidator

from api.deps import Conn, OwnerCaller
from api.errors import ApiError
from api.schemas.common import error_responses
from api.schemas.vehicles import VehicleAlerts
from api.store import repository
from domain.vin import is_valid_vin

router = APIRouter(prefix="/v1/vehicles", tags=["owners"])


def _valid_vin(vin: str) -> str:
    if not is_valid_vin(vin):
        raise ValueError("VIN must be 17 characters: digits and capital letters except I, O and Q")
    return vin


Vin = Annotated[
    str,
    Path(
        description="Vehicle identification number (ISO 3779): 17 digits and capital letters except I, O, Q",
        examples=["LSVAU2180N2183294"],
        json_schema_extra={"pattern": "^[A-HJ-NPR-Z0-9]{17}$"},
    ),
    AfterValidator(_valid_vin),
]


@router.get(
    "/{vin}/alerts",
    response_model=VehicleAlerts,
    summary="Alerts for one of the owner's vehicles",
    responses=error_responses(401, 404, 422, 503),
)
def get_vehicle_alerts(conn: Conn, owner: OwnerCaller, vin: Vin) -> VehicleAlerts:
    """Return the car's open and resolved risks with their care messages and booking options.

    A VIN that does not exist and a VIN of someone else's car both answer 404, so nothing leaks.
    """
    vehicle = repository.owner_vehicle(conn, vin=vin, customer_id=owner.customer_id)
    if vehicle is None:
        raise ApiError(404, "not_found", "vehicle not found")
    alerts = repository.vehicle_alerts(conn, vehicle_id=vehicle["id"], customer_id=owner.customer_id)
    return VehicleAlerts.model_validate({"vin": vehicle["vin"], "model": vehicle["model"], "alerts": alerts})
