"""A person's data rights: export everything Carecast holds on them, and erase their personal data while the
anonymous statistics (telemetry, rollups, risks, visits under the vehicle's id) stay. docs/privacy.md says what
each keeps and removes; `carecast customer` and the admin API (api/routes/privacy.py) call these."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any

import psycopg
from psycopg.rows import dict_row, tuple_row

from core import owner_links
from core.db import SqlFile, query
from core.errors import CarecastError
from core.privacy_models import (
    BookingRecord,
    CaseNoteRecord,
    Consent,
    DeliveryRecord,
    ErasureReport,
    InboxRecord,
    MessageRecord,
    OwnedVehicle,
    Person,
    PersonalDataExport,
    RequestPhotoRecord,
    RiskRecord,
    SurveyRecord,
    TokenRecord,
    VisitRecord,
)
from core.sql import (
    PRIVACY_BOOKINGS,
    PRIVACY_CASE_NOTES,
    PRIVACY_CONSENT,
    PRIVACY_CUSTOMER,
    PRIVACY_DELIVERIES,
    PRIVACY_ERASE_BLOCKED,
    PRIVACY_ERASE_CASE_NOTES,
    PRIVACY_ERASE_CONSENT,
    PRIVACY_ERASE_CUSTOMER,
    PRIVACY_ERASE_MESSAGES,
    PRIVACY_ERASE_PICKUPS,
    PRIVACY_ERASE_REQUESTS,
    PRIVACY_ERASE_SURVEYS,
    PRIVACY_ERASE_TOKENS,
    PRIVACY_ERASE_VEHICLES,
    PRIVACY_INBOX,
    PRIVACY_LOCK,
    PRIVACY_MESSAGES,
    PRIVACY_REQUEST_PHOTOS,
    PRIVACY_RISKS,
    PRIVACY_SURVEYS,
    PRIVACY_TOKENS,
    PRIVACY_VEHICLES,
    PRIVACY_VISITS,
)


class PrivacyError(CarecastError):
    """A privacy request could not be carried out."""


class UnknownCustomer(PrivacyError):
    """No customer has this reference."""

    def __init__(self, ref: str) -> None:
        super().__init__(f"no customer with reference {ref!r}")
        self.ref = ref


class ErasureBlocked(PrivacyError):
    """Erasure must wait: a vehicle of the person still holds broker credentials whose user name is its VIN."""

    def __init__(self, vins: list[str]) -> None:
        listed = ", ".join(vins)
        super().__init__(
            f"vehicle(s) {listed} still hold broker credentials (user name = VIN); deprovision them first: "
            "carecast vehicles deprovision VIN"
        )
        self.vins = vins


def _one(cur: psycopg.Cursor[tuple[Any, ...]], name: SqlFile, params: dict[str, Any]) -> tuple[Any, ...]:
    row = cur.execute(query(name), params).fetchone()
    if row is None:  # every statement passed here returns exactly one row
        raise LookupError(f"core/sql/{name}.sql returned no row")
    return row


def _rows(conn: psycopg.Connection, name: SqlFile, customer_id: int) -> list[dict[str, Any]]:
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(query(name), {"customer_id": customer_id}).fetchall()


def _photo(*, data: bytes, **rest: Any) -> RequestPhotoRecord:
    return RequestPhotoRecord(**rest, data_base64=base64.b64encode(data).decode("ascii"))


def export_person(conn: psycopg.Connection, *, ref: str, now: datetime) -> PersonalDataExport:
    """Return everything held on the customer `ref` as one document; raise UnknownCustomer."""
    with conn.cursor(row_factory=dict_row) as cur:
        person = cur.execute(query(PRIVACY_CUSTOMER), {"ref": ref}).fetchone()
    if person is None:
        raise UnknownCustomer(ref)
    customer_id = person.pop("id")
    return PersonalDataExport(
        exported_at=now,
        person=Person(**person),
        consent=[Consent(**r) for r in _rows(conn, PRIVACY_CONSENT, customer_id)],
        vehicles=[OwnedVehicle(**r) for r in _rows(conn, PRIVACY_VEHICLES, customer_id)],
        risks=[RiskRecord(**r) for r in _rows(conn, PRIVACY_RISKS, customer_id)],
        messages=[MessageRecord(**r) for r in _rows(conn, PRIVACY_MESSAGES, customer_id)],
        deliveries=[DeliveryRecord(**r) for r in _rows(conn, PRIVACY_DELIVERIES, customer_id)],
        inbox=[InboxRecord(**r) for r in _rows(conn, PRIVACY_INBOX, customer_id)],
        surveys=[SurveyRecord(**r) for r in _rows(conn, PRIVACY_SURVEYS, customer_id)],
        bookings=[BookingRecord(**r) for r in _rows(conn, PRIVACY_BOOKINGS, customer_id)],
        visits=[VisitRecord(**r) for r in _rows(conn, PRIVACY_VISITS, customer_id)],
        request_photos=[_photo(**r) for r in _rows(conn, PRIVACY_REQUEST_PHOTOS, customer_id)],
        case_notes=[CaseNoteRecord(**r) for r in _rows(conn, PRIVACY_CASE_NOTES, customer_id)],
        owner_tokens=[TokenRecord(**r) for r in _rows(conn, PRIVACY_TOKENS, customer_id)],
    )


def erase_person(conn: psycopg.Connection, *, ref: str, now: datetime) -> ErasureReport:
    """Erase the personal data of customer `ref` in one transaction and return what changed; idempotent.

    Raises UnknownCustomer, or ErasureBlocked while one of the person's vehicles holds broker credentials.
    """
    # A tuple cursor whatever the connection's row factory (the API's pool hands out dict rows).
    with conn.transaction(), conn.cursor(row_factory=tuple_row) as cur:
        found = cur.execute(query(PRIVACY_LOCK), {"ref": ref}).fetchone()
        if found is None:
            raise UnknownCustomer(ref)
        params = {"customer_id": found[0], "now": now}
        blocked = [r[0] for r in cur.execute(query(PRIVACY_ERASE_BLOCKED), params).fetchall()]
        if blocked:
            raise ErasureBlocked(blocked)
        erased_at = _one(cur, PRIVACY_ERASE_CUSTOMER, params)[0]
        consent = cur.execute(query(PRIVACY_ERASE_CONSENT), params).rowcount
        tokens = cur.execute(query(PRIVACY_ERASE_TOKENS), params).rowcount
        tokens += owner_links.revoke(conn, customer_id=found[0], now=now)  # the owner page links in messages
        messages, cancelled, inbox = _one(cur, PRIVACY_ERASE_MESSAGES, params)
        surveys, _alerts = _one(cur, PRIVACY_ERASE_SURVEYS, params)
        cur.execute(query(PRIVACY_ERASE_REQUESTS), params)  # owner requests: text and photo
        cur.execute(query(PRIVACY_ERASE_PICKUPS), params)  # pickup addresses on bookings
        cur.execute(query(PRIVACY_ERASE_CASE_NOTES), params)  # advisors' notes on the person's cases
        vehicles = cur.execute(query(PRIVACY_ERASE_VEHICLES), params).rowcount
    return ErasureReport(
        ref=ref,
        erased_at=erased_at,
        consent_deleted=consent,
        tokens_revoked=tokens,
        messages_scrubbed=messages,
        deliveries_cancelled=cancelled,
        inbox_scrubbed=inbox,
        surveys_scrubbed=surveys,
        vehicles_pseudonymised=vehicles,
    )
