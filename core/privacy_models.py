"""The typed shapes of privacy requests: the export of everything held on one person (one JSON document, format
``carecast.personal-data/1``, docs/privacy.md) and the report of an erasure."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from domain.vocabulary import Channel

ExportFormat = Literal["carecast.personal-data/1"]
EXPORT_FORMAT: ExportFormat = "carecast.personal-data/1"


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Person(_Part):
    """The customer row: the dealer's reference, name, contacts (``channels``), locale, quiet hours."""

    ref: str
    name: str
    locale: str
    tz: str
    segment: str
    preferred_center: str | None
    channels: dict[str, Any]
    quiet_start: time | None
    quiet_end: time | None
    created_at: datetime
    updated_at: datetime
    erased_at: datetime | None


class Consent(_Part):
    """The person's consent for one channel, as the dealer recorded it."""

    channel: Channel
    granted: bool
    recorded_at: datetime
    source: str


class OwnedVehicle(_Part):
    """A vehicle the person owns or owned, one entry per ownership period (``until`` null: still theirs)."""

    vehicle_id: int
    vin: str
    plate: str | None  # only while the car is still theirs
    brand: str
    model: str
    model_year: int
    powertrain: str
    region: str
    registered_on: date | None
    since: datetime
    until: datetime | None


class RiskRecord(_Part):
    """A risk raised on one of the person's vehicles while they owned it, with its case."""

    risk_id: int
    vin: str
    kind: str
    status: str
    severity: str
    confidence: float
    diagnosis: str
    evidence: dict[str, Any]
    predicted_date: date | None
    first_seen_at: datetime
    last_seen_at: datetime
    resolved_at: datetime | None
    stage: str | None
    outcome: str | None
    close_reason: str | None
    notified_at: datetime | None
    booked_at: datetime | None
    serviced_at: datetime | None
    closed_at: datetime | None


class MessageRecord(_Part):
    """A care message written to the person."""

    id: int
    vin: str
    risk_id: int
    purpose: str
    locale: str
    subject: str
    body: str
    status: str
    send_after: datetime
    sent_at: datetime | None
    created_at: datetime


class DeliveryRecord(_Part):
    """One channel delivery of one dispatch to the person."""

    dispatch_id: int
    dispatched_at: datetime
    channel: Channel
    target: str
    status: str
    attempts: int
    delivered_at: datetime | None
    last_error: str | None


class InboxRecord(_Part):
    """An item of the person's in-app feed."""

    id: int
    dispatch_id: int
    subject: str
    body: str
    created_at: datetime
    read_at: datetime | None


class SurveyRecord(_Part):
    """An after-visit survey sent to the person, with the answers given."""

    id: int
    risk_id: int
    center: str
    questions: list[dict[str, Any]]
    answers: dict[str, Any] | None
    sent_at: datetime
    answered_at: datetime | None


class BookingRecord(_Part):
    """A booking option offered to the person."""

    id: int
    vin: str
    risk_id: int
    center: str
    rank: int
    slot_start: datetime
    slot_end: datetime
    status: str
    accepted_at: datetime | None
    accepted_by: str | None
    created_at: datetime
    # pickup & delivery as the person asked for it (where they live or work)
    pickup_at: datetime | None
    pickup_address: str | None
    pickup_lat: float | None
    pickup_lon: float | None
    delivery_at: datetime | None


class VisitRecord(_Part):
    """A workshop visit of one of the person's vehicles while they owned it."""

    id: int
    vin: str
    center: str | None
    source: str
    external_ref: str
    visited_at: datetime
    odometer_km: int | None
    work: list[str]
    parts: list[str]


class RequestPhotoRecord(_Part):
    """A photo the person attached to a request they filed: the image file in standard base64 (RFC 4648 §4)."""

    risk_id: int
    content_type: str
    data_base64: str
    created_at: datetime


class CaseNoteRecord(_Part):
    """An advisor's note on the case of one of the person's cars, written while they owned it."""

    id: int
    vin: str
    risk_id: int
    center: str
    body: str
    created_at: datetime


class TokenRecord(_Part):
    """An owner token's metadata (never its hash)."""

    prefix: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None


class PersonalDataExport(_Part):
    """Everything Carecast holds on one person, as one document."""

    format: ExportFormat = EXPORT_FORMAT
    exported_at: datetime
    person: Person
    consent: list[Consent]
    vehicles: list[OwnedVehicle]
    risks: list[RiskRecord]
    messages: list[MessageRecord]
    deliveries: list[DeliveryRecord]
    inbox: list[InboxRecord]
    surveys: list[SurveyRecord]
    bookings: list[BookingRecord]
    visits: list[VisitRecord]
    request_photos: list[RequestPhotoRecord]
    case_notes: list[CaseNoteRecord]
    owner_tokens: list[TokenRecord]


class ErasureReport(_Part):
    """What one erasure changed (all zero on a repeat, except ``erased_at``, the first erasure's time)."""

    ref: str
    erased_at: datetime
    consent_deleted: int
    tokens_revoked: int
    messages_scrubbed: int
    deliveries_cancelled: int
    inbox_scrubbed: int
    surveys_scrubbed: int
    vehicles_pseudonymised: int
