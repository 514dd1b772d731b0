"""Detection beyond one process, measured (``python -m bench.detection --shards N [--kill-one]``).

On the database ``bench.detection`` backfilled, the same full pass at the same time three ways, each a real
``python -m detection`` process set started as in production (settings from the environment):

- one worker: ``python -m detection --once`` with ``CARECAST_DETECTION__SHARDS=1`` (the baseline, same run);
- sharded: N scheduled processes with ``CARECAST_DETECTION__SHARDS=N``: the lock holder refreshes the rollup, plans N
  shards, and all N (the leader too) work them; timed from their start until the pass is marked done;
- with ``--kill-one``, the sharded set again, one worker that is not the leader SIGKILLed (its whole process group,
  as when its container dies) half-way through its shard: the takeover time is from the kill until another worker
  claimed that shard.

Risk, quality and watermark tables are emptied before each run; each sharded run's risks are compared with the
baseline's (vehicle, kind, rule, status, severity, confidence, dates). Memory per worker process: the kernel's peak
RSS of the process itself (VmHWM) and the sampled peak PSS of it with its forked rule workers.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg

from bench.procfs import process_tree, pss_kib, vm_hwm_kib

ROOT = Path(__file__).resolve().parents[1]
POLL_S = 0.02


@dataclass
class Worker:
    """One ``python -m detection`` process and its memory peaks so far."""

    proc: subprocess.Popen
    log: Path
    hwm_kib: int = 0
    tree_pss_kib: int = 0
    killed: bool = False

    def figures(self) -> dict:
        """Its pid, exit status and peaks in MB."""
        return {
            "pid": self.proc.pid, "returncode": self.proc.returncode, "killed": self.killed,
            "peak_rss_mb": round(self.hwm_kib / 1024, 1), "tree_pss_peak_mb": round(self.tree_pss_kib / 1024, 1),
        }  # fmt: skip


@dataclass
class Sampler:
    """Samples every worker's VmHWM and its process tree's PSS on a thread."""

    workers: list[Worker]
    interval_s: float = 0.1
    _stop: threading.Event = field(default_factory=threading.Event)

    def _run(self) -> None:
        while not self._stop.is_set():
            for w in self.workers:
                if w.proc.poll() is None:
                    w.hwm_kib = max(w.hwm_kib, vm_hwm_kib(w.proc.pid))
                    w.tree_pss_kib = max(w.tree_pss_kib, sum(pss_kib(p) for p in process_tree(w.proc.pid)))
            self._stop.wait(self.interval_s)

    def __enter__(self) -> Sampler:
        self._thread = threading.Thread(target=self._run, name="shard-sampler", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _env(url: str, *, shards: int, lease_s: float, workers: int, lookback_days: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARECAST_")}
    return env | {
        "CARECAST_DATABASE__URL": url, "CARECAST_DATABASE__TIMESCALE": "off", "CARECAST_LOG__FORMAT": "json",
        "CARECAST_DETECTION__INTERVAL_S": "3600", "CARECAST_DETECTION__LOCK_POLL_S": "0.2",
        "CARECAST_DETECTION__LOOKBACK_DAYS": str(lookback_days), "CARECAST_DETECTION__WORKERS": str(workers),
        "CARECAST_DETECTION__SHARDS": str(shards), "CARECAST_DETECTION__SHARD_LEASE_S": str(lease_s),
    }  # fmt: skip


def _start(env: dict[str, str], now: datetime, log: Path, *, once: bool) -> Worker:
    args = [sys.executable, "-m", "detection", "--now", now.isoformat(), *(["--once"] if once else [])]
    with open(log, "wb") as out:  # the child keeps its own copy of the descriptor
        proc = subprocess.Popen(args, cwd=ROOT, env=env, stderr=out, start_new_session=True)
    return Worker(proc=proc, log=log)


def _one(conn: psycopg.Connection, statement: str, params: tuple) -> tuple:
    row = conn.execute(statement, params).fetchone()
    if row is None:
        raise LookupError(statement)
    return tuple(row)


def _reset(conn: psycopg.Connection) -> None:
    for statement in (
        "TRUNCATE risk CASCADE",
        "TRUNCATE data_quality_flag, detection_watermark",
        "TRUNCATE detection_pass CASCADE",
    ):
        conn.execute(statement)


def _risks(conn: psycopg.Connection) -> set[tuple]:
    return set(
        conn.execute(
            "SELECT vehicle_id, kind, rule_id, status, severity, confidence, predicted_date, first_seen_at,"
            " last_seen_at FROM risk"
        ).fetchall()
    )


_RISK_FIELDS = ("status", "severity", "confidence", "predicted_date", "first_seen_at", "last_seen_at")


def risk_differences(base: set[tuple], other: set[tuple]) -> dict[str, Any]:
    """Return how `other` differs from `base` (risk tuples of ``_risks``): per kind, the risks only one of them has
    and, for a (vehicle, kind, rule) both have, which fields differ; with up to 5 examples."""
    mine = {r[:3]: r for r in base}
    theirs = {r[:3]: r for r in other}
    counts: dict[str, int] = {}
    examples: list[str] = []

    def note(key: str, example: str) -> None:
        counts[key] = counts.get(key, 0) + 1
        if len(examples) < 5:
            examples.append(example)

    for key in mine.keys() | theirs.keys():
        a, b = mine.get(key), theirs.get(key)
        if a == b:
            continue
        kind = str(key[1])
        if a is None or b is None:
            note(f"{kind}: only {'one worker' if b is None else 'sharded'}", f"{key} {a or b}")
            continue
        for name, x, y in zip(_RISK_FIELDS, a[3:], b[3:], strict=True):
            if x != y:
                note(f"{kind}: {name}", f"{key} {name} {x!r} -> {y!r}")
    return {"counts": dict(sorted(counts.items())), "examples": examples}


def one_worker(conn: psycopg.Connection, env: dict[str, str], now: datetime, tmp: Path) -> tuple[dict, set]:
    """Run ``python -m detection --once`` (one process, no shards); return its figures and the risks it left."""
    _reset(conn)
    started = time.monotonic()
    worker = _start(env, now, tmp / "one.log", once=True)
    with Sampler([worker]):
        worker.proc.wait()
    seconds = time.monotonic() - started
    return {"seconds": round(seconds, 2), **worker.figures()}, _risks(conn)


def _stop(workers: list[Worker]) -> None:
    for w in workers:
        if w.proc.poll() is None:
            w.proc.send_signal(signal.SIGTERM)
    for w in workers:
        try:
            w.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(w.proc.pid, signal.SIGKILL)
            w.proc.wait()


def _kill_mid_shard(conn: psycopg.Connection, workers: list[Worker], *, after_s: float) -> dict | None:
    """Once a worker that is not the leader has held a shard for `after_s` seconds, stop its process group, check
    it had not finished the shard, and kill it; return what was killed (None while no such shard is running yet)."""
    row = conn.execute(
        "SELECT s.shard, s.holder, extract(epoch FROM clock_timestamp() - s.started_at) FROM detection_shard s"
        " JOIN detection_pass p ON p.id = s.pass_id WHERE s.state = 'running' AND s.holder <> p.leader"
        " ORDER BY s.started_at LIMIT 1"
    ).fetchone()
    if row is None or float(row[2]) < after_s:
        return None
    shard, holder, held = row
    victim = next(w for w in workers if holder.endswith(f":{w.proc.pid}"))
    os.killpg(victim.proc.pid, signal.SIGSTOP)  # frozen first, so "mid-shard" is checked, not assumed
    state, still = _one(conn, "SELECT state, holder FROM detection_shard WHERE shard = %s", (shard,))
    os.killpg(victim.proc.pid, signal.SIGKILL)
    killed_at = time.monotonic()
    victim.killed = True
    victim.proc.wait()
    return {
        "shard": shard, "pid": victim.proc.pid, "held_s": round(float(held), 2),
        "mid_shard": state == "running" and still == holder, "at": killed_at,
    }  # fmt: skip


def sharded(
    conn: psycopg.Connection,
    env: dict[str, str],
    now: datetime,
    tmp: Path,
    *,
    shards: int,
    kill_after_s: float | None,
    timeout_s: float,
    tag: str,
) -> tuple[dict, set]:
    """Start `shards` scheduled processes, wait for their pass to be done (killing one mid-shard when
    `kill_after_s` is given), stop them; return the figures and the risks they left."""
    _reset(conn)
    started = time.monotonic()
    workers = [_start(env, now, tmp / f"{tag}-{i}.log", once=False) for i in range(shards)]
    killed: dict | None = None
    takeover_s = None
    state = None
    try:
        with Sampler(workers):
            deadline = started + timeout_s
            while time.monotonic() < deadline:
                row = conn.execute("SELECT state FROM detection_pass").fetchone()
                state = None if row is None else row[0]
                if state in ("done", "failed"):
                    break
                if kill_after_s is not None and killed is None and state == "running":
                    killed = _kill_mid_shard(conn, workers, after_s=kill_after_s)
                if killed is not None and killed["mid_shard"] and takeover_s is None:
                    (attempts,) = _one(
                        conn, "SELECT attempts FROM detection_shard WHERE shard = %s", (killed["shard"],)
                    )
                    if attempts >= 2:
                        takeover_s = round(time.monotonic() - killed["at"], 2)
                time.sleep(POLL_S)
            seconds = time.monotonic() - started
            _stop(workers)
    finally:
        for w in workers:
            if w.proc.poll() is None:
                os.killpg(w.proc.pid, signal.SIGKILL)
                w.proc.wait()
    shard_rows = conn.execute(
        "SELECT shard, holder, attempts, counts FROM detection_shard ORDER BY shard"
    ).fetchall()
    pass_line = next((e for w in workers for e in _events(w.log) if e.get("event") == "detection.pass"), None)
    out = {
        "shards": shards, "state": state, "seconds": round(seconds, 2),
        "workers": [w.figures() for w in workers],
        "shard_seconds": [None if r[3] is None else r[3].get("seconds") for r in shard_rows],
        "shard_vehicles": [None if r[3] is None else r[3].get("vehicles") for r in shard_rows],
        "attempts": [r[2] for r in shard_rows], "takeovers": None if pass_line is None else pass_line["takeovers"],
        "vehicles": None if pass_line is None else pass_line["vehicles"],
        "rows": None if pass_line is None else pass_line["rows"],
    }  # fmt: skip
    if kill_after_s is not None:
        out["kill"] = None if killed is None else {k: v for k, v in killed.items() if k != "at"}
        out["takeover_s"] = takeover_s
    return out, _risks(conn)


def _events(log: Path) -> list[dict]:
    out = []
    for line in log.read_text().splitlines():
        if line.startswith("{"):
            try:
                out.append(json.loads(line))
            except ValueError:
                continue
    return out


def measure_sharded(
    url: str, *, now: datetime, shards: int, kill_one: bool, lease_s: float, workers: int, lookback_days: int
) -> dict:
    """Run the one-worker baseline, the sharded pass and (with `kill_one`) the sharded pass with a kill; return the
    figures with the ratios to the baseline."""
    one_env = _env(url, shards=1, lease_s=lease_s, workers=workers, lookback_days=lookback_days)
    env = _env(url, shards=shards, lease_s=lease_s, workers=workers, lookback_days=lookback_days)
    with psycopg.connect(url, autocommit=True) as conn, tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        base, base_risks = one_worker(conn, one_env, now, tmp)
        timeout = max(120.0, 10 * base["seconds"]) + 4 * lease_s
        run, risks = sharded(
            conn, env, now, tmp, shards=shards, kill_after_s=None, timeout_s=timeout, tag="sh"
        )
        run["same_risks_as_one_worker"] = risks == base_risks
        run["risk_differences"] = risk_differences(base_risks, risks)
        out: dict[str, Any] = {"one_worker": base, "risks": len(base_risks), "sharded": run}
        if kill_one:
            # Half-way through a shard of the run just measured.
            done = [s for s in run["shard_seconds"] if s is not None]
            after = 0.5 * sorted(done)[len(done) // 2] if done else 0.0
            kill, risks = sharded(
                conn, env, now, tmp, shards=shards, kill_after_s=after, timeout_s=timeout, tag="kill"
            )  # fmt: skip
            kill["same_risks_as_one_worker"] = risks == base_risks
            kill["risk_differences"] = risk_differences(base_risks, risks)
            out["killed"] = kill
    for name in ("sharded", "killed"):
        if name in out:
            x = out[name]
            x["ratio_seconds_to_one_worker"] = round(x["seconds"] / max(base["seconds"], 1e-3), 2)
            peak = max(w["peak_rss_mb"] for w in x["workers"])
            x["ratio_peak_rss_to_one_worker"] = round(peak / max(base["peak_rss_mb"], 1e-3), 2)
    return out


def print_sharded(out: dict) -> None:
    """Print one line per run and per worker."""
    base = out["one_worker"]
    print(
        f"one worker (--once): {base['seconds']:.2f} s, peak RSS {base['peak_rss_mb']} MB,"
        f" with its rule workers peak PSS {base['tree_pss_peak_mb']} MB; {out['risks']} risks"
    )
    for name in ("sharded", "killed"):
        if name not in out:
            continue
        x = out[name]
        print(
            f"{name}: {x['shards']} workers, pass {x['state']} in {x['seconds']:.2f} s"
            f" ({x['ratio_seconds_to_one_worker']}x one worker), peak RSS per worker"
            f" {x['ratio_peak_rss_to_one_worker']}x; shard seconds {x['shard_seconds']}, attempts {x['attempts']},"
            f" same risks as one worker: {x['same_risks_as_one_worker']}"
        )
        for w in x["workers"]:
            print(
                f"  pid {w['pid']}: peak RSS {w['peak_rss_mb']} MB, tree peak PSS {w['tree_pss_peak_mb']} MB"
                f"{' (killed)' if w['killed'] else ''}"
            )
        if not x["same_risks_as_one_worker"]:
            print(f"  differences: {x['risk_differences']}")
        if "kill" in x:
            print(f"  killed: {x['kill']}; taken over {x['takeover_s']} s after the kill")
