"""The broker side of ingest (ingest/mqtt.py) against the real broker."""

from __future__ import annotations

from tests.conftest import wait_for
from tests.ingest.conftest import payload, stamp

VIN = "LTEST00000000000K"


def test_acks_count_as_traffic_for_pahos_keepalive(add_vehicle, ingest_settings, start_ingester, publisher):
    # paho 2.2 refreshes its "last packet out" time only when it pings; without our refresh (ack_all ->
    # core/paho_adapter.note_sent) it would send a PINGREQ every keepalive in the middle of a drain and drop the
    # connection when the PINGRESP, queued behind the publishes already on their way, comes back late (seen once
    # in a 1M-message drain). The paho internals read here are pinned by tests/core/test_mqtt_adapter.py.
    add_vehicle(VIN)
    ingester = start_ingester(ingest_settings)
    client = ingester._subscriber._client
    before = client._last_msg_out
    publisher.send(VIN, payload(VIN, [{"ts": stamp(1), "signals": {"Vehicle.Speed": 1.0}}]))
    wait_for(lambda: ingester.counters.acked == 1, what="the message acked")
    assert client._last_msg_out > before
    assert client._ping_t == 0  # no ping was needed meanwhile
