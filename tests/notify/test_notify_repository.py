"""The notifier against the real database: one message and ranked suggestions per risk, idempotent, race-safe."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import psycopg
import structlog

from core.db import connect
from core.settings import DatabaseSettings
from domain.workdays import ChinaCalendar
from notify.booking import BookingPolicy
from notify.job import run_pass
from tests.conftest import wait_for

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # Friday 10:00 in Harbin (Asia/Shanghai)
HOURS = {d: ["08:30", "18:00"] for d in ("mon", "tue", "wed", "thu", "fri")} | {
    "sat": ["09:00", "17:00"],
    "sun": None,
}
LOG = structlog.get_logger()
EVIDENCE = {
    "diagnosis": "high_internal_resistance",
    "readings": [
        {"signal": "Vehicle.LowVoltageBattery.CurrentVoltage", "aggregate": "cranking_min_20c", "day": day,
         "value": value, "threshold": 9.6, "op": "<", "raw_value": value - 1.14, "air_temp_c": -18.0}
        for day, value in [("2026-11-17", 9.41), ("2026-11-18", 9.35), ("2026-11-19", 9.28)]
    ],
    "threshold": 9.6,
}  # fmt: skip


def insert(conn: psycopg.Connection, sql: str, params: dict) -> int:
    return conn.execute(sql + " RETURNING id", params).fetchone()[0]


def seed_reference(conn: psycopg.Connection) -> dict[str, int]:
    """Two Harbin centers (near one with an electrician, far one with all skills) and one in Beijing."""
    ids = {}
    for code, name, lat, lon, region in [
        ("HRB1", "哈尔滨道里服务中心", 45.770, 126.620, "harbin"),
        ("HRB2", "哈尔滨平房服务中心", 45.610, 126.630, "harbin"),
        ("PEK1", "北京朝阳服务中心", 39.920, 116.440, "beijing"),
    ]:
        ids[code] = insert(
            conn,
            "INSERT INTO service_center (code, name, city, region, lat_deg, lon_deg, tz, "
            "opening_hours) VALUES (%(code)s, %(name)s, %(city)s, %(region)s, %(lat)s, %(lon)s, "
            "'Asia/Shanghai', %(hours)s)",
            {
                "code": code,
                "name": name,
                "city": "哈尔滨" if region == "harbin" else "北京",
                "region": region,
                "lat": lat,
                "lon": lon,
                "hours": json.dumps(HOURS),
            },
        )
    techs = [
        ("HRB1", "张师傅", ["general", "brakes"]),
        ("HRB1", "李师傅", ["general", "electrical"]),
        ("HRB2", "王师傅", ["general", "brakes", "electrical", "high_voltage"]),
        ("PEK1", "赵师傅", ["general", "electrical"]),
    ]
    for code, name, skills in techs:
        ids[name] = insert(
            conn,
            "INSERT INTO technician (center_id, name, skills) VALUES (%(c)s, %(n)s, %(s)s)",
            {"c": ids[code], "n": name, "s": skills},
        )
    for sku, name in [("BAT-12V-AGM70", "AGM 蓄电池 70Ah"), ("BRK-PAD-FRONT", "前刹车片")]:
        ids[sku] = insert(
            conn, "INSERT INTO part (sku, name) VALUES (%(sku)s, %(name)s)", {"sku": sku, "name": name}
        )
        for code in ("HRB1", "HRB2", "PEK1"):
            conn.execute(
                "INSERT INTO part_stock (center_id, part_id, on_hand, reserved, restock_days) "
                "VALUES (%s, %s, 4, 1, 3)",
                (ids[code], ids[sku]),
            )
    return ids


def seed_car(
    conn: psycopg.Connection,
    *,
    vin: str,
    locale: str = "zh-CN",
    tz: str = "Asia/Shanghai",
    preferred: int | None = None,
    region: str = "harbin",
    home: tuple[float, float] | None = (45.765, 126.61),
    kind: str = "battery_12v",
    consent: tuple[str, ...] = ("in_app", "email", "webhook"),
) -> dict[str, int]:
    customer = insert(
        conn,
        "INSERT INTO customer (name, locale, tz, segment, preferred_center_id) "
        "VALUES ('刘女士', %(locale)s, %(tz)s, 'family', %(pref)s)",
        {"locale": locale, "tz": tz, "pref": preferred},
    )
    for channel in consent:  # opt-in per channel (docs/privacy.md): the dealer recorded these
        conn.execute(
            "INSERT INTO customer_consent (customer_id, channel, granted) VALUES (%s, %s, true)",
            (customer, channel),
        )
    vehicle = insert(
        conn,
        "INSERT INTO vehicle (vin, customer_id, model, model_year, powertrain, region) "
        "VALUES (%(vin)s, %(c)s, 'Haval H6', 2019, 'ICE', %(region)s)",
        {"vin": vin, "c": customer, "region": region},
    )
    if home is not None:
        for back in range(1, 21):
            jitter = 0.02 if back % 7 == 0 else 0.0  # a day trip must not move the median
            conn.execute(
                "INSERT INTO telemetry_daily (vehicle_id, day, samples, lat_avg, lon_avg) "
                "VALUES (%s, %s, 6, %s, %s)",
                (vehicle, NOW.replace(hour=0) - timedelta(days=back), home[0] + jitter, home[1] - jitter),
            )
    risk = insert(
        conn,
        "INSERT INTO risk (vehicle_id, kind, rule_id, rule_version, severity, confidence, "
        "predicted_date, diagnosis, evidence, first_seen_at, last_seen_at) VALUES (%(v)s, %(kind)s, "
        "'battery_12v.crank', 1, 'high', 0.8, %(pred)s, 'high_internal_resistance', %(ev)s, %(now)s, %(now)s)",
        {"v": vehicle, "kind": kind, "pred": date(2026, 12, 10), "ev": json.dumps(EVIDENCE), "now": NOW},
    )
    return {"customer": customer, "vehicle": vehicle, "risk": risk}


def notify_pass(conn: psycopg.Connection):
    return run_pass(conn, calendar=ChinaCalendar(), policy=BookingPolicy(), now=NOW, log=LOG)


def counts(conn: psycopg.Connection) -> tuple[int, int]:
    return (
        conn.execute("SELECT count(*) FROM care_message").fetchone()[0],
        conn.execute("SELECT count(*) FROM booking_suggestion").fetchone()[0],
    )


def test_notify_pass_writes_message_and_suggestions_once(conn: psycopg.Connection) -> None:
    ids = seed_reference(conn)
    car = seed_car(conn, vin="LGWEF4A59NH000123")

    report = notify_pass(conn)
    assert (report.pending, report.notified, report.failed) == (1, 1, 0)

    msgs = conn.execute(
        "SELECT risk_id, vehicle_id, customer_id, purpose, locale, channel, subject, body, status, "
        "send_after FROM care_message"
    ).fetchall()
    assert len(msgs) == 1
    risk_id, vehicle_id, customer_id, purpose, locale, channel, subject, body, status, send_after = msgs[0]
    assert (risk_id, vehicle_id, customer_id) == (car["risk"], car["vehicle"], car["customer"])
    assert (purpose, locale, channel, status, send_after) == (
        "first_notice",
        "zh-CN",
        "in_app",
        "queued",
        NOW,
    )
    assert "蓄电池" in subject and "9.28 V" in body and "9.6 V" in body and "哈尔滨道里服务中心" in body

    rows = conn.execute(
        "SELECT s.rank, s.center_id, t.skills, s.slot_start, s.slot_end, s.deadline, s.parts, "
        "s.reason, s.status, s.distance_km FROM booking_suggestion s "
        "JOIN technician t ON t.id = s.technician_id ORDER BY s.rank"
    ).fetchall()
    assert 1 <= len(rows) <= 3
    assert [r[0] for r in rows] == list(range(1, len(rows) + 1))
    assert rows[0][1] == ids["HRB1"]  # the nearest center with an electrician
    assert all("electrical" in r[2] for r in rows)
    assert all(r[3] >= NOW + timedelta(hours=2) and r[4] - r[3] == timedelta(minutes=60) for r in rows)
    assert all(r[5] == date(2026, 12, 10) and r[8] == "suggested" for r in rows)
    assert rows[0][6] == [
        {
            "sku": "BAT-12V-AGM70",
            "name": "AGM 蓄电池 70Ah",
            "qty": 1,
            "in_stock": True,
            "available_on": "2026-11-20",
        }
    ]
    assert rows[0][7].startswith("before_deadline") and rows[0][9] < 3

    again = notify_pass(conn)
    assert (again.pending, again.notified) == (1, 0)  # still open and unbooked, nothing new to say
    assert counts(conn) == (1, len(rows))


def test_notify_offered_slots_are_busy_for_the_next_risk(conn: psycopg.Connection) -> None:
    seed_reference(conn)
    seed_car(conn, vin="LGWEF4A59NH000123")
    seed_car(conn, vin="LGWEF4A59NH000456")
    report = notify_pass(conn)
    assert (report.notified, report.suggestions) == (2, 6)
    overlaps = conn.execute(
        "SELECT count(*) FROM booking_suggestion a JOIN booking_suggestion b ON a.technician_id = b.technician_id "
        "AND a.id < b.id AND a.slot_start < b.slot_end AND b.slot_start < a.slot_end"
    ).fetchone()[0]
    assert overlaps == 0


def test_notify_home_falls_back_to_preferred_center_and_english(conn: psycopg.Connection) -> None:
    ids = seed_reference(conn)
    seed_car(conn, vin="LGWEF4A59NH000123", locale="en", tz="Asia/Shanghai", preferred=ids["PEK1"], home=None)
    notify_pass(conn)
    locale, body = conn.execute("SELECT locale, body FROM care_message").fetchone()
    assert locale == "en" and body.startswith("Hello")
    centers = {r[0] for r in conn.execute("SELECT center_id FROM booking_suggestion")}
    assert centers == {ids["PEK1"]}


def test_notify_one_bad_risk_does_not_stop_the_pass(conn: psycopg.Connection) -> None:
    seed_reference(conn)
    seed_car(conn, vin="LGWEF4A59NH000123", tz="Mars/Olympus_Mons")  # unusable time zone
    good = seed_car(conn, vin="LGWEF4A59NH000456")
    report = notify_pass(conn)
    assert (report.pending, report.notified, report.failed) == (2, 1, 1)
    assert [r[0] for r in conn.execute("SELECT risk_id FROM care_message")] == [good["risk"]]
    assert (
        counts(conn)[1]
        == conn.execute(
            "SELECT count(*) FROM booking_suggestion WHERE risk_id = %s", (good["risk"],)
        ).fetchone()[0]
    )


def test_notify_risk_locked_by_another_notifier_is_skipped(
    conn: psycopg.Connection, database: DatabaseSettings
) -> None:
    seed_reference(conn)
    car = seed_car(conn, vin="LGWEF4A59NH000123")
    with connect(database) as other:
        other.execute("SELECT id FROM risk WHERE id = %s FOR UPDATE", (car["risk"],))
        report = notify_pass(conn)
        assert (report.pending, report.skipped, report.notified) == (1, 1, 0)
        assert counts(conn) == (0, 0)
        other.rollback()
    assert notify_pass(conn).notified == 1


def test_notify_cli_once(conn: psycopg.Connection, database: DatabaseSettings) -> None:
    seed_reference(conn)
    seed_car(conn, vin="LGWEF4A59NH000123")
    env = {**os.environ, "CARECAST_DATABASE__URL": database.url, "CARECAST_LOG__FORMAT": "json"}
    done = subprocess.run(
        [sys.executable, "-m", "notify", "--once", "--now", NOW.isoformat()],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    events = {e["event"]: e for e in map(json.loads, done.stderr.strip().splitlines())}
    assert (events["notify.pass"]["notified"], events["notify.pass"]["failed"]) == (1, 0)
    assert (events["notify.outbox"]["dispatched"], events["notify.outbox"]["delivered"]) == (1, 1)
    assert counts(conn)[0] == 1
    assert conn.execute("SELECT count(*) FROM inbox_item").fetchone()[0] == 1


def test_notify_scheduled_loop_runs_and_stops_on_sigterm(
    conn: psycopg.Connection, database: DatabaseSettings, tmp_path: Path
) -> None:
    seed_reference(conn)
    seed_car(conn, vin="LGWEF4A59NH000123")
    env = {
        **os.environ,
        "CARECAST_DATABASE__URL": database.url,
        "CARECAST_LOG__FORMAT": "json",
        "CARECAST_NOTIFY__INTERVAL_S": "0.2",
    }
    log = (tmp_path / "notify.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "notify"], cwd=ROOT, env=env, stderr=log)
    try:
        # the first pass runs at start-up; later passes find nothing new to do
        wait_for(lambda: counts(conn)[0] == 1, timeout=30, what="the scheduled pass to write the message")
        wait_for(
            lambda: (tmp_path / "notify.log").read_text().count('"notify.pass"') >= 3,
            timeout=30,
            what="three scheduled passes",
        )
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
        log.close()
    assert counts(conn)[0] == 1
    assert '"notify.stopped"' in (tmp_path / "notify.log").read_text()
