"""Models shared by several audiences: the error envelope, UTC timestamps, risk and part descriptions."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

from core.contracts import RiskKind, Severity


def _to_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


# Every timestamp leaves the API in UTC ("...Z"), whatever the database session's time zone is.
UtcDateTime = Annotated[AwareDatetime, AfterValidator(_to_utc)]


class ErrorDetail(BaseModel):
    """One validation problem: where it is and what is wrong."""

    loc: list[str | int]
    msg: str
    type: str | None = None


class ErrorBody(BaseModel):
    """A stable machine-readable code and a message meant for people."""

    code: str = Field(examples=["unauthorized"])
    message: str = Field(examples=["API key is invalid or revoked"])
    details: list[ErrorDetail] | None = None


class ErrorResponse(BaseModel):
    """Every 4xx/5xx answer has this shape."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"error": {"code": "not_found", "message": "vehicle not found"}}]}
    )

    error: ErrorBody


class RiskSummary(BaseModel):
    """What detection found: the kind, how sure and how urgent, when it is expected to fail, and why."""

    id: int
    kind: RiskKind
    severity: Severity
    confidence: float = Field(ge=0, le=1)
    diagnosis: str = Field(examples=["high_internal_resistance"])
    predicted_date: date | None = Field(
        default=None, description="Day the part is expected to fail or cross its limit"
    )
    predicted_low: date | None = Field(
        default=None, description="Early end of the prediction's uncertainty band"
    )
    predicted_high: date | None = Field(
        default=None, description="Late end of the prediction's uncertainty band"
    )
    evidence: dict[str, Any] = Field(
        description="The readings behind the risk: signal, time, value, threshold and comparison",
        examples=[
            {
                "readings": [
                    {
                        "signal": "Vehicle.LowVoltageBattery.CurrentVoltage",
                        "ts": "2026-11-20T23:41:00Z",
                        "value": 9.31,
                        "threshold": 9.6,
                        "op": "<",
                    }
                ]
            }
        ],
    )


class PartLine(BaseModel):
    """One part to prepare for the visit and whether the center has it."""

    sku: str = Field(examples=["BAT-12V-AGM70"])
    name: str | None = Field(default=None, examples=["12V AGM battery 70Ah"])
    qty: int = Field(ge=1, examples=[1])
    in_stock: bool
    available_on: date | None = Field(
        default=None, description="When the part is at the center if ordered now"
    )


class TechnicianRef(BaseModel):
    """The technician the slot is planned with."""

    id: int
    name: str = Field(examples=["Wang Lei"])


_ERROR_DESCRIPTIONS = {
    400: "Bad request (e.g. an invalid pagination cursor)",
    401: "Missing, unknown or revoked credentials",
    403: "The credentials are valid but do not grant access to this resource",
    404: "Not found (or not yours)",
    422: "A parameter failed validation; the message names it",
    503: "A dependency is unavailable; retry later",
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """Return the OpenAPI ``responses`` entries for these error statuses, all using the error envelope."""
    return {
        status: {"model": ErrorResponse, "description": _ERROR_DESCRIPTIONS[status]} for status in statuses
    }
