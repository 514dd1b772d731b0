"""The load side of `bench.api`: a small asyncio HTTP/1.1 keep-alive client, closed- and open-loop pollers of the
suggested-bookings feed (or /livez), and the CPU each phase cost per request in the API, PostgreSQL and this client.
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import time

CENTERS = 20


class Connection:
    """One keep-alive HTTP/1.1 connection; a request returns (status, body)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str, *, token: str | None = None) -> tuple[int, bytes]:
        """Send a GET and return the status and body."""
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        auth = f"Authorization: Bearer {token}\r\n" if token else ""
        self.writer.write(f"GET {path} HTTP/1.1\r\nHost: bench\r\n{auth}\r\n".encode())
        assert self.reader is not None
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        return status, await self.reader.readexactly(length)


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


def _summary(latencies: list[float], elapsed: float, errors: int) -> dict:
    return {
        "requests": len(latencies),
        "errors": errors,
        "rps": round(len(latencies) / elapsed, 1),
        "p50_ms": round(_percentile(latencies, 0.50) * 1000, 2),
        "p99_ms": round(_percentile(latencies, 0.99) * 1000, 2),
    }


def _next_cursor(body: bytes) -> str | None:
    """Return the page's next_cursor from the envelope's tail (the items are not parsed: the load generator's CPU
    goes to sending requests, not to decoding 24 KB it does not use)."""
    tail = body[body.rindex(b'"next_cursor"') :]
    return json.loads(b"{" + tail)["next_cursor"]


def _feed_path(center: int, cursor: str | None) -> str:
    base = f"/v1/service-centers/{center}/suggested-bookings?limit=25"
    return base + (f"&cursor={cursor}" if cursor else "")


async def closed_loop(port: int, *, pollers: int, seconds: float, keys: list[str] | None) -> dict:
    """Run `pollers` connections back to back for `seconds`; the feed when keys are given, else /livez."""
    latencies: list[float] = []
    errors = 0
    stop = time.perf_counter() + seconds

    async def poller(i: int) -> None:
        nonlocal errors
        conn, cursor = Connection(port), None
        center = 1 + i % CENTERS
        while time.perf_counter() < stop:
            started = time.perf_counter()
            if keys is None:
                status, _ = await conn.get("/livez")
            else:
                status, body = await conn.get(_feed_path(center, cursor), token=keys[center - 1])
                cursor = _next_cursor(body) if status == 200 else None
            latencies.append(time.perf_counter() - started)
            errors += status != 200

    began = time.perf_counter()
    await asyncio.gather(*(poller(i) for i in range(pollers)))
    return _summary(latencies, time.perf_counter() - began, errors)


async def open_loop(port: int, *, rate: float, seconds: float, keys: list[str], connections: int) -> dict:
    """Offer feed requests at `rate` per second over a pool of connections; latency from the scheduled time."""
    queue: asyncio.Queue[float | None] = asyncio.Queue()
    latencies: list[float] = []
    errors = 0

    async def worker(i: int) -> None:
        nonlocal errors
        conn = Connection(port)
        center = 1 + i % CENTERS
        while (scheduled := await queue.get()) is not None:
            status, _ = await conn.get(_feed_path(center, None), token=keys[center - 1])
            latencies.append(time.perf_counter() - scheduled)
            errors += status != 200

    workers = [asyncio.create_task(worker(i)) for i in range(connections)]
    began = time.perf_counter()
    total = int(rate * seconds)
    for n in range(total):
        scheduled = began + n / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        queue.put_nowait(scheduled)
    for _ in workers:
        queue.put_nowait(None)
    await asyncio.gather(*workers)
    result = _summary(latencies, time.perf_counter() - began, errors)
    result["offered_rps"] = rate
    return result
