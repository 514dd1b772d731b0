#!/usr/bin/env python3
"""Health check of a Carecast container: the Dockerfile installs it as /usr/local/bin/carecast-healthcheck.

    carecast-healthcheck                 probe what this container's stage serves (found from its process)
    carecast-healthcheck URL [GAUGE]     GET URL (2xx); with GAUGE, the exposition must show it above 0

What "healthy" means per stage (the `carecast STAGE` process of the container):
  api       GET /livez on CARECAST_API__PORT answers 2xx
  ingest    GET /metrics answers and carecast_ingest_connected is 1 (connected to the broker)
  detect    GET /metrics answers (a standby waiting for the leader lock is healthy too)
  notify    GET /metrics answers
  simulate  an established TCP connection to the broker or the database (it seeds, then publishes)
  migrate, anything else: nothing to probe (migrate is one-shot; compose waits for it to complete instead)
The metrics ports are CARECAST_{INGEST,DETECTION,NOTIFY}__METRICS_PORT (the image sets them; 0 = nothing to
probe). Exit status 0 healthy, 1 unhealthy, with one line saying why (`docker inspect` shows it).
Standard library only: it runs with the image's Python, outside the carecast package.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path
from urllib.parse import urlsplit

TIMEOUT_S = 4.0
# The stage's metrics settings group and the gauge that must be above 0 (None: answering is enough).
METRICS = {
    "ingest": ("INGEST", "carecast_ingest_connected"),
    "detect": ("DETECTION", None),
    "notify": ("NOTIFY", None),
}


def stage_of(argv: Sequence[str]) -> str | None:
    """Return the stage of a `carecast STAGE ...` command line (any interpreter in front), None for others."""
    for i, arg in enumerate(argv[:-1]):
        if os.path.basename(arg) == "carecast":
            return argv[i + 1]
    return None


def running_stage(proc: Path = Path("/proc")) -> str | None:
    """Return the stage of the lowest-numbered `carecast STAGE` process visible here (PID 1 in a container)."""
    pids = sorted(int(p.name) for p in proc.iterdir() if p.name.isdigit())
    for pid in pids:
        try:
            raw = (proc / str(pid) / "cmdline").read_bytes()
        except OSError:
            continue  # gone meanwhile, or not ours to read
        stage = stage_of([part.decode(errors="replace") for part in raw.split(b"\0") if part])
        if stage is not None:
            return stage
    return None


def _local(host: str) -> str:
    """Return the address to probe a server bound to `host` at (a wildcard bind answers on loopback)."""
    return "127.0.0.1" if host in ("", "0.0.0.0", "::") else host


def probe_for(stage: str | None, env: Mapping[str, str]) -> tuple[str, str | None] | None:
    """Return (URL, gauge or None) to probe for `stage` under these environment variables; None: nothing to GET."""
    if stage == "api":
        host = _local(env.get("CARECAST_API__HOST", "127.0.0.1"))
        return f"http://{host}:{env.get('CARECAST_API__PORT', '8000')}/livez", None
    if stage in METRICS:
        group, gauge = METRICS[stage]
        port = int(env.get(f"CARECAST_{group}__METRICS_PORT", "0") or 0)
        if port == 0:
            return None
        host = _local(env.get(f"CARECAST_{group}__METRICS_HOST", "127.0.0.1"))
        return f"http://{host}:{port}/metrics", gauge
    return None


def gauge_value(exposition: str, name: str) -> float | None:
    """Return the value of the unlabelled sample `name` in a Prometheus text exposition, None when absent."""
    for line in exposition.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0] == name:
            return float(parts[1])
    return None


def check_url(url: str, gauge: str | None = None) -> str | None:
    """GET `url`; return None when healthy, else why not (one line)."""
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_S) as response:
            body = response.read().decode("utf-8", errors="replace")
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return f"{url}: {exc}"
    if gauge is not None:
        value = gauge_value(body, gauge)
        if value is None or value <= 0:
            return f"{url}: {gauge} is {value}"
    return None


def established_ports(proc_net: Path = Path("/proc/net")) -> set[int]:
    """Return the remote ports of this network namespace's established TCP connections (IPv4 and IPv6)."""
    ports: set[int] = set()
    for name in ("tcp", "tcp6"):
        try:
            lines = (proc_net / name).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) > 3 and fields[3] == "01":  # TCP_ESTABLISHED
                ports.add(int(fields[2].rsplit(":", 1)[1], 16))
    return ports


def check_connected(env: Mapping[str, str], proc_net: Path = Path("/proc/net")) -> str | None:
    """Return None when a TCP connection to the broker or the database is established, else why not."""
    db_port = urlsplit(env.get("CARECAST_DATABASE__URL", "postgresql://127.0.0.1:5432/")).port or 5432
    wanted = {int(env.get("CARECAST_MQTT__PORT", "1883")), db_port}
    if established_ports(proc_net) & wanted:
        return None
    return f"no established connection to the broker or the database (ports {sorted(wanted)})"


def main(argv: Sequence[str], env: Mapping[str, str]) -> int:
    """Run the check the arguments (or the container's stage) call for; return the exit status."""
    if argv:
        problem = check_url(argv[0], argv[1] if len(argv) > 1 else None)
        what = argv[0]
    else:
        stage = running_stage()
        probe = probe_for(stage, env)
        if stage == "simulate":
            problem, what = check_connected(env), "simulate"
        elif probe is None:
            print(f"healthy: nothing to probe for {stage or 'this container'}")
            return 0
        else:
            problem, what = check_url(*probe), f"{stage} {probe[0]}"
    if problem:
        print(f"unhealthy: {problem}")
        return 1
    print(f"healthy: {what}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], os.environ))
