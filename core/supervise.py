"""``carecast up``: run every stage as a child process on one machine (laptop, demo).

The stages: ingest, the API, mail-in (owners' e-mail replies, on CARECAST_MESSAGES__MAILIN_HOST:MAILIN_PORT,
127.0.0.1:2525 by default), the simulator, detection and notify.

In production each stage runs on its own (``carecast ingest``, ``carecast detect`` …); this supervisor only
starts them in order, prints where the API is with a demo key, and stops them all together.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import click
import psycopg

from core.cli import CONTEXT_SETTINGS, run_command
from core.cli_errors import BrokerUnreachable
from core.db import connect
from core.errors import CarecastError
from core.log import configure_logging
from core.messaging import MessagingSettings
from core.migrate import migrate
from core.mqtt import make_client
from core.settings import BaseProcessSettings, MqttSettings, OwnerLinkSettings


class StageExited(CarecastError):
    """A stage `carecast up` started has exited on its own."""


class UpSettings(BaseProcessSettings):
    """Settings of ``carecast up`` (the stages read their own settings from the same environment)."""

    mqtt: MqttSettings = MqttSettings()
    # Read for mail-in's address and reply secret (the mail-in stage reads the same variables itself).
    messages: MessagingSettings = MessagingSettings()
    # Read to know whether the owner page links have an address of their own (else: this run's API).
    owner_links: OwnerLinkSettings = OwnerLinkSettings()


# Set for the stages when CARECAST_MESSAGES__REPLY_SECRET is not: mail-in cannot verify a reply address without
# one, and notify signs the Reply-To of care e-mails with the same secret (both inherit it from `up`).
REPLY_SECRET_VAR = "CARECAST_MESSAGES__REPLY_SECRET"
# Set for the stages when CARECAST_OWNER_LINKS__PUBLIC_URL is not: the links in care messages then point at the API
# this run started (--api-port), not at the default port.
PUBLIC_URL_VAR = "CARECAST_OWNER_LINKS__PUBLIC_URL"


@dataclass
class Supervisor:
    """Starts stage processes and stops all of them when one exits or a signal arrives."""

    children: dict[str, subprocess.Popen] = field(default_factory=dict)
    stopping: bool = False
    env: dict[str, str] = field(default_factory=dict)  # set for every child on top of this environment

    def start(self, name: str, module: str, *args: str) -> None:
        """Start `python -m module args` as a named child.

        Each child gets its own session so a terminal's Ctrl-C reaches only this supervisor, which then stops
        every stage exactly once, in order, with SIGTERM. The stages share this environment, already checked
        for misspelled CARECAST_* names: they need not warn about them again.
        """
        env = {**os.environ, **self.env, "CARECAST_ENV_CHECKED": "1"}
        self.children[name] = subprocess.Popen(
            [sys.executable, "-m", module, *args], start_new_session=True, env=env
        )

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


def _status_client(mqtt: MqttSettings):  # noqa: ANN202
    """Return a paho client connected (TCP) to the broker; BrokerUnreachable when nothing answers there."""
    client = make_client(mqtt, client_id=f"carecast-up-{os.getpid()}")
    try:
        client.connect(mqtt.host, mqtt.port, keepalive=mqtt.keepalive_s)
    except OSError as exc:
        raise BrokerUnreachable(mqtt.host, mqtt.port, exc.strerror or str(exc)) from exc
    return client


def _wait_for_ingest(
    mqtt: MqttSettings,
    *,
    client=None,  # noqa: ANN001
    give_up: Callable[[], bool] = lambda: False,
    timeout_s: float = 60,
) -> bool:
    """Return True once an ingester says "online" on its retained status topic ({root}/ingest/+/status).

    The ingester subscribes before it publishes "online", so from then on the broker keeps telemetry for it; the
    simulator must not publish its history earlier, or a first run's history would go to no subscriber. Returns
    False after `timeout_s` or as soon as `give_up()` is true.
    """
    online = threading.Event()
    client = client or _status_client(mqtt)
    client.on_connect = lambda c, *_: c.subscribe(f"{mqtt.topic_root}/ingest/+/status", qos=1)
    client.on_message = lambda _c, _u, msg: online.set() if msg.payload == b"online" else None
    client.loop_start()
    try:
        deadline = time.monotonic() + timeout_s
        while not online.wait(0.2):
            if time.monotonic() > deadline or give_up():
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


@click.command(name="up", context_settings=CONTEXT_SETTINGS)
@click.option(
    "--vehicles",
    type=click.IntRange(min=5),
    default=200,
    show_default=True,
    metavar="N",
    help="Size of the simulated fleet.",
)
@click.option(
    "--days",
    type=click.IntRange(min=7),
    default=60,
    show_default=True,
    metavar="N",
    help="Days of history to publish before going live.",
)
@click.option(
    "--api-port",
    type=click.IntRange(1, 65535),
    default=8000,
    show_default=True,
    metavar="PORT",
    help="Port of the API on 127.0.0.1.",
)
@click.option("--interval-s", type=float, default=10.0, show_default=True,
              help="Seconds between two live samples of a vehicle.")  # fmt: skip
def command(vehicles: int, days: int, api_port: int, interval_s: float) -> int:
    """Run every stage and a simulated fleet on this machine until Ctrl-C.

    Migrates the database, checks the broker, then starts ingest, the API, mail-in (owners' e-mail replies on
    CARECAST_MESSAGES__MAILIN_HOST:MAILIN_PORT, default 127.0.0.1:2525), the simulator (history, then live),
    detection and notify as child processes, and prints the API's address with a fresh demo key once there are
    booking suggestions. Ctrl-C (or SIGTERM) stops them all; so does any stage exiting on its own. Without
    CARECAST_MESSAGES__REPLY_SECRET the stages share a random one for this run.

    In production each stage runs on its own: carecast ingest, carecast detect, and so on.
    """
    settings = UpSettings()
    log = configure_logging(settings.log, process="up")
    with connect(settings.database, autocommit=True) as conn:
        # as `carecast migrate` does: TimescaleDB's FATAL to CREATE EXTENSION closes `conn`; `auto` goes on with a new one
        migrate(
            conn,
            timescale=settings.database.timescale,
            reconnect=lambda: connect(settings.database, autocommit=True),
            log=log,
        )
    status = _status_client(settings.mqtt)  # before any stage starts: a broker that is down is one line

    sup = Supervisor()
    if settings.messages.reply_secret is None:
        sup.env[REPLY_SECRET_VAR] = secrets.token_urlsafe(32)
        log.info("up.reply_secret_generated", detail="replies to e-mails of an earlier run will not verify")
    if "public_url" not in settings.owner_links.model_fields_set:
        sup.env[PUBLIC_URL_VAR] = f"http://127.0.0.1:{api_port}"
    signal.signal(signal.SIGTERM, sup.stop)
    signal.signal(signal.SIGINT, sup.stop)
    try:
        sup.start("ingest", "ingest")
        sup.start("api", "api", "--port", str(api_port))
        sup.start("mail-in", "notify.mailin")
        online = _wait_for_ingest(
            settings.mqtt, client=status, give_up=lambda: sup.stopping or sup.failed_child() is not None
        )
        if sup.stopping:
            return 0
        _check_children(sup)
        if not online:
            raise StageExited("ingest did not come online within 60 s; see its log lines above")
        sup.start("simulate", "simulators", "--vehicles", str(vehicles), "--days", str(days), "--live",
                  "--interval-s", str(interval_s))  # fmt: skip
        sup.start("detect", "detection")
        sup.start("notify", "notify")
        log.info(
            "up.started",
            stages=",".join(sup.children),
            api=f"http://127.0.0.1:{api_port}",
            mail_in=f"{settings.messages.mailin_host}:{settings.messages.mailin_port}",
        )

        announced = False
        with connect(settings.database, autocommit=True) as conn:
            while not sup.stopping:
                _check_children(sup)
                if not announced:
                    demo = _demo_key(conn)
                    if demo:
                        _announce(demo, port=api_port)
                        announced = True
                time.sleep(1)
        return 0
    finally:
        sup.stop()  # every child, whatever ended the run


def _check_children(sup: Supervisor) -> None:
    """Raise StageExited when a stage has exited (the caller's `finally` stops the others)."""
    dead = sup.failed_child()
    if dead is not None:
        raise StageExited(
            f"the {dead} stage exited with status {sup.children[dead].returncode}; every stage was stopped "
            "(see its log lines above)"
        )


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``carecast up``; return the exit status."""
    return run_command(command, argv)


if __name__ == "__main__":
    sys.exit(main())
