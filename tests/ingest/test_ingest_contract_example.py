"""The MQTT contract's example payload (docs/mqtt-contract.md), with yesterday's date put in for its placeholder,
goes through the real broker and ingester and every one of its signals is stored: the documented example is one a
car can send today, and stays one."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from psycopg.rows import dict_row

from core.signals import COLUMNS
from tests.conftest import wait_for

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = "<YESTERDAY>"


def contract_example() -> str:
    """Return the text of the first JSON block of the contract's "Payload" section."""
    text = (ROOT / "docs" / "mqtt-contract.md").read_text("utf-8")
    section = text[text.index("\n## Payload\n") :]
    found = re.search(r"```json\n(.*?)```", section, re.S)
    assert found, "docs/mqtt-contract.md has no ```json block under ## Payload"
    return found.group(1)


def with_dates(example: str) -> str:
    """Return the example with yesterday's date (in the samples' +08:00) for the placeholder."""
    yesterday = datetime.now(timezone(timedelta(hours=8))).date() - timedelta(days=1)
    return example.replace(PLACEHOLDER, yesterday.isoformat())


def test_the_example_dates_are_placeholders_that_cannot_age_out():
    example = contract_example()
    assert example.count(PLACEHOLDER) == len(json.loads(with_dates(example))["samples"])
    assert not re.search(r"\d{4}-\d{2}-\d{2}T", example), "a fixed date is refused as ts_too_old a year later"


def test_the_contract_example_is_stored_whole(conn, add_vehicle, ingest_settings, start_ingester, publisher):
    body = with_dates(contract_example())
    message = json.loads(body)
    vehicle_id = add_vehicle(message["vin"])
    ingester = start_ingester(ingest_settings)

    publisher.send(message["vin"], body.encode())

    wait_for(lambda: ingester.counters.acked == 1, what="the example acked")
    assert conn.execute("SELECT reason, detail FROM ingest_reject").fetchall() == []
    with conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(
            "SELECT * FROM telemetry WHERE vehicle_id = %s ORDER BY ts", (vehicle_id,)
        ).fetchall()
    assert [row["ts"] for row in rows] == [datetime.fromisoformat(s["ts"]) for s in message["samples"]]
    for sample, row in zip(message["samples"], rows, strict=True):
        for path, value in sample["signals"].items():
            column = COLUMNS.get(path)
            stored = row[column] if column else (row["extra"] or {}).get(path)
            expected = pytest.approx(value, rel=1e-6) if isinstance(value, float) else value
            assert stored == expected, f"{path} in the sample at {sample['ts']}"
