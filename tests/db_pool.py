"""Per-test databases made ahead and dropped behind, off the test's clock.

Cloning the migrated template and dropping the clone wait on the disk's fsyncs (0.1–0.8 s each on the CI machine);
in tests/core and tests/notify that was 40 % of the workers' time. One thread keeps `ahead` clones ready and
another drops the used ones, so a test only waits when it outruns them. Every test still gets a fresh clone of the
template, never a database another test has touched."""

from __future__ import annotations

import queue
import threading
import uuid
from collections.abc import Callable


class DatabasePool:
    """Clones of `template` named `<prefix><random>`, made by `run(sql)` on an admin connection."""

    def __init__(self, run: Callable[[str], None], *, template: str, prefix: str, ahead: int = 2) -> None:
        self._run, self._template, self._prefix = run, template, prefix
        self._ready: queue.Queue[str | BaseException] = queue.Queue()
        self._slots = threading.Semaphore(ahead)  # clones made and not yet taken
        self._used: queue.Queue[str | None] = queue.Queue()
        self._closed = threading.Event()
        self._maker = threading.Thread(target=self._make, name="db-pool-make", daemon=True)
        # two at a time: the server overlaps their fsyncs, so two drops take little longer than one
        self._droppers = [
            threading.Thread(target=self._drop, name=f"db-pool-drop-{n}", daemon=True) for n in (1, 2)
        ]
        self._maker.start()
        for dropper in self._droppers:
            dropper.start()

    def take(self, timeout: float = 120.0) -> str:
        """Return a fresh clone (the test owns it until `give_back`); raise what making it raised."""
        got = self._ready.get(timeout=timeout)
        self._slots.release()
        if isinstance(got, BaseException):
            raise got
        return got

    def give_back(self, name: str) -> None:
        """Drop the clone in the background."""
        self._used.put(name)

    def close(self) -> None:
        """Stop making clones, drop the unused ones and wait for every drop."""
        self._closed.set()
        self._slots.release()  # wake the maker if it waits for a slot
        self._maker.join(timeout=60)
        while True:
            try:
                left = self._ready.get_nowait()
            except queue.Empty:
                break
            if isinstance(left, str):
                self._used.put(left)
        for _ in self._droppers:
            self._used.put(None)
        for dropper in self._droppers:
            dropper.join(timeout=120)

    def _make(self) -> None:
        while True:
            self._slots.acquire()
            if self._closed.is_set():
                return
            name = f"{self._prefix}{uuid.uuid4().hex[:6]}"
            try:
                self._run(f'CREATE DATABASE "{name}" TEMPLATE "{self._template}"')
            except BaseException as exc:  # handed to the test that takes it: the failure shows there
                self._ready.put(exc)
                continue
            self._ready.put(name)

    def _drop(self) -> None:
        while (name := self._used.get()) is not None:
            try:
                self._run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            except Exception:  # a leftover clone is harmless; the session's end sweeps by prefix
                continue
