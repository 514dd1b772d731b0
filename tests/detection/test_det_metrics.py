"""Detection's Prometheus metrics: fed from the pass reports, and served by ``carecast detect`` on its port."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import urllib.request
from datetime import UTC, datetime

from prometheus_client.parser import text_string_to_metric_families

from detection.job import KindCounts, PassReport
from detection.metrics import DetectionMetrics
from tests.conftest import ROOT, free_port, wait_for

NOW = "2026-01-20T09:00:00Z"


def _report(**changes) -> PassReport:
    fields = dict(
        now=datetime(2026, 1, 20, 9, tzinfo=UTC), storage_mode="plain", refreshed_from=datetime(2026, 1, 17, tzinfo=UTC),
        rows=40, vehicles=2, kinds={"brake_pads": KindCounts(evaluated=2, flagged=1, opened=1)},
        duration_ms=1500.0, scope="all", phases_ms={"refresh": 500.0, "rules": 1000.0},
    )  # fmt: skip
    return PassReport(**(fields | changes))


def test_a_report_feeds_passes_duration_phases_and_risk_changes():
    metrics = DetectionMetrics()
    metrics.observe(_report())
    metrics.observe(_report(failed_rules=("ev_battery",), scope="changed", kinds={}))
    metrics.count_failed()
    value = metrics.registry.get_sample_value
    assert value("carecast_detection_passes_total", {"result": "ok"}) == 1
    assert value("carecast_detection_passes_total", {"result": "rule_errors"}) == 1
    assert value("carecast_detection_passes_total", {"result": "failed"}) == 1
    assert value("carecast_detection_pass_duration_seconds_count", {"scope": "all"}) == 1
    assert value("carecast_detection_pass_duration_seconds_sum", {"scope": "changed"}) == 1.5
    assert value("carecast_detection_phase_seconds_total", {"phase": "rules"}) == 2.0
    assert value("carecast_detection_rule_errors_total", {"rule_id": "ev_battery"}) == 1
    assert value("carecast_detection_risk_changes_total", {"kind": "brake_pads", "change": "opened"}) == 1
    assert value("carecast_detection_flags_total", {"kind": "brake_pads"}) == 1
    assert value("carecast_detection_vehicles_evaluated_total", {"kind": "brake_pads"}) == 2
    # every risk kind is exported from the start (0), so a dashboard shows a kind that never fired
    assert value("carecast_detection_flags_total", {"kind": "wipers"}) == 0
    assert value("carecast_detection_last_pass_timestamp_seconds") > 0


def _scrape(port: int) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        text = response.read().decode()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_carecast_detect_serves_its_metrics_and_the_health_check_passes(database, fleet, days_until):
    worn = fleet.vehicle()
    fleet.days(
        worn,
        days_until(datetime(2026, 1, 20).date(), 20),
        wear=88,
        odometer_m=lambda i: 9_000_000 + 30_000 * i,
    )
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARECAST_")} | {
        "CARECAST_DATABASE__URL": database.url, "CARECAST_LOG__FORMAT": "json",
        "CARECAST_DETECTION__INTERVAL_S": "3600", "CARECAST_DETECTION__METRICS_PORT": str(port),
    }  # fmt: skip
    proc = subprocess.Popen([sys.executable, "-m", "detection", "--now", NOW], cwd=ROOT, env=env,
                            stderr=subprocess.DEVNULL)  # fmt: skip
    ok = ("carecast_detection_passes_total", (("result", "ok"),))
    try:

        def passed() -> bool:
            assert proc.poll() is None, "carecast detect exited"
            try:
                return _scrape(port).get(ok) == 1
            except OSError:
                return False  # not listening yet

        wait_for(passed, timeout=60, what="the first pass in /metrics")
        samples = _scrape(port)
        assert (
            samples[("carecast_detection_risk_changes_total", (("change", "opened"), ("kind", "brake_pads")))]
            == 1
        )
        check = subprocess.run(
            [sys.executable, str(ROOT / "deploy" / "healthcheck.py"), f"http://127.0.0.1:{port}/metrics"],
            capture_output=True, text=True, timeout=30,
        )  # fmt: skip
        assert check.returncode == 0, check.stdout
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
