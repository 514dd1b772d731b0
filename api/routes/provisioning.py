"""Admin routes: issue (or rotate) and withdraw a vehicle's MQTT broker credentials (docs/provisioning.md).

The broker work is core/provisioning.py's; these routes only translate its outcomes: an unknown vehicle is 404, a
broker that does not answer or refuses the provisioning account is 503 with the reason, never a 500.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, NoReturn

from fastapi import APIRouter, Query, Response

from api.deps import AdminCaller, Conn, Settings
from api.errors import ApiError
from api.routes.vehicles import Vin
from api.schemas.common import error_responses
from api.schemas.provisioning import CredentialsWithdrawn, MqttCredentials
from core.provisioning import (
    AdminRefused,
    BrokerUnavailable,
    CommandFailed,
    NotProvisioned,
    Provisioner,
    ProvisioningError,
    UnknownVehicle,
)

router = APIRouter(prefix="/v1/admin/vehicles", tags=["managers"])


def _refuse(exc: ProvisioningError) -> NoReturn:
    """Raise the HTTP answer for a provisioning failure."""
    if isinstance(exc, UnknownVehicle | NotProvisioned):
        raise ApiError(404, "not_found", str(exc)) from exc
    if isinstance(exc, BrokerUnavailable | AdminRefused | CommandFailed):
        raise ApiError(503, "broker_unavailable", str(exc)) from exc
    raise ApiError(503, "broker_unavailable", str(exc)) from exc


@router.post(
    "/{vin}/mqtt-credentials",
    response_model=MqttCredentials,
    status_code=201,
    summary="Issue or rotate a vehicle's MQTT credentials (the password is in this answer only)",
    responses=error_responses(401, 403, 404, 422, 503),
)
def issue_credentials(
    conn: Conn, settings: Settings, _admin: AdminCaller, vin: Vin, response: Response
) -> MqttCredentials:
    """Create the vehicle's broker account, or give it a new password when it has one (the old one stops at once,
    a revoked account is enabled again). Admin keys only."""
    provisioner = Provisioner(mqtt=settings.mqtt, settings=settings.provisioning)
    try:
        issued, rotated = provisioner.issue(conn, vin=vin, now=datetime.now(UTC))
    except ProvisioningError as exc:
        _refuse(exc)
    response.headers["Cache-Control"] = "no-store"
    a = issued.account
    return MqttCredentials(
        vin=a.vin, username=a.username, password=issued.password, client_id=a.client_id, topic=a.topic,
        broker_host=issued.broker_host, broker_port=issued.broker_port, rotated=rotated,
    )  # fmt: skip


@router.delete(
    "/{vin}/mqtt-credentials",
    response_model=CredentialsWithdrawn,
    summary="Revoke (disable) or deprovision (delete) a vehicle's MQTT credentials",
    responses=error_responses(401, 403, 404, 422, 503),
)
def withdraw_credentials(
    conn: Conn,
    settings: Settings,
    _admin: AdminCaller,
    vin: Vin,
    deprovision: Annotated[
        bool, Query(description="Delete the account and its role instead of disabling it")
    ] = False,
) -> CredentialsWithdrawn:
    """Disable the vehicle's broker account (refused at its next login, live connections closed), or with
    ``?deprovision=true`` delete it, as before deregistering the vehicle. Admin keys only."""
    provisioner = Provisioner(mqtt=settings.mqtt, settings=settings.provisioning)
    try:
        if deprovision:
            removed = provisioner.deprovision(conn, vin=vin)
            return CredentialsWithdrawn(vin=vin, status="deprovisioned" if removed else "none")
        state = provisioner.revoke(conn, vin=vin, now=datetime.now(UTC))
    except ProvisioningError as exc:
        _refuse(exc)
    return CredentialsWithdrawn(vin=vin, status="revoked", revoked_at=state.revoked_at)
