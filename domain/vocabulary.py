"""The words Carecast's stages share: risk kinds and severities, case stages, booking and risk statuses, delivery
channels and statuses, outcomes, close reasons, powertrains, segments and locales.

Every string column with a CHECK constraint in the migrations takes its values from here;
tests/domain/test_vocabulary.py compares each enum with its CHECK so the two cannot drift.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal, get_args


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
    # A diagnostic trouble code the car stored (Vehicle.Diagnostics.DTCList; catalogue in domain/dtc.py).
    DTC = "dtc"
    # Filed by the owner (POST /v1/vehicles/{vin}/requests), not by a rule: detection never flags or resolves it.
    OWNER_REQUEST = "owner_request"


# The kinds detection's rules flag (every kind but the owner's own requests).
RULE_KINDS: tuple[RiskKind, ...] = tuple(k for k in RiskKind if k is not RiskKind.OWNER_REQUEST)


class RequestCategory(StrEnum):
    """What an owner-started request is about (the owner picks one)."""

    NOISE = "noise"
    WARNING_LIGHT = "warning_light"
    MAINTENANCE = "maintenance"
    TYRES = "tyres"
    BRAKES = "brakes"
    BATTERY = "battery"
    OTHER = "other"


class Severity(StrEnum):
    """How urgent a risk is, lowest to highest."""

    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


SEVERITY_ORDER = {s: i for i, s in enumerate(Severity)}


class RiskStatus(StrEnum):
    """A risk is open while its rule still flags it, resolved when telemetry recovered, closed with its case."""

    OPEN = "open"
    RESOLVED = "resolved"
    CLOSED = "closed"


class CaseStage(StrEnum):
    """Where one case (one risk of one car) is, in lifecycle order."""

    DETECTED = "detected"
    NOTIFIED = "notified"
    BOOKED = "booked"
    CHECKED_IN = "checked_in"
    SERVICED = "serviced"
    VERIFIED = "verified"
    CLOSED = "closed"


CASE_ORDER = tuple(CaseStage)
# From here on the case is the workshop's: reminders stop and it ends through the visit, not by itself.
BOOKED_STAGES = frozenset(CASE_ORDER[CASE_ORDER.index(CaseStage.BOOKED) :])


class BookingStatus(StrEnum):
    """A booking option: offered (suggested), taken (accepted), turned down (declined) or past its offer (expired)."""

    SUGGESTED = "suggested"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"


class Channel(StrEnum):
    """How a care message reaches its owner; each needs the owner's granted consent (customer_consent)."""

    IN_APP = "in_app"
    EMAIL = "email"
    WEBHOOK = "webhook"
    SMS = "sms"  # through the configured HTTP gateway (docs/messages.md)
    WECHAT = "wechat"  # WeChat template message / OEM-app push through a signed webhook


class DeliveryStatus(StrEnum):
    """One delivery of a dispatch to one channel (care_delivery) or of a push to a center (webhook_delivery):
    waiting or retrying, done, given up after its retries, or called off (consent withdrawn, data erased)."""

    PENDING = "pending"
    DELIVERED = "delivered"
    DEAD = "dead"
    CANCELLED = "cancelled"


class Outcome(StrEnum):
    """What the workshop found."""

    FAULT_CONFIRMED = "fault_confirmed"
    NO_FAULT_FOUND = "no_fault_found"


class CloseReason(StrEnum):
    """Why a case closed."""

    VERIFIED = "verified"
    NO_FAULT_FOUND = "no_fault_found"
    RESOLVED_BY_ITSELF = "resolved_by_itself"
    DECLINED = "declined"


class Powertrain(StrEnum):
    """What moves the car."""

    EV = "EV"
    ICE = "ICE"
    HYBRID = "HYBRID"


class Segment(StrEnum):
    """The owner's segment, which sets the tone and the booking preferences."""

    BUSINESS = "business"
    FAMILY = "family"
    EV = "ev"
    PREMIUM = "premium"


# The languages care messages and pages are written in.
Locale = Literal["zh-CN", "en"]
LOCALES: tuple[Locale, ...] = get_args(Locale)
