"""Start and stop the WASM TimescaleDB test engine (``shared/tools/timescaledb-wasm``) for tests and benchmarks.

The tool folder may be read-only (CI), so its npm dependencies are installed once into ``.run/timescaledb-wasm/``
(under a file lock, reused by later runs) and every server gets its own state folder there, with ``node_modules``
linked to the shared install, so that two runs never share a PID or log file.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg

TOOL_ENV = "CARECAST_TSDB_WASM_DIR"
_PACKAGE_DIR = ("node_modules", "@unni-craftsman", "pglite")


def tool_dir(repo_root: Path) -> Path:
    """Return the folder of the engine's ``start`` script: $CARECAST_TSDB_WASM_DIR or shared/ beside the repo."""
    configured = os.environ.get(TOOL_ENV)
    return Path(configured) if configured else repo_root.parent / "shared" / "tools" / "timescaledb-wasm"


def missing_runtime() -> str | None:
    """Return why the engine cannot run here (no Node.js or npm), or None when it can."""
    absent = [name for name in ("node", "npm") if shutil.which(name) is None]
    return f"{' and '.join(absent)} not found: the WASM TimescaleDB engine needs Node.js" if absent else None


@dataclass(frozen=True, slots=True)
class WasmTimescale:
    """A running engine: its DSN, the node process id and its private state folder."""

    url: str
    pid: int
    state_dir: Path

    def stop(self, *, timeout_s: float = 10.0) -> None:
        """Terminate the server (SIGTERM, then SIGKILL after `timeout_s`) and remove its state folder."""
        _signal(self.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout_s
        while _alive(self.pid):
            if time.monotonic() > deadline:
                _signal(self.pid, signal.SIGKILL)
                break
            time.sleep(0.05)
        shutil.rmtree(self.state_dir, ignore_errors=True)


def start(*, repo_root: Path, port: int, timeout_s: float = 120.0) -> WasmTimescale:
    """Start an in-memory engine on 127.0.0.1:`port` and return once it answers a query."""
    tool = tool_dir(repo_root)
    if not (tool / "start").is_file():
        raise FileNotFoundError(f"no WASM TimescaleDB tool at {tool} (set {TOOL_ENV} to its folder)")
    cache = repo_root / ".run" / "timescaledb-wasm"
    _install(tool, cache, timeout_s=timeout_s)
    state = Path(tempfile.mkdtemp(prefix="server-", dir=cache))
    (state / "node_modules").symlink_to(cache / "node_modules", target_is_directory=True)
    done = subprocess.run(
        [str(tool / "start"), str(port)],
        env={**os.environ, "STATE_DIR": str(state)},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout_s,
    )
    pid_file = state / "server.pid"
    pid = int(pid_file.read_text()) if pid_file.exists() else None
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or pid is None or not lines:
        if pid is not None:
            WasmTimescale("", pid, state).stop()
        raise RuntimeError(
            f"WASM TimescaleDB did not start (exit {done.returncode}): {done.stderr.strip()[-2000:]}"
        )
    server = WasmTimescale(lines[-1], pid, state)
    try:
        _wait_accepting(server.url, timeout_s=30.0)
    except BaseException:
        server.stop()
        raise
    return server


def _install(tool: Path, cache: Path, *, timeout_s: float) -> None:
    """npm-install the tool's package.json into `cache` unless the same one is installed there already."""
    cache.mkdir(parents=True, exist_ok=True)
    with open(cache / ".install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        wanted = (tool / "package.json").read_bytes()
        have = cache / "package.json"
        if cache.joinpath(*_PACKAGE_DIR).is_dir() and have.exists() and have.read_bytes() == wanted:
            return
        have.unlink(missing_ok=True)  # a copy from the read-only tool folder is read-only too
        have.write_bytes(wanted)
        done = subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "--silent"],
            cwd=cache,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=max(timeout_s, 300.0),
        )
        if done.returncode != 0:
            have.unlink(missing_ok=True)
            raise RuntimeError(f"npm install for the WASM TimescaleDB failed: {done.stderr.strip()[-2000:]}")


def _wait_accepting(url: str, *, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with psycopg.connect(url, connect_timeout=5) as conn:
                conn.execute("SELECT 1")
            return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def _signal(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)


def _alive(pid: int) -> bool:
    # The server was started in the background by `start`, so it is not our child: we cannot wait() for it, and
    # once it exits it may linger as a zombie until its new parent reaps it, which counts as gone.
    if not Path("/proc").is_dir():
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    except OSError:
        return True
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"
