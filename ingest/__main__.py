"""``carecast ingest`` (``python -m ingest``): subscribe to vehicle telemetry and store it until SIGTERM/SIGINT."""

from __future__ import annotations

import gc
import signal
import sys
from collections.abc import Sequence

import click

from core.cli import CONTEXT_SETTINGS, run_command
from core.log import configure_logging
from ingest.service import Ingester
from ingest.settings import IngestSettings

# Three threads share the GIL (paho's network thread, the decoder, the writer). The network thread gives it up on
# every socket read and the writer on every database round trip; with Python's default 5 ms switch interval each
# of them then waits up to 5 ms for a busy decoder to let go. bench.ingest measures the effect (docs/ingest.md,
# "Process tuning").
_GIL_SWITCH_S = 0.0005
# The hot path allocates a few container objects per sample (row tuples, decoded messages) and keeps tens of
# thousands alive in the receive window and the batches; with the default threshold (700) the young-generation
# collections keep re-scanning them. Startup objects are frozen out of the collector (gc.freeze) and young
# collections wait for 50,000 net container allocations (ingester CPU per row: bench.ingest, docs/ingest.md
# "Process tuning"). Almost all garbage here is freed by reference counting; the collector only finds the rare cycle.
_GC_YOUNG_THRESHOLD = 50_000


@click.command(name="ingest", context_settings=CONTEXT_SETTINGS)
@click.option(
    "--client-id", help="MQTT client id.  [default: CARECAST_INGEST__CLIENT_ID, else carecast-ingest]"
)
@click.option("--subscription", metavar="FILTER",
              help="Topic filter, e.g. '$share/carecast/dt/carecast/+/telemetry' for a shared subscription.")  # fmt: skip
def command(client_id: str | None, subscription: str | None) -> int:
    """Store vehicle telemetry from MQTT in PostgreSQL until stopped.

    Subscribes with QoS 1 and a persistent session, writes batches with COPY and acknowledges each message only
    once its rows are committed, so nothing is lost when the process dies. Stops cleanly on SIGTERM or Ctrl-C;
    SIGUSR1 retires it from a shared subscription (unsubscribe, drain, end its session; docs/ingest.md).
    Settings: CARECAST_MQTT__*, CARECAST_DATABASE__*, CARECAST_INGEST__*.
    """
    settings = IngestSettings()
    overrides = {k: v for k, v in (("client_id", client_id), ("subscription", subscription)) if v}
    if overrides:
        settings = settings.tuned(**overrides)
    log = configure_logging(settings.log, process="ingest")
    ingester = Ingester(settings, log=log)

    def on_signal(signum: int, frame: object) -> None:
        log.info("shutdown_requested", signal=signal.Signals(signum).name)
        ingester.request_stop()

    def on_retire(signum: int, frame: object) -> None:
        if ingester.retiring and signum != signal.SIGUSR1:  # a second SIGTERM cuts the retire short
            on_signal(signum, frame)
            return
        log.info("retire_requested", signal=signal.Signals(signum).name)
        ingester.retire()

    # SIGUSR1 retires (docs/ingest.md, "Retiring an ingester"); Ctrl-C cuts a retire short (the session stays).
    signal.signal(signal.SIGTERM, on_retire if settings.ingest.retire_on_stop else on_signal)
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGUSR1, on_retire)
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


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ingester until SIGTERM or SIGINT; return 0 after a clean shutdown."""
    return run_command(command, argv)


if __name__ == "__main__":
    sys.exit(main())
