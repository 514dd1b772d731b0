"""A real `python -m api` (uvicorn in its own process) on a free port, for the tests that need what only a real
server shows: uvicorn's own log lines, a browser, the documented walkthrough run with curl."""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import ROOT, free_port, wait_for


@dataclass(frozen=True)
class ServedApi:
    """A started API process: its base URL, the process, and the file its stderr goes to."""

    url: str
    process: subprocess.Popen
    log: Path


@contextmanager
def serve_api(
    database_url: str, *, log: Path, env: Mapping[str, str] | None = None, timeout: float = 30.0
) -> Iterator[ServedApi]:
    """Run `python -m api` on 127.0.0.1 for this database until /livez answers 200; stop it on exit.

    `env` adds CARECAST_* settings (or anything else) to this process's environment; stderr (every log line)
    goes to `log`. Fails with the log's text if the process exits before it is live."""
    port = free_port()
    full_env = {**os.environ, "CARECAST_DATABASE__URL": database_url, **(env or {})}
    with log.open("w") as sink:  # the child keeps its own copy of the descriptor
        proc = subprocess.Popen(
            [sys.executable, "-m", "api", "--host", "127.0.0.1", "--port", str(port)],
            env=full_env,
            stdout=subprocess.DEVNULL,
            stderr=sink,
            cwd=ROOT,
        )
    url = f"http://127.0.0.1:{port}"

    def alive() -> bool:
        if proc.poll() is not None:
            raise AssertionError(f"api exited with status {proc.returncode}: {log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/livez", timeout=1) as resp:
                return resp.status == 200
        except OSError:
            return False

    try:
        wait_for(alive, timeout=timeout, what="api /livez")
        yield ServedApi(url=url, process=proc, log=log)
    finally:
        if proc.poll() is None:
            proc.terminate()
        proc.wait(timeout=15)
