"""An Ingester for a test, in the test's own process: its settings (own client id, short batches and retries) and a
start that waits for the subscription. Used by the ingest tests' fixtures and by tests of other packages."""

from __future__ import annotations

import uuid
from typing import Any

from core.log import configure_logging
from core.settings import DatabaseSettings, LogSettings, MqttSettings
from ingest.service import Ingester
from ingest.settings import IngestSettings, IngestTuning


def ingest_settings_for(database: DatabaseSettings, mqtt: MqttSettings, **tuning: Any) -> IngestSettings:
    """Return settings for an ingester of this test; `tuning` overrides IngestTuning fields."""
    return IngestSettings(
        database=database,
        mqtt=mqtt,
        ingest=IngestTuning(
            **{
                "client_id": f"test-ingest-{uuid.uuid4().hex[:8]}",
                "batch_ms": 50,
                "retry_initial_s": 0.05,
                "retry_max_s": 0.5,
                "shutdown_grace_s": 5,
                **tuning,
            }
        ),
        log=LogSettings(level="INFO", format="console"),
    )


def started_ingester(settings: IngestSettings) -> Ingester:
    """Start an Ingester and wait until the broker has granted its subscription."""
    ingester = Ingester(settings, log=configure_logging(settings.log, process="ingest-test"))
    ingester.start()
    assert ingester.subscribed.wait(10), "ingester did not subscribe"
    return ingester
