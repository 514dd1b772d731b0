"""End to end, one car: an injected weak 12V battery goes over MQTT through the real ingest process, detection and
notify raise and offer it, the owner books over the API, the center checks the car in and confirms the fault,
healthy telemetry after the swap verifies the fix, the case closes, and a low survey score reaches the center."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import psycopg

from simulators.demo import run_pipeline
from simulators.demo_case import walk_case
from simulators.scenario import FaultKind, build_scenario
from simulators.settings import SimulatorSettings

# Now, to the minute: the API offers only slots that have not ended by the wall clock.
END = datetime.now(UTC).replace(second=0, microsecond=0)


def test_one_case_from_injected_fault_to_survey_answer(database, mqtt, tmp_path):
    scenario = build_scenario(7, 10, END, days=40)
    assert any(f.kind is FaultKind.WEAK_12V for f in scenario.faults), "the scenario must inject a weak 12V"
    settings = SimulatorSettings(database=database, mqtt=mqtt)
    outcome = run_pipeline(settings, scenario=scenario, workdir=tmp_path)
    lines: list[str] = []
    walk = walk_case(settings, scenario=scenario, workdir=tmp_path, echo=lines.append)
    print("\n".join(lines))  # shown by pytest on failure

    assert "battery_12v" in outcome.found[walk.vin]
    statuses = {action: status for action, status, _ in walk.steps}
    for action in ("open owner page (phone)", "list booking options", "accept option", "check in", "complete", "fetch survey",
                   "answer survey", "read feed"):  # fmt: skip
        assert statuses[action] == 200, f"{action}: HTTP {statuses[action]}"
    stages = [
        line.rsplit("stage=", 1)[-1] for action, _, line in walk.steps if action == "detection + notify pass"
    ]
    assert stages == ["serviced", "closed"], "verified only after 7 quiet days past the grace period"

    case = walk.case
    assert (case["stage"], case["close_reason"], case["outcome"]) == ("closed", "verified", "fault_confirmed")
    assert case["parts_used"] == [{"sku": "BAT-12V-AGM70", "qty": 1}]
    stamps = [case[f"{s}_at"] for s in ("notified", "booked", "checked_in", "serviced", "verified", "closed")]
    assert all(stamps) and stamps == sorted(stamps)
    assert case["verified_at"] >= case["serviced_at"] + timedelta(days=10)

    assert walk.survey["answered_at"] is not None
    assert any(v == 2 for v in walk.survey["answers"].values())
    assert walk.feed_item is not None, "a score of 2 must put an alert into the center's feed"
    assert walk.feed_item["detail"]["case"]["risk_id"] == walk.risk_id
    assert walk.feed_item["detail"]["case"]["outcome"] == "fault_confirmed"

    row = next(line for line in walk.report.splitlines() if line.startswith("battery_12v_voltage"))
    confirmed, no_fault, precision, verified = row.split()[2:6]
    assert (confirmed, no_fault, precision, verified) == ("1", "0", "1.00", "1")
    with psycopg.connect(database.url) as conn:
        status = conn.execute("SELECT status FROM risk WHERE id = %s", (walk.risk_id,)).fetchone()[0]
        stock = conn.execute("SELECT count(*) FROM survey WHERE risk_id = %s", (walk.risk_id,)).fetchone()[0]
    assert status == "closed" and stock == 1
    assert any("low_feedback alert" in line for line in lines)
