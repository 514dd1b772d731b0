"""The real ingester as a benchmark subject: `python -m ingest` as a child process with its JSON log, and a timed
drain of a queue the broker filled for its persistent session (throughput, what was stored, CPU per row)."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
import uuid
from datetime import datetime
from pathlib import Path

import orjson
import psycopg

from bench import ingest_peers as peers
from bench.procfs import vm_hwm_kib
from core.contracts import telemetry_subscription
from core.db import one, scalar

ROOT = Path(__file__).resolve().parent.parent
TOPIC_ROOT = "bench/dt/carecast"


def _ingester_env(*, url: str, port: int, client_id: str) -> dict[str, str]:
    return {
        **os.environ,
        "CARECAST_DATABASE__URL": url,
        "CARECAST_MQTT__HOST": "127.0.0.1",
        "CARECAST_MQTT__PORT": str(port),
        "CARECAST_MQTT__TOPIC_ROOT": TOPIC_ROOT,
        "CARECAST_INGEST__CLIENT_ID": client_id,
        "CARECAST_LOG__FORMAT": "json",
        "CARECAST_LOG__LEVEL": "INFO",
    }


class IngesterProcess:
    """`python -m ingest` as a child process, with its JSON log in a file and its peak RSS from /proc."""

    def __init__(self, *, url: str, port: int, client_id: str, workdir: Path, subscription: str = "") -> None:
        self.log = workdir / f"{client_id}.log"
        env = _ingester_env(url=url, port=port, client_id=client_id)
        env["CARECAST_INGEST__SUBSCRIPTION"] = subscription
        with self.log.open("wb") as sink:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "ingest"],
                env=env,
                cwd=ROOT,
                stderr=sink,
            )

    def events(self, name: str) -> list[dict]:
        """Return the log events called `name` so far."""
        out = []
        data = self.log.read_bytes()
        # the ingester may be writing the last line right now: only whole lines count
        for line in data[: data.rfind(b"\n") + 1].splitlines():
            if f'"event": "{name}"'.encode() in line:
                out.append(orjson.loads(line))
        return out

    def peak_rss_mb(self) -> float:
        """Return the high-water mark of the process's resident memory."""
        return vm_hwm_kib(self.proc.pid) / 1024

    def drops(self) -> list[str]:
        """Return why the broker connection dropped before the stop was requested (paho's reason)."""
        stop = self.events("shutdown_requested")
        until = _stamp(stop[0]) if stop else float("inf")
        return [e["reason"] for e in self.events("mqtt_disconnected") if _stamp(e) < until]

    def stop(self) -> dict:
        """SIGTERM, wait, return the final counters."""
        self.proc.terminate()
        self.proc.wait(timeout=60)
        stopped = self.events("ingest_stopped")
        return stopped[-1] if stopped else {}


def wait_until(predicate, *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.02)


def _stamp(event: dict) -> float:
    return datetime.fromisoformat(event["timestamp"].replace("Z", "+00:00")).timestamp()


def median_cpu(runs: list[dict[str, float | None]]) -> dict[str, float | None]:
    """Return the median of each kind over several drains."""
    kinds = runs[0].keys()
    values = {k: [v for r in runs if (v := r[k]) is not None] for k in kinds}
    return {k: round(statistics.median(v), 2) if v else None for k, v in values.items()}


def _cpu_per_row(rows: int, **processes: list[tuple[float | None, float | None]]) -> dict[str, float | None]:
    """Return CPU microseconds per row of each kind of process from (after, before) CPU-second pairs."""
    out: dict[str, float | None] = {}
    for name, pairs in processes.items():
        known = [(a, b) for a, b in pairs if a is not None and b is not None]
        out[name] = round(sum(a - b for a, b in known) / rows * 1e6, 2) if known and rows else None
    return out


def carecast_drain(
    *,
    url: str,
    port: int,
    workdir: Path,
    messages: list[tuple[str, bytes]],
    rows: int,
    instances: int = 1,
    broker_pid: int | None = None,
) -> dict:
    """Queue `messages` for the ingesters' sessions, start them, time first connect -> last commit; check what is
    stored. Several instances share an MQTT 5 shared subscription."""
    tag = uuid.uuid4().hex[:6]
    client_ids = [f"bench-ingest-{tag}-{i}" for i in range(instances)]
    topic_filter = telemetry_subscription(TOPIC_ROOT)
    if instances > 1:
        # A share group of its own: the sessions of an earlier drain's group stay (offline, persistent) and the
        # broker would keep handing them their share of these messages (docs/ingest.md, "Scaling out").
        topic_filter = f"$share/bench-{tag}/{topic_filter}"
    for client_id in client_ids:
        peers.persistent_session(port=port, client_id=client_id, topic_filter=topic_filter)
    peers.publish_all(port=port, root=TOPIC_ROOT, messages=messages)
    ingesters = [
        IngesterProcess(url=url, port=port, client_id=c, workdir=workdir, subscription=topic_filter)
        for c in client_ids
    ]
    finals = []
    with psycopg.connect(url, autocommit=True) as conn:
        try:
            wait_until(lambda: all(i.events("mqtt_connected") for i in ingesters), timeout=60, what="connect")
            cpu_before = [peers.cpu_seconds(i.proc.pid) for i in ingesters]
            broker_before = peers.cpu_seconds(broker_pid) if broker_pid else None
            wait_until(
                lambda: (
                    sum(e["messages"] for i in ingesters for e in i.events("batch")) >= len(messages)
                    or any(i.proc.poll() is not None for i in ingesters)
                ),
                timeout=1800,
                what="the drain",
            )
            # Redelivered messages (after a reconnect) count in the batches too: also give every row up to
            # a minute to arrive; what has not by then is reported as lost.
            deadline = time.monotonic() + 60
            while scalar(conn, "SELECT count(*) FROM telemetry") < rows:
                if time.monotonic() > deadline or any(i.proc.poll() is not None for i in ingesters):
                    break
                time.sleep(0.1)  # polling the table, not waiting for a fixed time
            rss = max(i.peak_rss_mb() for i in ingesters)
            cpu = _cpu_per_row(
                rows,
                ingester=[
                    (peers.cpu_seconds(i.proc.pid), b) for i, b in zip(ingesters, cpu_before, strict=True)
                ],
                postgres=[(peers.cpu_seconds(pid), 0.0) for pid in peers.backend_pids(conn)],
                mosquitto=[(peers.cpu_seconds(broker_pid) if broker_pid else None, broker_before)],
            )
        finally:
            finals = [i.stop() for i in ingesters]
        connects = sum(len(i.events("mqtt_connected")) for i in ingesters)
        drops = [reason for i in ingesters for reason in i.drops()]
        if drops:  # keep the evidence: the temporary directory goes away with the run
            broker_log = (workdir / "broker" / "mosquitto.log").read_text(errors="replace").splitlines()
            mentions = [line for line in broker_log if any(c in line for c in client_ids)]
            print(
                f"ingester connection dropped: {drops}; broker log:",
                *mentions[-20:],
                sep="\n  ",
                file=sys.stderr,
            )
        connected = min(_stamp(i.events("mqtt_connected")[0]) for i in ingesters)
        last_batch = max(_stamp(i.events("batch")[-1]) for i in ingesters if i.events("batch"))
        stored, distinct = one(conn, "SELECT count(*), count(DISTINCT (vehicle_id, ts)) FROM telemetry")
        conn.execute("TRUNCATE telemetry")
    seconds = last_batch - connected
    return {
        "seconds": seconds,
        "msgs_per_s": len(messages) / seconds,
        "rows_per_s": rows / seconds,
        "lost": rows - stored,
        "duplicates": (stored - distinct) + sum(int(f.get("duplicates", 0)) for f in finals),
        "rss_mb": rss,
        "connects": connects,
        "drops": drops,
        "cpu_us_per_row": cpu,
    }
