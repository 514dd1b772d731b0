"""`carecast up` starts every stage, announces a working demo key once suggestions exist, and stops them all."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import urllib.request

import pytest


@pytest.mark.timeout(180)
def test_up_runs_every_stage_and_stops_cleanly(database, mqtt, tmp_path):
    port = _free_port()
    env = {
        **os.environ,
        "CARECAST_DATABASE__URL": database.url,
        "CARECAST_MQTT__HOST": mqtt.host,
        "CARECAST_MQTT__PORT": str(mqtt.port),
        "CARECAST_MQTT__TOPIC_ROOT": mqtt.topic_root,
        "CARECAST_INGEST__CLIENT_ID": f"up-{port}",
        "CARECAST_CLIENT_ID": f"up-{port}",
        "CARECAST_DETECTION__INTERVAL_S": "2",
        "CARECAST_NOTIFY__INTERVAL_S": "2",
        "CARECAST_LOG__FORMAT": "json",
    }
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
        assert len(children) == 5
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=40) == 0, (tmp_path / "up.log").read_text()[-3000:]
    for pid in children:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
