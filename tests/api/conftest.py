"""Fixtures for the API tests: a small world of two centers with keys, owners and suggestions, and a client."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
import structlog
import uvicorn
from fastapi.testclient import TestClient

from api.app import create_app
from api.auth.key_store import create_admin_key, create_center_key, create_owner_token
from api.settings import ApiOptions, ApiSettings
from core.settings import DatabaseSettings, LogSettings, MqttSettings
from notify.aftercare import run_aftercare
from tests.conftest import free_port, wait_for

BASE = datetime(2026, 11, 20, 0, 0, tzinfo=UTC)
PARTS = [
    {"sku": "BAT-12V-AGM70", "name": "12V AGM battery 70Ah", "qty": 1, "in_stock": True, "available_on": None}
]
OPENING = {
    "mon": ["08:30", "18:00"],
    "tue": ["08:30", "18:00"],
    "wed": ["08:30", "18:00"],
    "thu": ["08:30", "18:00"],
    "fri": ["08:30", "18:00"],
    "sat": ["09:00", "17:00"],
    "sun": None,
}


def _one(conn: psycopg.Connection, sql: str, params: dict) -> int:
    return conn.execute(sql, params).fetchone()[0]


def vin_for(n: int) -> str:
    """Return a valid, unique test VIN."""
    return f"LSVAU2180N{n:07d}"


def add_center(conn: psycopg.Connection, *, code: str) -> tuple[int, int]:
    """Insert a service center with one technician; return (center_id, technician_id)."""
    center_id = _one(
        conn,
        """
        INSERT INTO service_center (code, name, city, region, lat_deg, lon_deg, tz, opening_hours)
        VALUES (%(code)s, %(name)s, 'Harbin', 'harbin', 45.75, 126.65, 'Asia/Shanghai', %(hours)s) RETURNING id""",
        {"code": code, "name": f"{code} 4S", "hours": json.dumps(OPENING)},
    )
    tech_id = _one(
        conn,
        """
        INSERT INTO technician (center_id, name, skills) VALUES (%(c)s, %(n)s, ARRAY['general', 'electrical'])
        RETURNING id""",
        {"c": center_id, "n": f"Tech of {code}"},
    )
    return center_id, tech_id


def add_customer(conn: psycopg.Connection, *, name: str, center_id: int) -> int:
    """Insert a customer who prefers `center_id` and consents to the in-app feed; return the id."""
    customer_id = _one(
        conn,
        """
        INSERT INTO customer (name, locale, tz, segment, preferred_center_id)
        VALUES (%(n)s, 'zh-CN', 'Asia/Shanghai', 'family', %(c)s) RETURNING id""",
        {"n": name, "c": center_id},
    )
    conn.execute(
        "INSERT INTO customer_consent (customer_id, channel, granted) VALUES (%s, 'in_app', true)",
        (customer_id,),
    )
    return customer_id


def add_vehicle(conn: psycopg.Connection, *, vin: str, customer_id: int) -> int:
    """Insert an ICE vehicle; return the id."""
    return _one(
        conn,
        """
        INSERT INTO vehicle (vin, customer_id, model, model_year, powertrain, region)
        VALUES (%(v)s, %(c)s, 'Lavida', 2021, 'ICE', 'harbin') RETURNING id""",
        {"v": vin, "c": customer_id},
    )


def add_risk(
    conn: psycopg.Connection, *, vehicle_id: int, kind: str = "battery_12v", status: str = "open"
) -> int:
    """Insert a risk with evidence; return the id."""
    evidence = {
        "readings": [
            {
                "signal": "Vehicle.LowVoltageBattery.CurrentVoltage",
                "ts": "2026-11-19T23:40:00Z",
                "value": 9.31,
                "threshold": 9.6,
                "op": "<",
            }
        ]
    }
    return _one(
        conn,
        """
        INSERT INTO risk (vehicle_id, kind, rule_id, rule_version, status, severity, confidence, predicted_date,
                          predicted_low, predicted_high, diagnosis, evidence, first_seen_at, last_seen_at,
                          resolved_at)
        VALUES (%(v)s, %(k)s, 'test_rule', 1, %(s)s, 'high', 0.8, '2026-12-10', '2026-12-01', '2026-12-20',
                'high_internal_resistance', %(e)s, %(t)s, %(t)s,
                CASE WHEN %(s)s = 'resolved' THEN %(t)s::timestamptz END)
        RETURNING id""",
        {"v": vehicle_id, "k": kind, "s": status, "e": json.dumps(evidence), "t": BASE},
    )


def add_suggestion(
    conn: psycopg.Connection,
    *,
    risk_id: int,
    vehicle_id: int,
    center_id: int,
    technician_id: int,
    rank: int,
    created_at: datetime,
    status: str = "suggested",
) -> int:
    """Insert a booking suggestion; return the id."""
    slot = BASE + timedelta(days=3, hours=rank)
    return _one(
        conn,
        """
        INSERT INTO booking_suggestion (risk_id, vehicle_id, center_id, technician_id, rank, slot_start, slot_end,
                                        deadline, distance_km, parts, reason, status, created_at)
        VALUES (%(r)s, %(v)s, %(c)s, %(t)s, %(rank)s, %(s)s, %(e)s, '2026-12-01', 4.2, %(p)s, 'nearest center',
                %(st)s, %(at)s) RETURNING id""",
        {
            "r": risk_id,
            "v": vehicle_id,
            "c": center_id,
            "t": technician_id,
            "rank": rank,
            "s": slot,
            "e": slot + timedelta(hours=1),
            "p": json.dumps(PARTS),
            "st": status,
            "at": created_at,
        },
    )


@dataclass
class World:
    """Two centers (A, B), each with a key, a customer, a car and suggestions; an owner token for A's customer."""

    center_a: int
    center_b: int
    tech_a: int
    tech_b: int
    key_a: str
    key_b: str
    admin_key: str
    owner_a: str
    customer_a: int
    vin_a: str
    vin_b: str
    vehicle_a: int
    risk_a: int
    suggestions_a: list[int] = field(default_factory=list)
    suggestions_b: list[int] = field(default_factory=list)


@pytest.fixture
def world(conn: psycopg.Connection) -> World:
    """Seed the two-center world: A has 5 suggestions (created an hour apart), B has 2."""
    center_a, tech_a = add_center(conn, code="HRB01")
    center_b, tech_b = add_center(conn, code="SHA01")
    customer_a = add_customer(conn, name="Li Na", center_id=center_a)
    customer_b = add_customer(conn, name="Zhang Wei", center_id=center_b)
    vehicle_a = add_vehicle(conn, vin=vin_for(1), customer_id=customer_a)
    vehicle_b = add_vehicle(conn, vin=vin_for(2), customer_id=customer_b)
    risk_a = add_risk(conn, vehicle_id=vehicle_a, kind="battery_12v")
    risk_a2 = add_risk(conn, vehicle_id=vehicle_a, kind="brake_pads")
    risk_b = add_risk(conn, vehicle_id=vehicle_b, kind="battery_12v")
    ids_a = []
    for i, (risk, rank) in enumerate([(risk_a, 1), (risk_a, 2), (risk_a, 3), (risk_a2, 1), (risk_a2, 2)]):
        ids_a.append(
            add_suggestion(
                conn,
                risk_id=risk,
                vehicle_id=vehicle_a,
                center_id=center_a,
                technician_id=tech_a,
                rank=rank,
                created_at=BASE + timedelta(hours=i),
            )
        )
    ids_b = [
        add_suggestion(
            conn,
            risk_id=risk_b,
            vehicle_id=vehicle_b,
            center_id=center_b,
            technician_id=tech_b,
            rank=rank,
            created_at=BASE,
        )
        for rank in (1, 2)
    ]
    conn.execute(
        """
        INSERT INTO care_message (risk_id, vehicle_id, customer_id, purpose, locale, subject, body, send_after,
                                  created_at)
        VALUES (%(r)s, %(v)s, %(c)s, 'first_notice', 'zh-CN', '蓄电池需要检查', '启动电压偏低。', %(t)s, %(t)s)""",
        {"r": risk_a, "v": vehicle_a, "c": customer_a, "t": BASE},
    )
    return World(
        center_a=center_a,
        center_b=center_b,
        tech_a=tech_a,
        tech_b=tech_b,
        key_a=create_center_key(conn, center_id=center_a, label="front desk A"),
        key_b=create_center_key(conn, center_id=center_b, label="front desk B"),
        admin_key=create_admin_key(conn, label="ops"),
        owner_a=create_owner_token(conn, customer_id=customer_a),
        customer_a=customer_a,
        vin_a=vin_for(1),
        vin_b=vin_for(2),
        vehicle_a=vehicle_a,
        risk_a=risk_a,
        suggestions_a=ids_a,
        suggestions_b=ids_b,
    )


@pytest.fixture
def make_client(database: DatabaseSettings) -> Iterator[Callable[..., TestClient]]:
    """Return a factory of started TestClients (lifespan run) for this test's database; closed afterwards."""
    clients: list[TestClient] = []

    def make(mqtt: MqttSettings | None = None, **api: object) -> TestClient:
        settings = ApiSettings(
            database=database,
            mqtt=mqtt or MqttSettings(),
            log=LogSettings(level="WARNING"),
            api=ApiOptions(readiness_timeout_s=1.0, cookie_secure=False, **api),
        )
        client = TestClient(create_app(settings))
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client: Callable[..., TestClient]) -> TestClient:
    """A started client of an app on this test's database (broker settings unused)."""
    return make_client()


@pytest.fixture
def seed_suggestion(conn: psycopg.Connection) -> Callable[..., int]:
    """Return add_suggestion bound to this test's connection (for tests that need more rows than the world)."""
    return lambda **kwargs: add_suggestion(conn, **kwargs)


@pytest.fixture
def seed_risk(conn: psycopg.Connection) -> Callable[..., int]:
    """Return add_risk bound to this test's connection."""
    return lambda **kwargs: add_risk(conn, **kwargs)


@pytest.fixture
def live_api(database) -> Iterator[str]:
    """A real uvicorn server on this test's database, in a thread."""
    settings = ApiSettings(database=database, log=LogSettings(level="WARNING"))
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_for(lambda: server.started, timeout=20, what="uvicorn to start")
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=20)


# Taking one case through the workshop to its survey (the security tests of surveys start from here).
AFTERCARE_NOW = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)


def serviced(client: TestClient, world) -> int:
    """Take A's first option through accept, check-in, start and complete; return its id."""
    option = world.suggestions_a[0]
    base = f"/v1/service-centers/{world.center_a}/bookings/{option}"
    for action, body in [
        ("accept", None),
        ("check-in", None),
        ("start", None),
        ("complete", {"outcome": "fault_confirmed"}),
    ]:
        assert client.post(f"{base}/{action}", headers=_bearer(world.key_a), json=body).status_code == 200
    return option


def surveyed(client: TestClient, world, conn: psycopg.Connection) -> tuple[str, dict]:
    """Service A's car and queue its survey; return (answers URL, answers that are valid)."""
    serviced(client, world)
    assert run_aftercare(conn, now=AFTERCARE_NOW, log=structlog.get_logger()).surveys == 1
    survey = client.get(f"/v1/vehicles/{world.vin_a}/surveys", headers=_bearer(world.owner_a)).json()[
        "items"
    ][0]
    answers = {q["id"]: {"score": 5, "nps": 9}.get(q["type"], "fine") for q in survey["questions"]}
    return f"/v1/vehicles/{world.vin_a}/surveys/{survey['id']}/answers", answers


def _bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}
