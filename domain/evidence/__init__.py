"""Typed, versioned evidence: what detection hands notify and the API about a risk (the ``risk.evidence`` JSON).

Detection builds one of these models per flag and stores `to_json()`; notify and the API read the stored object
back with `parse_evidence(kind, data)`. Parsing and dumping round-trip exactly (see `common`), so the models can be
put in front of rows written before they existed. A kind's model is chosen by the risk's kind (brake_pads has two:
the pads, or the fluid check alone). `json_schema()` is published with the API and as docs/evidence.schema.json.

Versioning: every stored row so far is version 1 and carries no ``version`` key. A change that old readers would
misread writes ``"version": 2`` and adds its models here; a reader refuses a version newer than it knows.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import TypeAdapter

from domain.evidence.common import (
    EVIDENCE_VERSION,
    Anomaly,
    Comparison,
    Evidence,
    EvidenceSignal,
    Number,
    Reading,
    Shape,
    evidence_signal,
)
from domain.evidence.kinds import (
    Battery12vCheck,
    Battery12vEvidence,
    BrakeFluidCheck,
    BrakeFluidEvidence,
    BrakePadsEvidence,
    ColdOutlook,
    DtcCode,
    DtcEvidence,
    EvBatterySohEvidence,
    Holiday,
    HolidayTripEvidence,
    LevelShift,
    MaintenanceDueEvidence,
    OwnerRequestEvidence,
    ScheduleBasis,
    SummerCareEvidence,
    TripItem,
    TyrePressureEvidence,
    WinterPrepEvidence,
    WipersEvidence,
)
from domain.vocabulary import RiskKind

__all__ = [
    "EVIDENCE_VERSION",
    "MODELS",
    "Anomaly",
    "AnyEvidence",
    "Battery12vCheck",
    "Battery12vEvidence",
    "BrakeFluidCheck",
    "BrakeFluidEvidence",
    "BrakePadsEvidence",
    "ColdOutlook",
    "Comparison",
    "DtcCode",
    "DtcEvidence",
    "EvBatterySohEvidence",
    "Evidence",
    "EvidenceSignal",
    "EvidenceVersionError",
    "Holiday",
    "HolidayTripEvidence",
    "LevelShift",
    "MaintenanceDueEvidence",
    "Number",
    "OwnerRequestEvidence",
    "Reading",
    "ScheduleBasis",
    "Shape",
    "SummerCareEvidence",
    "TripItem",
    "TyrePressureEvidence",
    "WinterPrepEvidence",
    "WipersEvidence",
    "evidence_signal",
    "json_schema",
    "parse_evidence",
]

AnyEvidence = (
    Battery12vEvidence
    | EvBatterySohEvidence
    | BrakePadsEvidence
    | BrakeFluidEvidence
    | WinterPrepEvidence
    | WipersEvidence
    | TyrePressureEvidence
    | SummerCareEvidence
    | HolidayTripEvidence
    | MaintenanceDueEvidence
    | OwnerRequestEvidence
    | DtcEvidence
)

# The evidence models of each risk kind, the usual one first.
MODELS: dict[RiskKind, tuple[type[Evidence], ...]] = {
    RiskKind.BATTERY_12V: (Battery12vEvidence,),
    RiskKind.EV_BATTERY_SOH: (EvBatterySohEvidence,),
    RiskKind.BRAKE_PADS: (BrakePadsEvidence, BrakeFluidEvidence),
    RiskKind.WINTER_PREP: (WinterPrepEvidence,),
    RiskKind.WIPERS: (WipersEvidence,),
    RiskKind.TYRE_PRESSURE: (TyrePressureEvidence,),
    RiskKind.SUMMER_CARE: (SummerCareEvidence,),
    RiskKind.HOLIDAY_TRIP: (HolidayTripEvidence,),
    RiskKind.MAINTENANCE_DUE: (MaintenanceDueEvidence,),
    RiskKind.OWNER_REQUEST: (OwnerRequestEvidence,),
    RiskKind.DTC: (DtcEvidence,),
}


class EvidenceVersionError(ValueError):
    """The stored evidence has a newer version than this code reads."""


def parse_evidence(kind: RiskKind | str, data: Mapping[str, Any]) -> Evidence:
    """Return the typed evidence of a risk of `kind` from its stored JSON object (raises on a malformed one)."""
    version = data.get("version", EVIDENCE_VERSION)
    if isinstance(version, int) and version > EVIDENCE_VERSION:
        raise EvidenceVersionError(f"evidence version {version} is newer than {EVIDENCE_VERSION}")
    models = MODELS[RiskKind(kind)]
    # brake_pads: a flag for the fluid alone carries the fluid check's keys and no pad wear.
    model = (
        models[1] if len(models) > 1 and "warn_pct" in data and "current_wear_pct" not in data else models[0]
    )
    return model.model_validate(data)


def json_schema() -> dict[str, Any]:
    """Return the JSON Schema (2020-12) of the evidence object of any risk kind."""
    schema = TypeAdapter(AnyEvidence).json_schema(ref_template="#/$defs/{model}")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Evidence",
        "description": (
            "The readings and facts behind one risk (risk.evidence). Which object applies follows from the risk's "
            "kind (x-risk-kind). Every key is optional; unknown keys may appear. Version 1 rows carry no version."
        ),
        **schema,
    }
