"""Export and erasure of one person's data against the real database: the export holds everything (never a secret
hash), erasure scrubs what identifies the person and keeps the anonymous statistics, repeats change nothing, and
notify runs on for the erased person's car; the `carecast customer` command."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
from datetime import timedelta

import psycopg
import pytest
import structlog

from core.owner_requests import file_request
from core.privacy import ErasureBlocked, UnknownCustomer, erase_person, export_person
from core.privacy_models import PersonalDataExport
from domain.workdays import ChinaCalendar
from notify.booking import BookingPolicy
from notify.channels import InAppChannel
from notify.job import run_pass
from notify.outbox import run_outbox
from tests.api.conftest import add_risk
from tests.conftest import ROOT
from tests.notify.test_notify_repository import NOW, seed_car, seed_reference

LOG = structlog.get_logger()
REF = "CRM-1001"
SOLD_VIN = "LGWEF4A59NH000999"


def _person(conn: psycopg.Connection) -> dict[str, int]:
    """A person with a car that raised a risk, was told in-app (and queued by e-mail), answered a survey, holds an
    owner token, had a visit, and sold an earlier car to someone else."""
    ids = seed_reference(conn)
    car = seed_car(conn, vin="LGWEF4A59NH000123")
    conn.execute(
        "UPDATE customer SET ref = %s, channels = %s, quiet_start = '22:00', quiet_end = '07:00' WHERE id = %s",
        (REF, json.dumps({"email": "liu@example.com", "phone": "+86 138 0000 0000"}), car["customer"]),
    )
    run_pass(conn, calendar=ChinaCalendar(), policy=BookingPolicy(), now=NOW, log=LOG)
    # in-app delivered; e-mail stays pending (not configured in this process: it is retried later)
    run_outbox(conn, channels={"in_app": InAppChannel(conn), "email": InAppChannel(conn)}, now=NOW, log=LOG)
    conn.execute("UPDATE care_delivery SET status = 'pending', attempts = 0 WHERE channel = 'email'")
    conn.execute(
        "INSERT INTO care_case (risk_id, vehicle_id, stage) VALUES (%s, %s, 'serviced') "
        "ON CONFLICT (risk_id) DO UPDATE SET stage = 'serviced'",
        (car["risk"], car["vehicle"]),
    )
    conn.execute(
        "INSERT INTO survey (risk_id, customer_id, center_id, questions, answers, sent_at, answered_at) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s)",
        (car["risk"], car["customer"], ids["HRB1"],
         json.dumps([{"id": "q_price", "type": "score"}, {"id": "q_comment", "type": "text"}]),
         json.dumps({"q_price": 2, "q_comment": "刘女士 says the advisor never called back"}), NOW, NOW),
    )  # fmt: skip
    conn.execute(
        "INSERT INTO center_feed_item (center_id, kind, vehicle_id, risk_id, reason, detail, created_at) "
        "VALUES (%s, 'low_feedback', %s, %s, 'low_score', %s, %s)",
        (ids["HRB1"], car["vehicle"], car["risk"],
         json.dumps({"low_scores": ["q_price"], "answers": {"q_price": 2, "q_comment": "never called back"}}), NOW),
    )  # fmt: skip
    conn.execute(
        "INSERT INTO owner_token (customer_id, prefix, token_hash) VALUES (%s, 'cc_owner_ab12', %s)",
        (car["customer"], hashlib.sha256(b"secret-token").digest()),
    )
    conn.execute(
        "INSERT INTO service_visit (vehicle_id, center_id, source, external_ref, visited_at, odometer_km, work) "
        "VALUES (%s, %s, 'dms', 'WO-1', %s, 42000, '{battery}')",
        (car["vehicle"], ids["HRB1"], NOW - timedelta(days=200)),
    )
    sold = conn.execute(
        "INSERT INTO vehicle (vin, customer_id, model, model_year, powertrain, region) "
        "VALUES (%s, %s, 'Lavida', 2015, 'ICE', 'harbin') RETURNING id",
        (SOLD_VIN, car["customer"]),
    ).fetchone()[0]
    buyer = conn.execute(
        "INSERT INTO customer (name, locale, tz, segment) VALUES ('王先生', 'zh-CN', 'Asia/Shanghai', 'family') "
        "RETURNING id"
    ).fetchone()[0]
    conn.execute("UPDATE vehicle SET customer_id = %s WHERE id = %s", (buyer, sold))
    conn.execute(
        "INSERT INTO telemetry (vehicle_id, ts, lv_voltage_v) VALUES (%s, %s, 12.4)", (car["vehicle"], NOW)
    )
    return {**car, "sold": sold, "buyer": buyer}


def test_privacy_export_holds_everything_and_no_secret(conn) -> None:
    car = _person(conn)
    document = export_person(conn, ref=REF, now=NOW)
    assert document.format == "carecast.personal-data/1"
    assert document.person.name == "刘女士" and document.person.channels["email"] == "liu@example.com"
    assert {c.channel for c in document.consent} == {"in_app", "email", "webhook"}
    assert [(v.vin, v.until is None) for v in document.vehicles] == [
        ("LGWEF4A59NH000123", True),
        (SOLD_VIN, False),
    ]
    assert [r.risk_id for r in document.risks] == [car["risk"]]
    assert document.risks[0].stage == "serviced"
    assert len(document.messages) == 1 and document.messages[0].body
    assert {(d.channel, d.target) for d in document.deliveries} == {
        ("in_app", "feed"),
        ("email", "liu@example.com"),
    }
    assert len(document.inbox) == 1
    assert document.surveys[0].answers == {
        "q_price": 2,
        "q_comment": "刘女士 says the advisor never called back",
    }
    assert document.bookings and all(b.vin == "LGWEF4A59NH000123" for b in document.bookings)
    assert [v.external_ref for v in document.visits] == ["WO-1"]
    assert [t.prefix for t in document.owner_tokens] == ["cc_owner_ab12"]
    text = document.model_dump_json()
    assert "token_hash" not in text and hashlib.sha256(b"secret-token").hexdigest() not in text
    assert PersonalDataExport.model_validate_json(text) == document  # one typed document, round trip
    # the buyer's data is not the seller's
    assert "王先生" not in text


PHOTO = b"\x89PNG\r\n\x1a\n" + bytes(range(256))


def _what_the_center_holds(conn: psycopg.Connection, car: dict[str, int]) -> tuple[int, int]:
    """Add the plates, a pickup, a request with a photo, and advisors' notes to `_person`: one on their car's
    case, one on the sold car's case from their time, one on the same case after the sale (the buyer's).
    Return the sold car's risk and the buyer's note."""
    conn.execute("UPDATE vehicle SET plate = '黑A12345' WHERE id = %s", (car["vehicle"],))
    conn.execute("UPDATE vehicle SET plate = '黑B99999' WHERE id = %s", (car["sold"],))
    conn.execute(
        "UPDATE booking_suggestion SET pickup_at = slot_start - interval '1 hour', delivery_at = slot_end + "
        "interval '1 hour', pickup_address = '哈尔滨市南岗区 1 号', pickup_lat = 45.75, pickup_lon = 126.63 "
        "WHERE id = (SELECT min(id) FROM booking_suggestion WHERE customer_id = %s)",
        (car["customer"],),
    )
    conn.execute(
        "UPDATE risk SET status = 'resolved' WHERE id = %s", (car["risk"],)
    )  # one open request a car
    assert file_request(
        conn, vehicle_id=car["vehicle"], category="noise", text="刘女士: it squeaks", photo=("image/png", PHOTO),
        now=NOW,
    )  # fmt: skip
    sold_risk = add_risk(conn, vehicle_id=car["sold"])
    sold_at = conn.execute(
        "SELECT until FROM vehicle_ownership WHERE vehicle_id = %s AND customer_id = %s",
        (car["sold"], car["customer"]),
    ).fetchone()[0]
    center = conn.execute("SELECT id FROM service_center ORDER BY id LIMIT 1").fetchone()[0]
    notes = [
        (car["risk"], "刘女士 prefers mornings", NOW),
        (sold_risk, "刘女士 is selling the car", sold_at - timedelta(days=1)),
        (sold_risk, "王先生 wants Saturdays", sold_at + timedelta(hours=1)),
    ]
    ids = [
        conn.execute(
            "INSERT INTO case_note (risk_id, center_id, body, created_at) VALUES (%s, %s, %s, %s) RETURNING id",
            (risk, center, body, at),
        ).fetchone()[0]
        for risk, body, at in notes
    ]
    return sold_risk, ids[-1]


def test_privacy_export_holds_what_the_center_holds_on_them_and_erase_removes_it(conn) -> None:
    car = _person(conn)
    sold_risk, buyers_note = _what_the_center_holds(conn, car)
    document = export_person(conn, ref=REF, now=NOW)
    # the plate of their car; not the sold car's, which now says where the buyer is
    assert [(v.vin, v.plate) for v in document.vehicles] == [
        ("LGWEF4A59NH000123", "黑A12345"),
        (SOLD_VIN, None),
    ]
    pickups = [(b.pickup_address, b.pickup_lat, b.pickup_lon) for b in document.bookings if b.pickup_at]
    assert pickups == [("哈尔滨市南岗区 1 号", 45.75, 126.63)]
    photos = [
        (p.content_type, base64.b64decode(p.data_base64, validate=True)) for p in document.request_photos
    ]
    assert photos == [("image/png", PHOTO)]
    assert [(n.vin, n.risk_id, n.body) for n in document.case_notes] == [
        ("LGWEF4A59NH000123", car["risk"], "刘女士 prefers mornings"),
        (SOLD_VIN, sold_risk, "刘女士 is selling the car"),
    ]
    text = document.model_dump_json()
    assert "王先生" not in text and "黑B99999" not in text
    assert PersonalDataExport.model_validate_json(text) == document

    erase_person(conn, ref=REF, now=NOW)
    assert conn.execute("SELECT id FROM case_note").fetchall() == [(buyers_note,)]  # the buyer's note stays
    assert conn.execute("SELECT count(*) FROM owner_request_photo").fetchone()[0] == 0
    assert conn.execute("SELECT plate FROM vehicle WHERE id = %s", (car["sold"],)).fetchone()[0] == "黑B99999"
    after = export_person(conn, ref=REF, now=NOW)
    assert (after.request_photos, after.case_notes) == ([], [])
    assert [b.pickup_address for b in after.bookings if b.pickup_at] == ["(erased)"]
    assert [v.plate for v in after.vehicles] == [None, None]


def test_privacy_erase_scrubs_the_person_and_keeps_the_statistics(conn) -> None:
    car = _person(conn)
    report = erase_person(conn, ref=REF, now=NOW)
    assert (report.consent_deleted, report.tokens_revoked, report.vehicles_pseudonymised) == (3, 1, 1)
    assert (report.messages_scrubbed, report.deliveries_cancelled, report.inbox_scrubbed) == (1, 1, 1)
    assert report.surveys_scrubbed == 1

    name, channels, quiet, erased_at, ref = conn.execute(
        "SELECT name, channels, quiet_start, erased_at, ref FROM customer WHERE id = %s", (car["customer"],)
    ).fetchone()
    assert (name, channels, quiet, erased_at, ref) == ("", {}, None, NOW, REF)
    assert (
        conn.execute(
            "SELECT count(*) FROM customer_consent WHERE customer_id = %s", (car["customer"],)
        ).fetchone()[0]
        == 0
    )
    assert conn.execute("SELECT revoked_at FROM owner_token").fetchone()[0] == NOW
    assert conn.execute("SELECT DISTINCT subject || body FROM care_message").fetchall() == [("",)]
    assert conn.execute("SELECT DISTINCT subject || body FROM care_dispatch").fetchall() == [("",)]
    assert conn.execute("SELECT DISTINCT subject || body FROM inbox_item").fetchall() == [("",)]
    deliveries = conn.execute(
        "SELECT channel, target, status, last_error FROM care_delivery ORDER BY 1"
    ).fetchall()
    assert deliveries == [
        ("email", "", "cancelled", "cancelled: personal data erased"),
        ("in_app", "", "delivered", None),
    ]
    assert conn.execute("SELECT answers FROM survey").fetchone()[0] == {"q_price": 2}  # the score stays
    assert conn.execute("SELECT detail -> 'answers' FROM center_feed_item").fetchone()[0] == {"q_price": 2}
    vin, pseudonymised = conn.execute(
        "SELECT vin, vin_pseudonymised_at FROM vehicle WHERE id = %s", (car["vehicle"],)
    ).fetchone()
    assert vin != "LGWEF4A59NH000123" and len(vin) == 17 and pseudonymised == NOW
    # the car the person sold is the buyer's: its VIN stays
    assert conn.execute("SELECT vin FROM vehicle WHERE id = %s", (car["sold"],)).fetchone()[0] == SOLD_VIN
    # the anonymous statistics stay under the vehicle's id
    assert (
        conn.execute("SELECT count(*) FROM telemetry WHERE vehicle_id = %s", (car["vehicle"],)).fetchone()[0]
        == 1
    )
    assert (
        conn.execute(
            "SELECT count(*) FROM telemetry_daily WHERE vehicle_id = %s", (car["vehicle"],)
        ).fetchone()[0]
        == 20
    )
    assert conn.execute("SELECT count(*) FROM risk").fetchone()[0] == 1
    assert conn.execute("SELECT count(*) FROM service_visit").fetchone()[0] == 1

    after = export_person(conn, ref=REF, now=NOW)
    assert after.person.name == "" and after.person.erased_at == NOW and after.consent == []
    assert (
        "liu@example.com" not in after.model_dump_json()
        and "never called back" not in after.model_dump_json()
    )


def test_privacy_erase_is_idempotent(conn) -> None:
    _person(conn)
    erase_person(conn, ref=REF, now=NOW)
    before = export_person(conn, ref=REF, now=NOW)
    again = erase_person(conn, ref=REF, now=NOW + timedelta(days=1))
    assert again.erased_at == NOW  # the first erasure's time
    assert (again.consent_deleted, again.tokens_revoked, again.messages_scrubbed, again.deliveries_cancelled,
            again.inbox_scrubbed, again.surveys_scrubbed, again.vehicles_pseudonymised) == (0, 0, 0, 0, 0, 0, 0)  # fmt: skip
    assert export_person(conn, ref=REF, now=NOW) == before


def test_privacy_unknown_reference(conn) -> None:
    with pytest.raises(UnknownCustomer):
        export_person(conn, ref="nobody", now=NOW)
    with pytest.raises(UnknownCustomer):
        erase_person(conn, ref="nobody", now=NOW)


def test_privacy_erase_waits_for_broker_credentials(conn) -> None:
    car = _person(conn)
    conn.execute(
        "INSERT INTO vehicle_credential (vin, username, status, created_at) VALUES (%s, %s, 'active', %s)",
        ("LGWEF4A59NH000123", "LGWEF4A59NH000123", NOW),
    )
    with pytest.raises(ErasureBlocked, match="LGWEF4A59NH000123"):
        erase_person(conn, ref=REF, now=NOW)
    # nothing was changed
    assert (
        conn.execute("SELECT name FROM customer WHERE id = %s", (car["customer"],)).fetchone()[0] == "刘女士"
    )


def test_privacy_notify_runs_on_for_an_erased_persons_car(conn) -> None:
    car = _person(conn)
    erase_person(conn, ref=REF, now=NOW)
    later = NOW + timedelta(days=8)  # a reminder is due by now
    report = run_pass(conn, calendar=ChinaCalendar(), policy=BookingPolicy(), now=later, log=LOG)
    assert report.failed == 0
    conn.execute("UPDATE care_case SET stage = 'notified' WHERE risk_id = %s", (car["risk"],))
    report = run_pass(conn, calendar=ChinaCalendar(), policy=BookingPolicy(), now=later, log=LOG)
    assert report.failed == 0
    outbox = run_outbox(conn, channels={"in_app": InAppChannel(conn)}, now=later + timedelta(days=1), log=LOG)
    assert outbox.dispatched == 0  # nobody to send to
    assert conn.execute("SELECT count(*) FROM inbox_item WHERE body <> ''").fetchone()[0] == 0


def _cli(database, *args: str) -> subprocess.CompletedProcess:
    """Run `carecast customer ARGS` as its own process (it configures logging like any command)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARECAST_")}
    env |= {"CARECAST_DATABASE__URL": database.url, "CARECAST_LOG__FORMAT": "json"}
    return subprocess.run(
        [sys.executable, "-m", "core.customer_main", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )


def test_privacy_cli_export_and_erase(conn, database, tmp_path) -> None:
    _person(conn)
    out = tmp_path / "export.json"
    assert _cli(database, "export", REF, "--out", str(out)).returncode == 0
    assert json.loads(out.read_text())["person"]["name"] == "刘女士"
    assert out.stat().st_mode & 0o777 == 0o600
    refused = _cli(database, "erase", REF)  # no --yes
    assert refused.returncode == 2 and "--yes" in refused.stderr
    assert conn.execute("SELECT erased_at FROM customer WHERE ref = %s", (REF,)).fetchone()[0] is None
    erased = _cli(database, "erase", REF, "--yes")
    assert erased.returncode == 0, erased.stderr
    printed = json.loads(erased.stdout.strip().splitlines()[-1])
    assert printed["ref"] == REF and printed["vehicles_pseudonymised"] == 1
    (line,) = [json.loads(x) for x in erased.stderr.splitlines() if '"privacy.erased"' in x]
    assert line["consent_deleted"] == 3  # the audit line, key=value
    unknown = _cli(database, "export", "nobody")
    assert unknown.returncode == 1 and "no customer with reference 'nobody'" in unknown.stderr
