"""What `bench.ingest` measures Carecast against: a private tuned broker and database, the message set, a bare
paho subscriber (ceiling), a binary COPY of the same rows (ceiling) and a naive INSERT-per-message subscriber."""

from __future__ import annotations

import collections
import os
import shutil
import socket
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import paho.mqtt.client as paho
import psycopg
from paho.mqtt.enums import MQTTProtocolVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from psycopg import sql

from core.contracts import telemetry_topic
from core.db import scalar
from core.mqtt import MQTTv5, MQTTv311, make_client
from core.settings import MqttSettings
from core.signals import TELEMETRY_COLUMNS

CONF = Path(__file__).resolve().parent / "mosquitto.conf"
VEHICLES = 1000
RECEIVE_MAXIMUM = 10000
_OUTSTANDING = 30000  # the ingester's default, given to every subscriber alike
_COLUMN = {c: i for i, c in enumerate(TELEMETRY_COLUMNS)}
_SIGNALS = {
    "Vehicle.Speed": "speed_kmh",
    "Vehicle.Exterior.AirTemperature": "air_temp_c",
    "Vehicle.LowVoltageBattery.CurrentVoltage": "lv_voltage_v",
    "Vehicle.LowVoltageBattery.CurrentCurrent": "lv_current_a",
    "Vehicle.CurrentLocation.Latitude": "lat_deg",
    "Vehicle.CurrentLocation.Longitude": "lon_deg",
    "Vehicle.TraveledDistance": "odometer_m",
}


def vin(n: int) -> str:
    """Return the VIN of bench vehicle `n`."""
    return f"LBENCH{n:011d}"


def bench_client(port: int, *, client_id: str, protocol: MQTTProtocolVersion = MQTTv311) -> paho.Client:
    """Return an unconnected client (core.mqtt's factory) for the private broker on `port`."""
    return make_client(MqttSettings(host="127.0.0.1", port=port), client_id=client_id, protocol=protocol)


def free_port() -> int:
    """Return a TCP port that was free a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_broker(workdir: Path) -> tuple[subprocess.Popen, int]:
    """Start the private Mosquitto of bench/mosquitto.conf on a free port."""
    port = free_port()
    workdir.mkdir(parents=True, exist_ok=True)
    conf = workdir / "mosquitto.conf"
    conf.write_text(CONF.read_text().replace("@PORT@", str(port)).replace("@DIR@", str(workdir)))
    binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    with open(workdir / "mosquitto.log", "wb") as log:
        proc = subprocess.Popen([binary, "-c", str(conf)], stdout=log, stderr=log)
    deadline = time.monotonic() + 10
    while True:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return proc, port
        if time.monotonic() > deadline or proc.poll() is not None:
            raise RuntimeError(f"mosquitto did not start: {(workdir / 'mosquitto.log').read_text()}")
        time.sleep(0.05)


@dataclass(frozen=True, slots=True)
class Sample:
    """One generated sample: vehicle index, timestamp and signal values."""

    vehicle: int
    ts: datetime
    values: tuple[float, ...]


def samples_for(message: int, *, per_message: int, base: datetime) -> list[Sample]:
    """Return the samples of message number `message` (distinct (vehicle, ts) across the whole set)."""
    vehicle = message % VEHICLES
    first = (message // VEHICLES) * per_message
    return [
        Sample(
            vehicle,
            base + timedelta(seconds=first + i),
            (50.0 + i % 30, -5.5, 12.6, -1.5, 45.75, 126.65, 1_000_000 + first + i),
        )
        for i in range(per_message)
    ]


def body(samples: list[Sample]) -> bytes:
    """Return the MQTT payload of one message."""
    return orjson.dumps(
        {
            "v": 1,
            "vin": vin(samples[0].vehicle),
            "samples": [
                {"ts": s.ts.isoformat(), "signals": dict(zip(_SIGNALS, s.values, strict=True))}
                for s in samples
            ],
        }
    )


def message_set(count: int, *, per_message: int, base: datetime) -> list[tuple[str, bytes]]:
    """Return `count` (vin, payload) pairs."""
    out = []
    for m in range(count):
        samples = samples_for(m, per_message=per_message, base=base)
        out.append((vin(samples[0].vehicle), body(samples)))
    return out


def copy_rows(count: int, *, per_message: int, base: datetime, ids: dict[str, int]) -> list[tuple]:
    """Return the telemetry rows (TELEMETRY_COLUMNS order) the message set of that shape stands for."""
    rows = []
    for m in range(count):
        for s in samples_for(m, per_message=per_message, base=base):
            row: list[object] = [None] * len(TELEMETRY_COLUMNS)
            row[0], row[1] = ids[vin(s.vehicle)], s.ts
            for column, value in zip(_SIGNALS.values(), s.values, strict=True):
                row[_COLUMN[column]] = int(value) if column == "odometer_m" else value
            rows.append(tuple(row))
    return rows


def persistent_session(*, port: int, client_id: str, topic_filter: str) -> None:
    """Create a persistent session with a QoS 1 subscription, then go away: the broker queues for it."""
    done = threading.Event()
    client = bench_client(port, client_id=client_id, protocol=MQTTv5)
    client.on_subscribe = lambda *a: done.set()
    client.on_connect = lambda c, *a: c.subscribe(topic_filter, qos=1)
    props = Properties(PacketTypes.CONNECT)
    props.SessionExpiryInterval = 3600
    client.connect("127.0.0.1", port, clean_start=False, properties=props)
    client.loop_start()
    if not done.wait(10):
        raise RuntimeError("no SUBACK")
    client.disconnect()
    client.loop_stop()


def publish_all(*, port: int, root: str, messages: list[tuple[str, bytes]]) -> None:
    """Publish at QoS 1 as fast as the broker acks."""
    client = bench_client(port, client_id=f"bench-pub-{uuid.uuid4().hex[:6]}")
    client.max_inflight_messages_set(1000)
    client.max_queued_messages_set(0)
    client.connect("127.0.0.1", port)
    client.loop_start()
    pending: collections.deque[paho.MQTTMessageInfo] = collections.deque()
    for v, b in messages:
        if len(pending) >= _OUTSTANDING:  # packet ids are 16 bit: never have more than that outstanding
            pending.popleft().wait_for_publish(timeout=120)
        pending.append(client.publish(telemetry_topic(root, v), b, qos=1))
    for info in pending:
        info.wait_for_publish(timeout=120)
    client.disconnect()
    client.loop_stop()


def drain(*, port: int, client_id: str, expected: int, on_message=None) -> float:
    """Connect to a queued session with `on_message` (default: do nothing) and return seconds to `expected`."""
    count = [0]
    done = threading.Event()

    def handle(client: paho.Client, userdata: object, msg: paho.MQTTMessage) -> None:
        if on_message is not None:
            on_message(msg)
        count[0] += 1
        if count[0] >= expected:
            done.set()

    client = bench_client(port, client_id=client_id, protocol=MQTTv5)
    client.on_message = handle
    props = Properties(PacketTypes.CONNECT)
    props.SessionExpiryInterval = 3600
    props.ReceiveMaximum = RECEIVE_MAXIMUM
    started = time.perf_counter()
    client.connect("127.0.0.1", port, clean_start=False, properties=props)
    client.loop_start()
    if not done.wait(600):
        raise RuntimeError(f"drain stalled at {count[0]} of {expected}")
    seconds = time.perf_counter() - started
    client.disconnect()
    client.loop_stop()
    return seconds


def naive_handler(conn: psycopg.Connection, ids: dict[str, int]):
    """Return an on_message that INSERTs each sample and commits each message (the common first attempt)."""
    columns = ["vehicle_id", "ts", *_SIGNALS.values()]
    insert = sql.SQL("INSERT INTO telemetry ({}) VALUES ({}) ON CONFLICT (vehicle_id, ts) DO NOTHING").format(
        sql.SQL(", ").join(map(sql.Identifier, columns)), sql.SQL(", ").join(sql.Placeholder() * len(columns))
    )

    def on_message(msg: paho.MQTTMessage) -> None:
        doc = orjson.loads(msg.payload)
        vehicle = ids[doc["vin"]]
        with conn.cursor() as cur:
            for s in doc["samples"]:
                ts = datetime.fromisoformat(s["ts"])
                cur.execute(insert, (vehicle, ts, *(s["signals"][p] for p in _SIGNALS)))
        conn.commit()

    return on_message


def cpu_seconds(pid: int) -> float | None:
    """Return the CPU time (user + system) process `pid` has used so far; None where /proc cannot tell."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def backend_pids(conn: psycopg.Connection) -> list[int]:
    """Return the server processes of the other sessions on this database (the ingesters')."""
    return [
        pid
        for (pid,) in conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
    ]


@dataclass(frozen=True, slots=True)
class CopyRun:
    """One COPY ceiling measurement: wall seconds and the CPU seconds of the client thread and the server."""

    seconds: float
    client_cpu_s: float
    server_cpu_s: float | None


def copy_ceiling(conn: psycopg.Connection, rows: list[tuple]) -> CopyRun:
    """Binary-COPY `rows` straight into telemetry in one transaction; return the time and CPU it took."""
    types: dict[str, str] = dict(
        conn.execute(
            "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute"
            " WHERE attrelid = 'telemetry'::regclass AND attnum > 0 AND NOT attisdropped"
        ).fetchall()
    )
    statement = sql.SQL("COPY telemetry ({}) FROM STDIN (FORMAT BINARY)").format(
        sql.SQL(", ").join(map(sql.Identifier, TELEMETRY_COLUMNS))
    )
    server = conn.info.backend_pid
    server_before, client_before = cpu_seconds(server), time.thread_time()
    started = time.perf_counter()
    with conn.transaction(), conn.cursor() as cur, cur.copy(statement) as copy:
        copy.set_types([types[c] for c in TELEMETRY_COLUMNS])
        for row in rows:
            copy.write_row(row)
    seconds = time.perf_counter() - started
    server_after = cpu_seconds(server)
    return CopyRun(
        seconds,
        time.thread_time() - client_before,
        None if server_before is None or server_after is None else server_after - server_before,
    )


def register_fleet(conn: psycopg.Connection) -> dict[str, int]:
    """Register the bench vehicles; return {vin: vehicle_id}."""
    customer = scalar(
        conn,
        "INSERT INTO customer (name, locale, tz, segment) VALUES ('Bench', 'en', 'UTC', 'family') RETURNING id",
    )
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO vehicle (vin, customer_id, model, model_year, powertrain, region)"
            " VALUES (%s, %s, 'Bench', 2024, 'ICE', 'harbin')",
            [(vin(n), customer) for n in range(VEHICLES)],
        )
    return dict(conn.execute("SELECT vin, id FROM vehicle").fetchall())


def base_time() -> datetime:
    """Return the first sample time: yesterday, so every sample is inside retention and not in the future."""
    return datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
