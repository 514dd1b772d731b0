"""The load side of `bench.api`: a small asyncio HTTP/1.1 keep-alive client, closed- and open-loop pollers of the
suggested-bookings feed (or /livez), the CPU each phase cost per request in the API, PostgreSQL and this client, and
the writer that changes suggestions as notify does and the write log that times how long a center takes to see
each change.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import resource
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import psycopg
from psycopg.rows import tuple_row
from psycopg.types.json import Jsonb

from core import bookings

# The API's RFC 9211 Cache-Status of a page served from its memory (api/feed/page.py: CACHE_HIT).
_CACHE_HIT = b"cache-status: carecast-feed; hit"


class Connection:
    """One keep-alive HTTP/1.1 connection; a request returns (status, head, body)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str, *, token: str | None = None) -> tuple[int, bytes, bytes]:
        """Send a GET and return the status, the response head (lower-cased) and the body."""
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        auth = f"Authorization: Bearer {token}\r\n" if token else ""
        self.writer.write(f"GET {path} HTTP/1.1\r\nHost: bench\r\n{auth}\r\n".encode())
        assert self.reader is not None
        head = (await self.reader.readuntil(b"\r\n\r\n")).lower()
        status = int(head.split(b" ", 2)[1])
        length = 0
        for line in head.split(b"\r\n"):
            if line.startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        return status, head, await self.reader.readexactly(length)


def _proc_table() -> dict[int, tuple[int, str, float]]:
    """Return pid -> (parent pid, command line, CPU seconds used) for every process /proc shows."""
    tick = os.sysconf("SC_CLK_TCK")
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue  # exited meanwhile
        table[int(entry)] = (int(fields[1]), cmdline, (int(fields[11]) + int(fields[12])) / tick)
    return table


class CpuMeter:
    """CPU seconds used by the API (the server process and its workers), PostgreSQL's backends of one database
    and this client, between two readings (Linux /proc; PostgreSQL only when it runs on this machine)."""

    def __init__(self, *, api_pid: int, dbname: str) -> None:
        self.api_pid, self.dbname = api_pid, dbname

    def read(self) -> dict[str, float]:
        """Return the CPU seconds used so far by api, postgres and client."""
        table = _proc_table()
        api = {self.api_pid}
        grew = True
        while grew:  # the server's descendants: uvicorn's worker processes
            found = {pid for pid, (ppid, _, _) in table.items() if ppid in api}
            grew = not found <= api
            api |= found
        own = resource.getrusage(resource.RUSAGE_SELF)
        return {
            "api": sum(table[pid][2] for pid in api if pid in table),
            "postgres": sum(
                cpu
                for _, cmd, cpu in table.values()
                if cmd.startswith("postgres:") and f" {self.dbname} " in cmd
            ),
            "client": own.ru_utime + own.ru_stime,
        }


async def metered(meter: CpuMeter, phase) -> dict:
    """Run a phase and add its CPU milliseconds per request (api, postgres, client) to its summary."""
    before = meter.read()
    result = await phase
    after = meter.read()
    n = max(1, result["requests"])
    result["cpu_ms"] = {part: round((after[part] - before[part]) * 1000 / n, 3) for part in before}
    return result


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def _summary(latencies: list[float], elapsed: float, errors: int, *, hits: int | None = None) -> dict:
    summary: dict[str, float | None] = {
        "requests": len(latencies),
        "errors": errors,
        "rps": round(len(latencies) / elapsed, 1),
        "p50_ms": round(_percentile(latencies, 0.50) * 1000, 2),
        "p99_ms": round(_percentile(latencies, 0.99) * 1000, 2),
    }
    if hits is not None:  # a feed phase: the share of answers the API's page cache served
        summary["cache_hit_rate"] = round(hits / len(latencies), 3) if latencies else None
    return summary


def _next_cursor(body: bytes) -> str | None:
    """Return the page's next_cursor from the envelope's tail (the items are not parsed: the load generator's CPU
    goes to sending requests, not to decoding 24 KB it does not use)."""
    tail = body[body.rindex(b'"next_cursor"') :]
    return json.loads(b"{" + tail)["next_cursor"]


def _feed_path(center: int, cursor: str | None) -> str:
    base = f"/v1/service-centers/{center}/suggested-bookings?limit=25"
    return base + (f"&cursor={cursor}" if cursor else "")


async def closed_loop(port: int, *, pollers: int, seconds: float, keys: list[str] | None) -> dict:
    """Run `pollers` connections back to back for `seconds`; the feed when keys (one per center, center i + 1 at
    index i) are given, else /livez. Poller i walks center 1 + i modulo the number of centers."""
    latencies: list[float] = []
    errors = hits = 0
    stop = time.perf_counter() + seconds

    async def poller(i: int) -> None:
        nonlocal errors, hits
        conn, cursor = Connection(port), None
        while time.perf_counter() < stop:
            started = time.perf_counter()
            if keys is None:
                status, _, _ = await conn.get("/livez")
            else:
                center = 1 + i % len(keys)
                status, head, body = await conn.get(_feed_path(center, cursor), token=keys[center - 1])
                cursor = _next_cursor(body) if status == 200 else None
                hits += _CACHE_HIT in head
            latencies.append(time.perf_counter() - started)
            errors += status != 200

    began = time.perf_counter()
    await asyncio.gather(*(poller(i) for i in range(pollers)))
    return _summary(latencies, time.perf_counter() - began, errors, hits=None if keys is None else hits)


@dataclass
class Write:
    """One changed suggestion: its center, the bytes that show it in a feed page, when its commit returned."""

    center: int
    marker: bytes
    committed_at: float | None = None  # time.perf_counter(); None while the COMMIT is on its way


class WriteLog:
    """The writes of the write phase until a poll of their center shows them (shared by the writer thread and the
    event loop): the stale-read window of each, and the polls sent after a commit that still showed the old page."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: defaultdict[int, list[Write]] = defaultdict(list)
        self.windows: list[float] = []
        self.stale_reads = 0
        self.stale_lag_max = 0.0
        self.writes = 0
        self.write_errors = 0

    def begin(self, *, center: int, suggestion_id: int) -> Write:
        """Record a write about to commit (before COMMIT, so a poll that sees it at once is not missed)."""
        # The feed item's JSON starts with its id (json_build_object in the booking_suggestion_item view).
        write = Write(center, b'{"id" : %d, "rank"' % suggestion_id)
        with self._lock:
            self._pending[center].append(write)
        return write

    def committed(self, write: Write, *, at: float) -> None:
        """Record when the write's COMMIT returned."""
        with self._lock:
            write.committed_at = at
            self.writes += 1

    def failed(self, write: Write | None) -> None:
        """Forget a write that rolled back."""
        with self._lock:
            self.write_errors += 1
            if write is not None:
                self._pending[write.center].remove(write)

    def observe(self, center: int, body: bytes, *, sent: float, arrived: float) -> None:
        """Match one page of `center` (request sent and answer arrived at these perf_counter times) with the
        center's pending writes: a write it shows gets its window, one it misses after the commit a stale read."""
        with self._lock:
            pending = self._pending.get(center)
            if not pending:
                return
            for write in list(pending):
                if write.marker in body:
                    pending.remove(write)
                    # Shown before the writer's commit() returned (the thread had not run yet): a window of 0.
                    since = 0.0 if write.committed_at is None else arrived - write.committed_at
                    self.windows.append(max(0.0, since))
                elif write.committed_at is not None and sent > write.committed_at:
                    self.stale_reads += 1
                    self.stale_lag_max = max(self.stale_lag_max, sent - write.committed_at)

    def summary(self, *, seconds: float, centers: int) -> dict:
        """Return the writes' figures: rate, errors, window p50/p99/max (ms), stale reads, writes never shown."""
        with self._lock:
            unseen = sum(1 for ws in self._pending.values() for w in ws if w.committed_at is not None)
            return {
                "writes": self.writes,
                "writes_per_s": round(self.writes / seconds, 1),
                "write_errors": self.write_errors,
                "centers": centers,
                "window_ms": {
                    "measured": len(self.windows),
                    "p50": round(_percentile(self.windows, 0.50) * 1000, 1),
                    "p99": round(_percentile(self.windows, 0.99) * 1000, 1),
                    "max": round(max(self.windows, default=float("nan")) * 1000, 1),
                },
                "stale_reads": self.stale_reads,
                "stale_lag_max_ms": round(self.stale_lag_max * 1000, 1),
                "unseen": unseen,
            }


async def open_loop(
    port: int,
    *,
    rate: float,
    seconds: float,
    keys: list[str],
    connections: int,
    writes: WriteLog | None = None,
) -> dict:
    """Offer feed requests at `rate` per second over a pool of connections; latency from the scheduled time.

    Without `writes`, connection i polls center 1 + i modulo the number of centers. With it, request n polls center
    1 + n modulo the number of centers (every center, in turn, on any connection, like a gateway polling for all
    of them) and every answer is matched with the log's pending writes."""
    queue: asyncio.Queue[tuple[float, int] | None] = asyncio.Queue()
    latencies: list[float] = []
    errors = hits = 0

    async def worker(i: int) -> None:
        nonlocal errors, hits
        conn = Connection(port)
        while (job := await queue.get()) is not None:
            scheduled, center = job
            if writes is None:
                center = 1 + i % len(keys)
            sent = time.perf_counter()
            status, head, body = await conn.get(_feed_path(center, None), token=keys[center - 1])
            arrived = time.perf_counter()
            latencies.append(arrived - scheduled)
            errors += status != 200
            hits += _CACHE_HIT in head
            if writes is not None and status == 200:
                writes.observe(center, body, sent=sent, arrived=arrived)

    workers = [asyncio.create_task(worker(i)) for i in range(connections)]
    began = time.perf_counter()
    total = int(rate * seconds)
    for n in range(total):
        scheduled = began + n / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        queue.put_nowait((scheduled, 1 + n % len(keys)))
    for _ in workers:
        queue.put_nowait(None)
    await asyncio.gather(*workers)
    result = _summary(latencies, time.perf_counter() - began, errors, hits=hits)
    result["offered_rps"] = rate
    return result


# The open offers the writer replaces, per center (bench-side reads; the writes go through core.bookings).
_OPEN_OFFERS = """
SELECT center_id, risk_id, vehicle_id, technician_id FROM booking_suggestion WHERE status = 'suggested'
ORDER BY center_id, risk_id
"""
_OFFERED = "SELECT id FROM booking_suggestion WHERE risk_id = %(risk_id)s AND status = 'suggested'"


class SuggestionWriter(threading.Thread):
    """Changes suggestions as notify does while the feed is polled: `per_s` distinct centers a second, evenly
    spaced; for each, one transaction releases the offer of one of the center's risks and offers a fresh one
    (``core.bookings.release_offers`` then ``insert``, notify/job.py's order), so the page cache is invalidated by
    the product's triggers. Each write goes into `log` before its COMMIT and is stamped when the COMMIT returned."""

    def __init__(self, url: str, *, per_s: int, seconds: float, log: WriteLog, seed: int = 19) -> None:
        super().__init__(name="bench-writer", daemon=True)
        self.url, self.per_s, self.seconds, self.log = url, per_s, seconds, log
        self.rng = random.Random(seed)
        self.error: BaseException | None = None
        self._halt = threading.Event()

    def stop(self) -> None:
        """End the writes early (the phase is over) and wait for the thread."""
        self._halt.set()
        self.join()
        if self.error is not None:
            raise RuntimeError("the bench writer failed") from self.error

    def run(self) -> None:
        try:
            with psycopg.connect(self.url, autocommit=True, row_factory=tuple_row) as conn:
                offers: dict[int, deque[tuple[int, int, int]]] = {}
                for center, risk, vehicle, technician in conn.execute(_OPEN_OFFERS):
                    offers.setdefault(center, deque()).append((risk, vehicle, technician))
                centers, batch = sorted(offers), list[int]()
                began = time.perf_counter()
                for n in range(int(self.per_s * self.seconds)):
                    if self._halt.wait(max(0.0, began + n / self.per_s - time.perf_counter())):
                        return
                    if not batch:  # distinct centers within each second
                        batch = self.rng.sample(centers, self.per_s)
                    center = batch.pop()
                    offers[center].rotate(-1)
                    self._write(conn, center=center, offer=offers[center][0], n=n)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the main thread by stop()
            self.error = exc

    def _write(self, conn: psycopg.Connection, *, center: int, offer: tuple[int, int, int], n: int) -> None:
        risk, vehicle, technician = offer
        now = datetime.now(UTC)
        slot = now.replace(microsecond=0) + timedelta(days=3, hours=n % 48)
        option = {
            "risk_id": risk,
            "vehicle_id": vehicle,
            "center_id": center,
            "technician_id": technician,
            "rank": 1,
            "slot_start": slot,
            "slot_end": slot + timedelta(hours=1),
            "deadline": (now + timedelta(days=15)).date(),
            "distance_km": 4.2,
            "parts": Jsonb(
                [{"sku": "BAT-12V-AGM70", "name": "12V AGM battery 70Ah", "qty": 1, "in_stock": True}]
            ),
            "reason": "nearest center",
            "estimate": None,
            "expires_at": slot,
        }
        write = None
        try:
            with conn.transaction():
                bookings.release_offers(conn, risk_id=risk, now=now)
                bookings.insert(conn, options=[option])
                row = conn.execute(_OFFERED, {"risk_id": risk}).fetchone()
                assert row is not None, "the fresh offer was not inserted"
                write = self.log.begin(center=center, suggestion_id=row[0])
            self.log.committed(write, at=time.perf_counter())
        except psycopg.Error:
            self.log.failed(write)
