"""Retiring one of two ingesters on a shared subscription: Mosquitto keeps an offline member's share of messages in
its persistent session, so a member that stops and never returns strands them. A retired member first drains its
queue, then ends its session: the other member gets everything after that and nothing waits for the retired one."""

from __future__ import annotations

import os
import signal
import threading
import uuid

import paho.mqtt.client as paho
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from core.db import connect
from core.mqtt import MQTTv5, make_client
from tests.conftest import wait_for
from tests.ingest.conftest import spawn_ingester
from tests.ingest.test_ingest_no_loss import (
    SAMPLES_PER_MESSAGE,
    assert_exactly_once,
    messages,
    register,
    rows,
)


def session_present(settings) -> bool:
    """Connect with the ingester's client id, keeping any session, and return whether the broker still had one."""
    client = make_client(settings.mqtt, client_id=settings.ingest.client_id, protocol=MQTTv5)
    answered = threading.Event()
    found: list[bool] = []

    def on_connect(client: paho.Client, userdata, flags, reason, properties) -> None:
        found.append(bool(flags.session_present))
        answered.set()

    client.on_connect = on_connect
    props = Properties(PacketTypes.CONNECT)
    props.SessionExpiryInterval = 0  # do not leave a session of our own behind
    client.connect(settings.mqtt.host, settings.mqtt.port, clean_start=False, properties=props)
    client.loop_start()
    try:
        assert answered.wait(10), "no CONNACK"
    finally:
        client.disconnect()
        client.loop_stop()
    return found[0]


def test_retired_member_drains_its_queue_and_leaves_no_session(
    conn, database, add_vehicle, ingest_settings, publisher, tmp_path
):
    register(add_vehicle)
    shared = "$share/carecast/" + ingest_settings.subscription_filter()
    # A small receive window: most of `one`'s share waits in its session queue at the broker, not in flight.
    one = ingest_settings.tuned(
        client_id=f"retire-1-{uuid.uuid4().hex[:6]}", subscription=shared, batch_rows=200, receive_maximum=50
    )
    two = ingest_settings.tuned(
        client_id=f"retire-2-{uuid.uuid4().hex[:6]}", subscription=shared, batch_rows=200
    )
    first, first_log = spawn_ingester(one, tmp_path, "one")
    second, second_log = spawn_ingester(two, tmp_path, "two")
    total = 2000
    try:
        with connect(
            database
        ) as blocker:  # nothing commits: `one`'s share waits unacked, most of it at the broker
            blocker.execute("LOCK TABLE telemetry IN EXCLUSIVE MODE")
            publisher.send_many(messages(total // 2))
            first.send_signal(signal.SIGUSR1)  # retire: unsubscribe, drain what it holds, end the session
            wait_for(
                lambda: '"event": "unsubscribed"' in first_log.read_text(),
                what="the retiring member to leave",
            )
            publisher.send_many(messages(total // 2, first=total // 2))  # goes to the remaining member only
            blocker.rollback()
        assert first.wait(timeout=60) == 0
        log = first_log.read_text()
        assert '"event": "ingest_retired"' in log and "retire_incomplete" not in log
        # Its whole share was committed after the UNSUBACK, including what the broker still had queued for it.
        assert '"event": "batch"' in log.split('"event": "unsubscribed"')[1]
        # The second half reaches the remaining member; nothing waits in a session of the retired one.
        wait_for(lambda: rows(conn) == total * SAMPLES_PER_MESSAGE, timeout=60, what="everything stored")
        assert not session_present(one)
        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=30) == 0
        assert '"event": "batch"' in second_log.read_text()
    finally:
        for proc in (first, second):
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGKILL)
    assert_exactly_once(conn, total)
