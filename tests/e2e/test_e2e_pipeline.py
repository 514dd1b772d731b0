"""End to end: a fleet with injected faults goes through MQTT, the real ingest, detection, notify and API processes;
the API must show exactly the expected risk kinds per vehicle, booking suggestions at suitable centers in the car's
region, and nothing for healthy vehicles."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from domain.vocabulary import RULE_KINDS, RiskKind
from simulators.demo import run_pipeline
from simulators.scenario import build_scenario
from simulators.settings import SimulatorSettings

# Yesterday 10:00 UTC: recent enough for ingest's retention check, and the scenario derives its expected
# outcome (which regions are in winter) from the climate at that date, so any season works.
END = (datetime.now(UTC) - timedelta(days=1)).replace(hour=10, minute=0, second=0, microsecond=0)
SKILL = {
    RiskKind.BATTERY_12V: "electrical",
    RiskKind.EV_BATTERY_SOH: "high_voltage",
    RiskKind.BRAKE_PADS: "brakes",
    RiskKind.WINTER_PREP: "general",
    RiskKind.MAINTENANCE_DUE: "general",
}


@pytest.fixture
def outcome_and_scenario(database, mqtt, tmp_path):
    scenario = build_scenario(11, 16, END, days=40)
    settings = SimulatorSettings(database=database, mqtt=mqtt)
    return run_pipeline(settings, scenario=scenario, workdir=tmp_path), scenario


def test_pipeline_finds_exactly_the_injected_faults(outcome_and_scenario, database, tmp_path):
    outcome, scenario = outcome_and_scenario
    expected = {vin: {str(k) for k in kinds} for vin, kinds in scenario.expected.items()}
    assert any(expected.values()), "the scenario must inject faults"
    assert all(kinds for kinds in expected.values()) is False, "the scenario must have healthy vehicles"
    # The scenario injects no seasonal-care faults (wipers, tyres, summer, holiday trips) and no trouble codes (those
    # are the lifecycle simulator's, simulators/dtc.py): none may be found either.
    seasonal = {
        RiskKind.WIPERS,
        RiskKind.TYRE_PRESSURE,
        RiskKind.SUMMER_CARE,
        RiskKind.HOLIDAY_TRIP,
        RiskKind.DTC,
    }
    for kind in set(RULE_KINDS) - seasonal:  # owner requests come from owners, not from rules
        assert any(kind in kinds for kinds in expected.values()), f"no vehicle expected to get {kind}"

    found = {vin: outcome.found.get(vin, set()) for vin in expected}
    assert found == expected
    healthy = [vin for vin, kinds in expected.items() if not kinds]
    assert not any(outcome.found.get(vin) for vin in healthy)

    region = {v.vin: v.region for v in scenario.fleet.vehicles}
    center_region = {c.code: c.region for c in scenario.fleet.centers}
    with psycopg.connect(database.url) as conn:
        skills = dict(conn.execute("SELECT id, skills FROM technician").fetchall())
        for item in outcome.suggestions:
            vin, kind = item["vehicle"]["vin"], RiskKind(item["risk"]["kind"])
            assert center_region[item["center_code"]] == region[vin], (
                "suggested a center outside the car's region"
            )
            assert SKILL[kind] in skills[item["technician"]["id"]]
            assert item["slot_start"] > END.isoformat().replace("+00:00", "Z")
            assert item["risk"]["evidence"]["readings"], "suggestion without evidence"
        # one first-notice message per risk, in the owner's language
        rows = conn.execute(
            "SELECT r.id, count(m.id), bool_and(m.locale = c.locale) FROM risk r"
            " JOIN vehicle v ON v.id = r.vehicle_id JOIN customer c ON c.id = v.customer_id"
            " LEFT JOIN care_message m ON m.risk_id = r.id GROUP BY r.id"
        ).fetchall()
        assert rows and all(n == 1 and same_locale for _, n, same_locale in rows)
        counts = conn.execute(
            "SELECT (SELECT count(*) FROM risk), (SELECT count(*) FROM care_message),"
            " (SELECT count(*) FROM booking_suggestion)"
        ).fetchone()

    # Jobs running again must not duplicate anything.
    env = {**os.environ, "CARECAST_DATABASE__URL": database.url}
    for module in ("detection", "notify"):
        subprocess.run(
            [sys.executable, "-m", module, "--once", "--now", END.isoformat()],
            env=env, check=True, capture_output=True,
        )  # fmt: skip
    with psycopg.connect(database.url) as conn:
        again = conn.execute(
            "SELECT (SELECT count(*) FROM risk), (SELECT count(*) FROM care_message),"
            " (SELECT count(*) FROM booking_suggestion)"
        ).fetchone()
    assert again == counts
