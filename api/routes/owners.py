"""Owner routes: my vehicles, a car's health summary, its booking options and its SOH chart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Query, Response

from api.auth.principals import OwnerPrincipal
from api.deps import Conn, OwnerCaller, Settings
from api.errors import ApiError
from api.routes.vehicles import Vin
from api.schemas.common import error_responses
from api.schemas.owners import BookingOptions, HealthSummary, Inbox, OwnerVehicles
from api.store import repository
from api.views.health_summary import soh_points, summarize
from api.views.soh_chart import soh_chart
from api.views.soh_forecast import fit_soh

router = APIRouter(tags=["owners"])

# The summary and the chart look back this far in the daily rollup.
HISTORY_DAYS = 365


def _vehicle(conn: Conn, owner: OwnerPrincipal, vin: str) -> dict[str, Any]:
    vehicle = repository.owner_vehicle(conn, vin=vin, customer_id=owner.customer_id)
    if vehicle is None:
        raise ApiError(404, "not_found", "vehicle not found")
    return vehicle


@router.get(
    "/v1/me/vehicles",
    response_model=OwnerVehicles,
    summary="The owner's vehicles",
    responses=error_responses(401, 503),
)
def my_vehicles(conn: Conn, owner: OwnerCaller) -> OwnerVehicles:
    """Return every car of the token's owner, with the number of open issues on each."""
    return OwnerVehicles.model_validate(
        {"items": repository.owner_vehicles(conn, customer_id=owner.customer_id)}
    )


@router.get(
    "/v1/me/inbox",
    response_model=Inbox,
    summary="The owner's in-app inbox: care messages delivered by the in-app channel",
    responses=error_responses(401, 422, 503),
)
def my_inbox(conn: Conn, owner: OwnerCaller, limit: int = Query(50, ge=1, le=100)) -> Inbox:
    """Return the newest in-app messages of the token's owner."""
    return Inbox.model_validate(
        {"items": repository.owner_inbox(conn, customer_id=owner.customer_id, limit=limit)}
    )


@router.get(
    "/v1/vehicles/{vin}/health",
    response_model=HealthSummary,
    summary="Health summary of one of the owner's vehicles",
    responses=error_responses(401, 404, 422, 503),
)
def vehicle_health(conn: Conn, settings: Settings, owner: OwnerCaller, vin: Vin) -> HealthSummary:
    """Return the 12V battery, the traction battery (with its SOH forecast band), brake pads and upcoming care."""
    vehicle = _vehicle(conn, owner, vin)
    now = datetime.now(UTC)
    rows = repository.vehicle_daily(conn, vehicle_id=vehicle["id"], since=now - timedelta(days=HISTORY_DAYS))
    summary = summarize(
        powertrain=vehicle["powertrain"],
        rows=rows,
        risks=repository.vehicle_open_risks(conn, vehicle_id=vehicle["id"]),
        upcoming=repository.vehicle_booking_options(
            conn, vehicle_id=vehicle["id"], customer_id=owner.customer_id, now=now
        ),
        soh_threshold=settings.soh.threshold_pct,
        now=now,
    )
    return HealthSummary.model_validate(
        {"vin": vehicle["vin"], "model": vehicle["model"], "powertrain": vehicle["powertrain"], **summary}
    )


@router.get(
    "/v1/vehicles/{vin}/booking-options",
    response_model=BookingOptions,
    summary="Booking options of one of the owner's vehicles",
    responses=error_responses(401, 404, 422, 503),
)
def booking_options(conn: Conn, owner: OwnerCaller, vin: Vin) -> BookingOptions:
    """Return the live options the owner may accept and the visits already booked, soonest first."""
    vehicle = _vehicle(conn, owner, vin)
    items = repository.vehicle_booking_options(
        conn, vehicle_id=vehicle["id"], customer_id=owner.customer_id, now=datetime.now(UTC)
    )
    return BookingOptions.model_validate({"vin": vehicle["vin"], "items": items})


@router.get(
    "/v1/vehicles/{vin}/soh-chart.svg",
    summary="SVG chart of the traction battery's state of health, trend and forecast band",
    response_class=Response,
    responses={
        200: {"content": {"image/svg+xml": {}}, "description": "An SVG image (no scripts)"},
        **error_responses(401, 404, 422, 503),
    },
)
def soh_chart_svg(conn: Conn, settings: Settings, owner: OwnerCaller, vin: Vin) -> Response:
    """Return the daily SOH readings of the last year, the fitted trend and its one-year forecast band."""
    vehicle = _vehicle(conn, owner, vin)
    now = datetime.now(UTC)
    points = soh_points(
        repository.vehicle_daily(conn, vehicle_id=vehicle["id"], since=now - timedelta(days=HISTORY_DAYS))
    )
    svg = soh_chart(
        points,
        forecast=fit_soh(points, now=now),
        threshold=settings.soh.threshold_pct,
        title=f"{vehicle['model']} {vehicle['vin']}: traction battery state of health (%)",
    )
    return Response(
        content=svg,
        media_type="image/svg+xml",
        headers={"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"},
    )
