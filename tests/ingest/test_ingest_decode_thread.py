"""The decoder thread's inbound queue: bounded by queue_max (back-pressure), batches in arrival order."""

from __future__ import annotations

import threading
import time

import orjson
import structlog

from ingest.decode import Limits
from ingest.decode_thread import DecoderThread
from ingest.mqtt import Inbound

ROOT = "t/carecast"
VIN = "LTEST000000000001"


def inbound(n: int) -> Inbound:
    body = orjson.dumps(
        {
            "v": 1,
            "vin": VIN,
            "samples": [{"ts": f"2025-01-15T10:00:{n:02d}Z", "signals": {"Vehicle.Speed": n}}],
        }
    )
    return Inbound(f"{ROOT}/{VIN}/telemetry", body, mid=n + 1, qos=0, session=1, arrived=time.monotonic())


def decoder(queue_max: int) -> DecoderThread:
    return DecoderThread(
        topic_root=ROOT, limits=Limits(max_age=Limits().max_age * 100), queue_max=queue_max,
        batch_rows=100, batch_ms=10, log=structlog.get_logger(),
    )  # fmt: skip


def test_a_full_queue_holds_the_network_thread_until_the_decoder_takes_some():
    thread = decoder(queue_max=2)
    thread.put(inbound(0))
    thread.put(inbound(1))
    third = threading.Thread(target=thread.put, args=(inbound(2),), daemon=True)
    third.start()
    third.join(timeout=0.3)
    assert third.is_alive() and thread.depth() == 2  # waiting: the queue holds queue_max
    thread.start()
    third.join(timeout=10)
    assert not third.is_alive()
    thread.finish()
    assert thread.done.wait(timeout=10)
    mids = []
    while not thread.batches.empty():
        _, batch = thread.batches.get_nowait()
        mids.extend(message.mid for message, _ in batch)
    assert mids == [1, 2, 3]
