"""Install and run the project's WASM TimescaleDB test engine (``tests/timescale/engine/``) for tests and benches.

Its npm dependencies are installed with ``npm ci`` from the committed lock into ``.run/timescaledb-wasm/`` (under a
file lock, once, reused by later runs until the lock changes). The server script is copied there too, because Node
resolves a script's imports from the script's own folder. Every `start` runs its own in-memory server.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg

ENGINE_DIR = Path("tests", "timescale", "engine")
_LOCKED = ("package.json", "package-lock.json")


def missing_runtime() -> str | None:
    """Return why the engine cannot run here (no Node.js or npm), or None when it can."""
    absent = [name for name in ("node", "npm") if shutil.which(name) is None]
    return f"{' and '.join(absent)} not found: the WASM TimescaleDB engine needs Node.js" if absent else None


@dataclass(frozen=True, slots=True)
class WasmTimescale:
    """A running engine: its DSN, the node process and the file its output goes to."""

    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def stop(self, *, timeout_s: float = 10.0) -> None:
        """End the server (SIGTERM, then SIGKILL after `timeout_s`) and remove its log."""
        self.process.terminate()
        try:
            self.process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stdin:
            self.process.stdin.close()
        self.log.unlink(missing_ok=True)


def start(
    *, repo_root: Path, port: int = 0, timeout_s: float = 120.0, timescaledb_not_preloaded: bool = False
) -> WasmTimescale:
    """Start an in-memory engine on 127.0.0.1:`port` (0: any free port) and return once it answers a query.

    `timescaledb_not_preloaded` plays TimescaleDB installed but missing from ``shared_preload_libraries``: the
    extension is available, not created, and ``CREATE EXTENSION timescaledb`` is answered with the loader's FATAL
    error and a closed connection (see the header of tests/timescale/engine/server.mjs).
    """
    options = ["--timescaledb-not-preloaded"] if timescaledb_not_preloaded else []
    cache = repo_root / ".run" / "timescaledb-wasm"
    script = _install(repo_root / ENGINE_DIR, cache, timeout_s=timeout_s)
    fd, log_name = tempfile.mkstemp(prefix="server-", suffix=".log", dir=cache)
    log = Path(log_name)
    with os.fdopen(fd, "wb") as out:
        # stdin stays open for the server's lifetime: when this process ends, however it ends, the server sees
        # end-of-file and exits, so no engine outlives its test run.
        process = subprocess.Popen(
            ["node", str(script), "--port", str(port), "--exit-with-stdin", *options],
            cwd=cache,
            stdin=subprocess.PIPE,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        url = _ready_url(process, log, timeout_s=timeout_s)
        with psycopg.connect(url, connect_timeout=10) as conn:
            conn.execute("SELECT 1")
    except BaseException:
        WasmTimescale("", process, log).stop()
        raise
    return WasmTimescale(url, process, log)


def _install(engine: Path, cache: Path, *, timeout_s: float) -> Path:
    """`npm ci` the engine's lock into `cache` unless that lock is installed there already; return the script."""
    cache.mkdir(parents=True, exist_ok=True)
    with open(cache / ".install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        wanted = hashlib.sha256(b"".join((engine / name).read_bytes() for name in _LOCKED)).hexdigest()
        stamp = cache / ".installed"
        if not (stamp.exists() and stamp.read_text() == wanted):
            stamp.unlink(missing_ok=True)
            for name in _LOCKED:
                shutil.copyfile(engine / name, cache / name)
            done = subprocess.run(
                ["npm", "ci", "--no-audit", "--no-fund", "--silent"],
                cwd=cache,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=max(timeout_s, 300.0),
            )
            if done.returncode != 0:
                raise RuntimeError(f"npm ci for the WASM TimescaleDB failed: {done.stderr.strip()[-2000:]}")
            stamp.write_text(wanted)
        # Replaced in one step, never rewritten in place: a server starting meanwhile never reads half a file.
        script = cache / "server.mjs"
        fresh = cache / "server.mjs.new"
        shutil.copyfile(engine / "server.mjs", fresh)
        fresh.replace(script)
        return script


def _ready_url(process: subprocess.Popen[bytes], log: Path, *, timeout_s: float) -> str:
    """Wait for the server's ``READY <dsn> ...`` line and return the DSN; raise with its output if it fails."""
    deadline = time.monotonic() + timeout_s
    while True:
        output = log.read_text(errors="replace")
        ready = [line for line in output.splitlines() if line.startswith("READY ")]
        if ready:
            return ready[0].split()[1]
        if process.poll() is not None or time.monotonic() > deadline:
            state = f"exited with {process.returncode}" if process.returncode is not None else "timed out"
            raise RuntimeError(f"WASM TimescaleDB did not start ({state}): {output.strip()[-2000:]}")
        time.sleep(0.1)
