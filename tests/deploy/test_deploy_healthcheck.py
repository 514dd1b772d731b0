"""deploy/healthcheck.py (the image's `carecast-healthcheck`): what it probes for each stage of docker-compose.yml,
against real endpoints and connections."""

from __future__ import annotations

import importlib.util
import re
import socket
import subprocess
import sys
from pathlib import Path

import yaml

from detection.metrics import DetectionMetrics
from ingest.metrics import IngestMetrics

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "deploy" / "healthcheck.py"
_spec = importlib.util.spec_from_file_location("carecast_healthcheck", SCRIPT)
assert _spec and _spec.loader
healthcheck = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(healthcheck)


def _image_env() -> dict[str, str]:
    """The ENV lines of the Dockerfile's runtime stage."""
    text = (ROOT / "Dockerfile").read_text().split("\nFROM ")[-1]
    pairs = [pair for line in re.findall(r"^ENV (.+)$", text, re.M) for pair in line.split()]
    return dict(pair.split("=", 1) for pair in pairs)


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=30)


def test_the_stage_is_read_from_the_carecast_command_line(tmp_path):
    assert (
        healthcheck.stage_of(["/usr/local/bin/python3.11", "/usr/local/bin/carecast", "ingest"]) == "ingest"
    )
    assert healthcheck.stage_of(["/usr/local/bin/carecast-healthcheck"]) is None
    assert healthcheck.stage_of(["python", "-m", "detection"]) is None
    for pid, argv in ((1, [b"/sbin/docker-init", b"--", b"carecast", b"notify"]), (7, [b"carecast", b"api"])):
        (tmp_path / str(pid)).mkdir()
        (tmp_path / str(pid) / "cmdline").write_bytes(b"\0".join(argv) + b"\0")
    (tmp_path / "self").mkdir()
    # docker-init's own command line names the stage too; the lowest pid wins either way
    assert healthcheck.running_stage(tmp_path) == "notify"


def test_every_compose_stage_has_something_to_probe_in_the_image():
    """With the image's ENV and the compose file's, ingest, detect and notify serve /metrics on the port the
    check probes, and the API its /livez; migrate has none (one-shot)."""
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    image = _image_env()
    for name, service in services.items():
        if service.get("build") is None or name in ("migrate", "simulate"):
            continue
        env = image | {k: str(v) for k, v in service["environment"].items()}
        probe = healthcheck.probe_for(service["command"][0], env)
        assert probe is not None, name
        assert probe[0].startswith("http://127.0.0.1:"), probe
    assert healthcheck.probe_for("migrate", image) is None
    assert healthcheck.probe_for("ingest", image) == (
        "http://127.0.0.1:9101/metrics",
        "carecast_ingest_connected",
    )
    assert healthcheck.probe_for("detect", {}) is None  # metrics off outside the image: nothing to probe


def test_ingest_is_healthy_only_while_connected_to_the_broker():
    metrics = IngestMetrics()
    port = metrics.serve(host="127.0.0.1", port=0)
    url = f"http://127.0.0.1:{port}/metrics"
    try:
        metrics.connected.set(0)
        down = _run(url, "carecast_ingest_connected")
        assert down.returncode == 1 and "carecast_ingest_connected is 0.0" in down.stdout
        metrics.connected.set(1)
        assert _run(url, "carecast_ingest_connected").returncode == 0
    finally:
        metrics.close()
    gone = _run(url)
    assert gone.returncode == 1 and gone.stdout.startswith("unhealthy:")


def test_a_served_registry_is_healthy():
    metrics = DetectionMetrics()
    port = metrics.serve(host="127.0.0.1", port=0)
    try:
        assert healthcheck.check_url(f"http://127.0.0.1:{port}/metrics") is None
    finally:
        metrics.close()


def test_simulate_is_healthy_while_it_holds_a_connection_to_the_broker_or_the_database():
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        env = {
            "CARECAST_MQTT__PORT": str(port),
            "CARECAST_DATABASE__URL": "postgresql://carecast@db:5/carecast",
        }
        assert healthcheck.check_connected(env) is not None
        with socket.create_connection(("127.0.0.1", port)):
            accepted, _ = server.accept()
            with accepted:
                assert healthcheck.check_connected(env) is None
        db_env = {"CARECAST_MQTT__PORT": "1", "CARECAST_DATABASE__URL": f"postgresql://carecast@db:{port}/x"}
        with socket.create_connection(("127.0.0.1", port)):
            accepted, _ = server.accept()
            with accepted:
                assert healthcheck.check_connected(db_env) is None


def test_a_container_with_nothing_to_probe_is_healthy(monkeypatch, capsys):
    monkeypatch.setattr(healthcheck, "running_stage", lambda: "migrate")
    assert healthcheck.main([], {}) == 0
    assert capsys.readouterr().out == "healthy: nothing to probe for migrate\n"


def test_a_url_that_is_not_one_is_unhealthy_in_one_line():
    done = _run("--help")
    assert done.returncode == 1 and done.stdout.startswith("unhealthy:") and not done.stderr
