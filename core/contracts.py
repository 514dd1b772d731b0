"""Contracts between stages: MQTT topic scheme, VIN rules, risk kinds and severities."""

from __future__ import annotations

import re
from enum import StrEnum

# ISO 3779: 17 characters, digits and capital letters except I, O and Q. Always used with fullmatch: with
# match, "$" would also accept a trailing newline.
_VIN_RE = re.compile(r"[A-HJ-NPR-Z0-9]{17}")
# Position 9 check digit (North America mandatory; China GB 16735 uses the same scheme).
_TRANSLIT = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)

TELEMETRY_QOS = 1
TELEMETRY_SUFFIX = "telemetry"
PAYLOAD_VERSION = 1


def is_valid_vin(vin: object) -> bool:
    """Return True for a 17-character VIN without I, O or Q."""
    return isinstance(vin, str) and _VIN_RE.fullmatch(vin) is not None


def vin_check_digit(vin: str) -> str:
    """Return the ISO 3779 / GB 16735 check character (position 9) for a VIN."""
    total = sum(_TRANSLIT[c] * w for c, w in zip(vin, _WEIGHTS, strict=True))
    rem = total % 11
    return "X" if rem == 10 else str(rem)


def telemetry_topic(topic_root: str, vin: str) -> str:
    """Return the topic a vehicle publishes its telemetry to: {root}/{VIN}/telemetry."""
    return f"{topic_root}/{vin}/{TELEMETRY_SUFFIX}"


def telemetry_subscription(topic_root: str) -> str:
    """Return the subscription filter matching every vehicle's telemetry topic."""
    return f"{topic_root}/+/{TELEMETRY_SUFFIX}"


def vin_from_topic(topic_root: str, topic: str) -> str | None:
    """Return the VIN segment of a telemetry topic, or None when the topic does not follow the scheme."""
    prefix = topic_root + "/"
    if not topic.startswith(prefix) or not topic.endswith("/" + TELEMETRY_SUFFIX):
        return None
    middle = topic[len(prefix) : -len(TELEMETRY_SUFFIX) - 1]
    return middle if "/" not in middle else None


class RiskKind(StrEnum):
    """What a risk is about. One open risk per vehicle and kind."""

    BATTERY_12V = "battery_12v"
    EV_BATTERY_SOH = "ev_battery_soh"
    BRAKE_PADS = "brake_pads"
    WINTER_PREP = "winter_prep"
    MAINTENANCE_DUE = "maintenance_due"
    WIPERS = "wipers"
    TYRE_PRESSURE = "tyre_pressure"
    SUMMER_CARE = "summer_care"
    HOLIDAY_TRIP = "holiday_trip"


class Severity(StrEnum):
    """How urgent a risk is, lowest to highest."""

    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


SEVERITY_ORDER = {s: i for i, s in enumerate(Severity)}


class Powertrain(StrEnum):
    EV = "EV"
    ICE = "ICE"
    HYBRID = "HYBRID"


class Segment(StrEnum):
    BUSINESS = "business"
    FAMILY = "family"
    EV = "ev"
    PREMIUM = "premium"


LOCALES = ("zh-CN", "en")
