"""``python -m ingest``: subscribe to vehicle telemetry and store it until SIGTERM/SIGINT."""

from __future__ import annotations

import argparse
import gc
import signal
import sys

from core.log import configure_logging
from ingest.service import Ingester
from ingest.settings import IngestSettings

# Three threads share the GIL (paho's network thread, the decoder, the writer). The network thread gives it up on
# every socket read and the writer on every database round trip; with Python's default 5 ms switch interval each
# of them then waits up to 5 ms for a busy decoder to let go. 0.5 ms measured 20-50 % more rows/s in bench.ingest.
_GIL_SWITCH_S = 0.0005
# The hot path allocates a few container objects per sample (row tuples, decoded messages) and keeps tens of
# thousands alive in the receive window and the batches; with the default threshold (700) the young-generation
# collections keep re-scanning them. Startup objects are frozen out of the collector (gc.freeze) and young
# collections wait for 50,000 net container allocations. A scratch A/B draining 40,000 queued 20-sample messages
# (alternating runs): 9.1 and 9.8 us of ingester CPU per row before, 7.6 and 7.8 after. Almost all garbage here is
# freed by reference counting; the collector only ever finds the rare cycle.
_GC_YOUNG_THRESHOLD = 50_000


def main(argv: list[str] | None = None) -> int:
    """Run the ingester until SIGTERM or SIGINT; return 0 after a clean shutdown."""
    parser = argparse.ArgumentParser(
        prog="python -m ingest",
        description="Store MQTT telemetry in PostgreSQL (settings from CARECAST_* environment variables).",
    )
    parser.add_argument(
        "--client-id", help="MQTT client id (default: CARECAST_INGEST__CLIENT_ID or carecast-ingest)"
    )
    parser.add_argument("--subscription", help="topic filter, e.g. '$share/carecast/dt/carecast/+/telemetry'")
    args = parser.parse_args(argv)
    settings = IngestSettings()
    overrides = {k: v for k, v in (("client_id", args.client_id), ("subscription", args.subscription)) if v}
    if overrides:
        settings = settings.tuned(**overrides)
    log = configure_logging(settings.log, process="ingest")
    ingester = Ingester(settings, log=log)

    def on_signal(signum: int, frame: object) -> None:
        log.info("shutdown_requested", signal=signal.Signals(signum).name)
        ingester.request_stop()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    log.info(
        "ingest_starting",
        client_id=settings.ingest.client_id,
        subscription=settings.subscription_filter(),
        status_topic=settings.status_topic(),
        batch_rows=settings.ingest.batch_rows,
        batch_ms=settings.ingest.batch_ms,
        metrics_port=settings.ingest.metrics_port or None,
    )
    sys.setswitchinterval(_GIL_SWITCH_S)
    gc.freeze()
    gc.set_threshold(_GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])
    ingester.start()
    # Short joins so the main thread keeps running the signal handlers.
    while not ingester.join(timeout=0.5):
        pass
    return 1 if ingester.abandoned else 0


if __name__ == "__main__":
    sys.exit(main())
