"""`carecast up` starts every stage, announces a working demo key once suggestions exist, and stops them all;
when it cannot go on (broker down, a stage exits) it says so in one line and leaves no stage running."""

from __future__ import annotations

import os
import re
import signal
import smtplib
import socket
import subprocess
import sys
import threading
import urllib.request
import uuid
from pathlib import Path

import psycopg
import pytest

from tests.conftest import free_port, wait_for


@pytest.mark.timeout(180)
def test_up_runs_every_stage_and_stops_cleanly(database, mqtt, tmp_path):
    port = free_port()
    mail_in = free_port()
    env = {
        **os.environ,
        "CARECAST_DATABASE__URL": database.url,
        "CARECAST_MQTT__HOST": mqtt.host,
        "CARECAST_MQTT__PORT": str(mqtt.port),
        "CARECAST_MQTT__TOPIC_ROOT": mqtt.topic_root,
        "CARECAST_INGEST__CLIENT_ID": f"up-{port}",
        "CARECAST_DETECTION__INTERVAL_S": "2",
        "CARECAST_NOTIFY__INTERVAL_S": "2",
        "CARECAST_LOG__FORMAT": "json",
        "CARECAST_MESSAGES__MAILIN_PORT": str(mail_in),
        # no quiet hours: at night in the owners' zone the messages would wait for the morning
        "CARECAST_NOTIFY__QUIET_START": "00:00",
        "CARECAST_NOTIFY__QUIET_END": "00:00",
    }
    env.pop("CARECAST_MESSAGES__REPLY_SECRET", None)  # up makes one for its stages
    env.pop("CARECAST_OWNER_LINKS__PUBLIC_URL", None)  # and points the owner page links at its API
    proc = subprocess.Popen(
        [sys.executable, "-m", "core.cli", "up", "--vehicles", "12", "--days", "30", "--api-port", str(port)],
        env=env, stdout=subprocess.PIPE, stderr=(tmp_path / "up.log").open("wb"), text=True,
    )  # fmt: skip
    lines: list[str] = []
    announced = threading.Event()

    def read() -> None:
        for line in proc.stdout:
            lines.append(line)
            if line.strip().startswith("Try:"):
                announced.set()

    threading.Thread(target=read, daemon=True).start()
    try:
        assert announced.wait(120), (
            "carecast up never announced a demo key:\n" + (tmp_path / "up.log").read_text()
        )
        text = "".join(lines)
        key = re.search(r"API key:\s+(\S+)", text).group(1)
        url = re.search(
            r"'(http://127\.0\.0\.1:\d+/v1/service-centers/\d+/suggested-bookings\?limit=5)'", text
        )
        request = urllib.request.Request(url.group(1), headers={"Authorization": f"Bearer {key}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200
            assert b'"items":[{' in response.read().replace(b" ", b"")
        ps = subprocess.run(["ps", "-o", "pid=", "--ppid", str(proc.pid)], capture_output=True, text=True)
        children = [int(pid) for pid in ps.stdout.split()]
        assert len(children) == 6
        commands = {Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[2] for pid in children}
        assert b"notify.mailin" in commands, commands
        with smtplib.SMTP("127.0.0.1", mail_in, timeout=10) as smtp:  # mail-in answers on its port
            assert smtp.noop()[0] == 250
        # the owner page links in care messages point at this run's API, not at the default port
        with psycopg.connect(database.url, autocommit=True) as conn:
            linked = f"%http://127.0.0.1:{port}/o/%"
            query = "SELECT count(*) FROM care_dispatch WHERE body LIKE %s"  # rendered when sent
            wait_for(lambda: conn.execute(query, (linked,)).fetchone()[0] > 0, what="a care link", timeout=30)
            assert (
                conn.execute(query, ("%/o/%",)).fetchone()[0] == conn.execute(query, (linked,)).fetchone()[0]
            )
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=40) == 0, (tmp_path / "up.log").read_text()[-3000:]
    for pid in children:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    with pytest.raises(OSError):  # mail-in stopped with the others
        socket.create_connection(("127.0.0.1", mail_in), timeout=2).close()


def _up_env(database, *, mqtt_host: str, mqtt_port: int, topic_root: str = "dt/carecast") -> dict[str, str]:  # noqa: ANN001
    """The environment of a `carecast up` whose stages (which inherit it) are recognisable by a unique client id."""
    env = {k: v for k, v in os.environ.items() if k != "CARECAST_DEBUG"}
    return {
        **env,
        "CARECAST_DATABASE__URL": database.url,
        "CARECAST_MQTT__HOST": mqtt_host,
        "CARECAST_MQTT__PORT": str(mqtt_port),
        "CARECAST_MQTT__TOPIC_ROOT": topic_root,
        "CARECAST_INGEST__CLIENT_ID": f"up-test-{uuid.uuid4().hex}",
        "CARECAST_LOG__FORMAT": "json",
        "CARECAST_MESSAGES__MAILIN_PORT": str(free_port()),
    }


def _processes_with(env: dict[str, str]) -> list[int]:
    """Return the pids of live processes whose environment carries this test's client id (the stages of `up`)."""
    marker = f"CARECAST_INGEST__CLIENT_ID={env['CARECAST_INGEST__CLIENT_ID']}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if marker in (entry / "environ").read_bytes().split(b"\0"):
                    found.append(int(entry.name))
            except OSError:  # gone, or not ours
                continue
    return found


def _up(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "core.cli", "up", "--vehicles", "12", "--days", "30", *args],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


@pytest.mark.timeout(150)
def test_up_with_the_broker_down_says_so_in_one_line_and_leaves_no_stage(database):
    closed = free_port()  # nothing listens there
    env = _up_env(database, mqtt_host="127.0.0.1", mqtt_port=closed)
    done = _up(env, "--api-port", str(free_port()))
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        f"carecast up: cannot reach the MQTT broker at 127.0.0.1:{closed} (Connection refused); is it running? "
        "set CARECAST_MQTT__HOST and CARECAST_MQTT__PORT"
    ]
    assert _processes_with(env) == []


@pytest.mark.timeout(150)
@pytest.mark.parametrize("stage", ["api", "mail-in"])
def test_when_a_stage_exits_up_stops_every_other_stage(database, mqtt, stage):
    env = _up_env(database, mqtt_host=mqtt.host, mqtt_port=mqtt.port, topic_root=mqtt.topic_root)
    with socket.socket() as taken:  # the stage cannot bind its port: it exits at once
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        if stage == "mail-in":
            env["CARECAST_MESSAGES__MAILIN_PORT"] = port
            done = _up(env, "--api-port", str(free_port()))
        else:
            done = _up(env, "--api-port", port)
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert re.fullmatch(rf"carecast up: the {stage} stage exited with status \d+; every stage was stopped \(see its "
                        r"log lines above\)", last), done.stderr  # fmt: skip
    assert "Traceback" not in done.stderr.split("address already in use")[-1]
    wait_for(lambda: _processes_with(env) == [], timeout=5, what="no stage left running")
