"""``carecast up``: run every stage as a child process on one machine (laptop, demo).

In production each stage runs on its own (``carecast ingest``, ``carecast detect`` …); this supervisor only
starts them in order, prints where the API is with a demo key, and stops them all together.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

import psycopg

from core.db import connect
from core.log import configure_logging
from core.migrate import migrate
from core.mqtt import make_client
from core.settings import BaseProcessSettings, MqttSettings


class UpSettings(BaseProcessSettings):
    """Settings of ``carecast up`` (the stages read their own settings from the same environment)."""

    mqtt: MqttSettings = MqttSettings()


@dataclass
class Supervisor:
    """Starts stage processes and stops all of them when one exits or a signal arrives."""

    children: dict[str, subprocess.Popen] = field(default_factory=dict)
    stopping: bool = False

    def start(self, name: str, module: str, *args: str) -> None:
        """Start `python -m module args` as a named child.

        Each child gets its own session so a terminal's Ctrl-C reaches only this supervisor, which then stops
        every stage exactly once, in order, with SIGTERM.
        """
        self.children[name] = subprocess.Popen([sys.executable, "-m", module, *args], start_new_session=True)

    def stop(self, *_: object) -> None:
        """Ask every child to stop (SIGTERM), then kill stragglers after 15 s."""
        if self.stopping:
            return
        self.stopping = True
        for proc in self.children.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        for proc in self.children.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()

    def failed_child(self, *, ignore: tuple[str, ...] = ()) -> str | None:
        """Return the name of a child that exited (other than those in `ignore`), if any."""
        for name, proc in self.children.items():
            if name not in ignore and proc.poll() is not None:
                return name
        return None


def _wait_for_ingest(
    mqtt: MqttSettings, *, stop: threading.Event | None = None, timeout_s: float = 60
) -> bool:
    """Return True once an ingester says "online" on its retained status topic ({root}/ingest/+/status).

    The ingester subscribes before it publishes "online", so from then on the broker keeps telemetry for it; the
    simulator must not publish its history earlier, or a first run's history would go to no subscriber.
    """
    online = threading.Event()
    client = make_client(mqtt, client_id=f"carecast-up-{os.getpid()}")
    client.on_connect = lambda c, *_: c.subscribe(f"{mqtt.topic_root}/ingest/+/status", qos=1)
    client.on_message = lambda _c, _u, msg: online.set() if msg.payload == b"online" else None
    client.connect(mqtt.host, mqtt.port, keepalive=mqtt.keepalive_s)
    client.loop_start()
    try:
        deadline = time.monotonic() + timeout_s
        while not online.wait(0.2):
            if time.monotonic() > deadline or (stop is not None and stop.is_set()):
                return False
        return True
    finally:
        client.loop_stop()
        client.disconnect()


def _demo_key(conn: psycopg.Connection) -> tuple[int, str, str] | None:
    """Return (center id, code, fresh API key) for the center with most suggestions, or None while there are none."""
    row = conn.execute(
        "SELECT c.id, c.code FROM booking_suggestion b JOIN service_center c ON c.id = b.center_id"
        " GROUP BY c.id, c.code ORDER BY count(*) DESC, c.id LIMIT 1"
    ).fetchone()
    if row is None:
        return None
    out = subprocess.run(
        [sys.executable, "-m", "api.keys", "create", "--center", row[1], "--label", "carecast-up-demo"],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    return row[0], row[1], out.stdout.strip().splitlines()[-1]


def _announce(demo: tuple[int, str, str], *, port: int) -> None:
    center_id, code, key = demo
    print(
        f"\nCarecast is running.\n  API:      http://127.0.0.1:{port}/docs\n"
        f"  Center:   {code} (id {center_id})\n  API key:  {key}\n"
        f"  Try:      curl -H 'Authorization: Bearer {key}' "
        f"'http://127.0.0.1:{port}/v1/service-centers/{center_id}/suggested-bookings?limit=5'\n"
        "  Stop:     Ctrl-C\n",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(prog="carecast up", description=__doc__)
    parser.add_argument("--vehicles", type=int, default=200)
    parser.add_argument("--days", type=int, default=60, help="history to publish before going live")
    parser.add_argument("--api-port", type=int, default=8000)
    parser.add_argument("--interval-s", type=float, default=10.0, help="live publish interval per vehicle")
    args = parser.parse_args()
    settings = UpSettings()
    log = configure_logging(settings.log, process="up")
    with connect(settings.database, autocommit=True) as conn:
        migrate(conn, timescale=settings.database.timescale)

    sup = Supervisor()
    signal.signal(signal.SIGTERM, sup.stop)
    signal.signal(signal.SIGINT, sup.stop)
    sup.start("ingest", "ingest")
    sup.start("api", "api", "--port", str(args.api_port))
    if not _wait_for_ingest(settings.mqtt, timeout_s=60) or sup.failed_child():
        log.error("up.ingest_not_online", hint="is the broker reachable? see the ingest log lines above")
        sup.stop()
        raise SystemExit(1)
    sup.start(
        "simulate",
        "simulators",
        "--vehicles",
        str(args.vehicles),
        "--days",
        str(args.days),
        "--live",
        "--interval-s",
        str(args.interval_s),
    )
    sup.start("detect", "detection")
    sup.start("notify", "notify")
    log.info("up.started", stages=",".join(sup.children), api=f"http://127.0.0.1:{args.api_port}")

    announced = False
    with connect(settings.database, autocommit=True) as conn:
        while not sup.stopping:
            dead = sup.failed_child()
            if dead:
                log.error("up.child_exited", stage=dead, returncode=sup.children[dead].returncode)
                sup.stop()
                raise SystemExit(1)
            if not announced:
                demo = _demo_key(conn)
                if demo:
                    _announce(demo, port=args.api_port)
                    announced = True
            time.sleep(1)


if __name__ == "__main__":
    main()
