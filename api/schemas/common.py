"""Models shared by several audiences: the error envelope, UTC timestamps, risk and part descriptions, and the
base of every request body (no NUL characters anywhere in it)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    field_validator,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, core_schema

from domain.evidence import (
    AnyEvidence,
    Battery12vEvidence,
    Comparison,
    EvidenceSignal,
    Reading,
    parse_evidence,
)
from domain.vocabulary import RiskKind, Severity

NUL_MESSAGE = "must not contain NUL (\\x00) characters"
# The same rule in JSON Schema (ECMA 262), so the OpenAPI schema says it and schema-driven clients follow it.
NUL_FREE_PATTERN = "^[^\\u0000]*$"


def reject_nul(value: Any) -> Any:
    """Return `value` unchanged; raise ValueError when it is, or holds, a string with a NUL character.

    PostgreSQL text and jsonb cannot store NUL, so such a value would fail at the database (500) instead of here.
    """
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError(NUL_MESSAGE)
    elif isinstance(value, dict):
        for key, item in value.items():
            reject_nul(key)
            reject_nul(item)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            reject_nul(item)
    return value


# A string parameter (header, query, path) that may reach PostgreSQL.
NulFreeStr = Annotated[
    str, AfterValidator(reject_nul), Field(json_schema_extra={"pattern": NUL_FREE_PATTERN})
]


def _document_nul_free(schema: dict[str, Any]) -> None:
    """Add NUL_FREE_PATTERN to every string (and dictionary key) of a JSON schema, stopping at other models."""
    if schema.get("type") == "string" and "enum" not in schema and "const" not in schema:
        if "pattern" in schema:
            schema.setdefault("allOf", []).append({"pattern": NUL_FREE_PATTERN})
        else:
            schema["pattern"] = NUL_FREE_PATTERN
    if isinstance(schema.get("additionalProperties"), dict):
        schema.setdefault("propertyNames", {"pattern": NUL_FREE_PATTERN})
        _document_nul_free(schema["additionalProperties"])
    children = [*schema.get("properties", {}).values(), *schema.get("anyOf", []), *schema.get("oneOf", [])]
    if isinstance(schema.get("items"), dict):
        children.append(schema["items"])
    for child in children:
        _document_nul_free(child)


class RequestModel(BaseModel):
    """Base of every request body: each string in it, however deeply nested, is checked for NUL (422)."""

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        return reject_nul(value)

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(core_schema)
        _document_nul_free(handler.resolve_ref_schema(json_schema))
        return json_schema


def _nul_errors(where: str, items: Iterable[tuple[str, str]]) -> list[dict[str, Any]]:
    return [
        {"type": "string_nul", "loc": (where, name), "msg": f"Value {NUL_MESSAGE}", "input": value}
        for name, value in items
        if "\x00" in value or "\x00" in name
    ]


async def reject_nul_params(request: Request) -> None:
    """Answer 422 when a path or query parameter holds a NUL character (an app-wide dependency)."""
    errors = _nul_errors("path", request.path_params.items()) + _nul_errors(
        "query", request.query_params.multi_items()
    )
    if errors:
        raise RequestValidationError(errors)


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


class _StoredEvidence:
    """The evidence object exactly as ``risk.evidence`` stores it (passed through, so the answer is the stored JSON);
    its schema is the typed evidence's (``domain.evidence``), one object per risk kind."""

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        typed = handler.generate_schema(AnyEvidence)
        return core_schema.no_info_wrap_validator_function(
            lambda value, _: value,  # checked with the risk's kind, in RiskSummary
            typed,
            serialization=core_schema.plain_serializer_function_ser_schema(lambda value: value),
        )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return handler(schema["schema"])  # type: ignore[typeddict-item]


# Built through the model, so the example has the shape rules write (a 12 V battery's cranking check).
_EVIDENCE_EXAMPLE = Battery12vEvidence(
    diagnosis="high_internal_resistance",
    readings=[
        Reading(
            signal=EvidenceSignal.LV_BATTERY_VOLTAGE, aggregate="cranking_min_20c", day=date(2026, 11, 20),
            value=9.31, threshold=9.6, op=Comparison.LT, raw_value=8.17, air_temp_c=-18.5,
        )
    ],
    recent_median=9.43, threshold=9.6, failure_at=9.0, trend_per_day=-0.0121, days_to_failure=21.4, window_days=30,
    temp_coeff_v_per_c=0.03,
).to_json()  # fmt: skip


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
    evidence: Annotated[dict[str, Any], _StoredEvidence] = Field(
        description="The readings behind the risk (signal, day, value, threshold and comparison) and the facts its "
        "rule adds; the object follows from the risk's kind (docs/evidence.schema.json)",
        examples=[_EVIDENCE_EXAMPLE],
    )

    @model_validator(mode="after")
    def _evidence_of_its_kind(self) -> RiskSummary:
        parse_evidence(self.kind, self.evidence)  # raises when the stored object is not this kind's evidence
        return self


class PartLine(BaseModel):
    """One part to prepare for the visit and whether the center has it."""

    sku: str = Field(examples=["BAT-12V-AGM70"])
    name: str | None = Field(default=None, examples=["12V AGM battery 70Ah"])
    qty: int = Field(ge=1, examples=[1])
    in_stock: bool
    available_on: date | None = Field(
        default=None, description="When the part is at the center if ordered now"
    )


class PickupInfo(BaseModel):
    """Pickup and delivery as the owner chose it: the driver collects the car at `pickup_at` and brings it back
    at `delivery_at` (the workshop slot plus the driving time each way)."""

    address: str = Field(examples=["Zhongshan Rd 12, Nangang, Harbin"])
    lat: float
    lon: float
    distance_km: float = Field(description="From the address to the center, great circle")
    pickup_at: UtcDateTime
    delivery_at: UtcDateTime


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
