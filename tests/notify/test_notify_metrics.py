"""Notify's Prometheus metrics: fed from the pass, aftercare, outbox and push reports plus the outboxes' backlog
(real database), and served by ``carecast notify`` on its port."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import urllib.request
from datetime import timedelta

import pytest
import structlog

from domain.workdays import ChinaCalendar
from notify.aftercare import AftercareReport
from notify.booking import BookingPolicy
from notify.channels import DeliveryError, Envelope, InAppChannel
from notify.job import PassReport, run_pass
from notify.metrics import Backlog, NotifyMetrics, read_backlog
from notify.outbox import OutboxReport, run_outbox
from notify.push import PushReport
from notify.signing import RetryPolicy
from tests.conftest import ROOT, free_port, wait_for
from tests.notify.test_notify_repository import NOW, seed_car, seed_reference

LOG = structlog.get_logger()


class BrokenChannel:
    name = "email"

    def send(self, envelope: Envelope) -> str:
        raise DeliveryError("mail relay down")


def test_reports_feed_passes_steps_deliveries_and_backlog():
    metrics = NotifyMetrics()
    report = PassReport(
        pending=3, notified=2, suggestions=1, without_options=1, skipped=0, failed=0, elapsed_ms=40
    )
    outbox = OutboxReport(dispatched=2, deferred=1, delivered=3, retrying=1, dead=1, elapsed_ms=20)
    backlog = {"deliveries": Backlog(pending=1, oldest_s=90.0)}
    metrics.observe_pass(report, aftercare=AftercareReport(1, 0, 40), outbox=outbox, backlog=backlog)
    metrics.observe_pass(
        PassReport(0, 0, 0, 0, 0, failed=1, elapsed_ms=5), aftercare=AftercareReport(0, 0, 0),
        outbox=OutboxReport(0, 0, 0, 0, 0, 0), backlog={},
    )  # fmt: skip
    metrics.observe_push(PushReport(delivered=1, retrying=0, dead=2, deferred=1, elapsed_ms=3))
    with pytest.raises(RuntimeError), metrics.failures("push"):
        raise RuntimeError("database gone")
    value = metrics.registry.get_sample_value
    assert value("carecast_notify_passes_total", {"result": "ok"}) == 1
    assert value("carecast_notify_passes_total", {"result": "risk_errors"}) == 1
    assert value("carecast_notify_push_runs_total", {"result": "ok"}) == 1
    assert value("carecast_notify_push_runs_total", {"result": "failed"}) == 1
    assert value("carecast_notify_pass_duration_seconds_sum") == pytest.approx(0.105)
    assert value("carecast_notify_case_steps_total", {"step": "notified"}) == 2
    assert value("carecast_notify_pending_risks") == 0  # the last pass's
    assert value("carecast_notify_aftercare_total", {"kind": "surveys"}) == 1
    assert value("carecast_notify_dispatches_total", {"result": "deferred"}) == 1
    assert value("carecast_notify_deliveries_total", {"target": "owner", "result": "dead"}) == 1
    assert value("carecast_notify_deliveries_total", {"target": "center", "result": "dead"}) == 2
    assert value("carecast_notify_outbox_oldest_seconds", {"outbox": "deliveries"}) == 90
    assert value("carecast_notify_outbox_pending", {"outbox": "pushes"}) == 0
    assert value("carecast_notify_last_pass_timestamp_seconds") > 0


def test_backlog_ages_a_retrying_delivery_until_it_is_dead(conn):
    seed_reference(conn)
    car = seed_car(conn, vin="LGWEF4A59NH000123")
    conn.execute(
        'UPDATE customer SET channels = \'{"email": "x@example.com"}\' WHERE id = %s', (car["customer"],)
    )
    channels = {"in_app": InAppChannel(conn), "email": BrokenChannel()}
    retry = RetryPolicy(max_attempts=2)
    metrics = NotifyMetrics()
    assert read_backlog(conn, now=NOW) == {
        name: Backlog(0, 0.0) for name in ("messages", "deliveries", "pushes")
    }

    report = run_pass(conn, calendar=ChinaCalendar(), policy=BookingPolicy(), now=NOW, log=LOG)
    assert read_backlog(conn, now=NOW)["messages"].pending == 1  # written, due, not yet dispatched
    first = run_outbox(conn, channels=channels, now=NOW, log=LOG, retry=retry)
    later = NOW + timedelta(minutes=10)
    backlog = read_backlog(conn, now=later)
    assert backlog["messages"] == Backlog(0, 0.0)
    assert backlog["deliveries"] == Backlog(1, 600.0)  # the e-mail, retrying since its dispatch at NOW
    metrics.observe_pass(report, aftercare=AftercareReport(0, 0, 0), outbox=first, backlog=backlog)
    assert (
        metrics.registry.get_sample_value("carecast_notify_outbox_oldest_seconds", {"outbox": "deliveries"})
        == 600
    )

    dead = run_outbox(conn, channels=channels, now=NOW + timedelta(hours=1), log=LOG, retry=retry)
    metrics.observe_pass(
        report, aftercare=AftercareReport(0, 0, 0), outbox=dead, backlog=read_backlog(conn, now=later)
    )
    value = metrics.registry.get_sample_value
    assert value("carecast_notify_deliveries_total", {"target": "owner", "result": "dead"}) == 1
    assert (
        value("carecast_notify_deliveries_total", {"target": "owner", "result": "delivered"}) == 1
    )  # in-app
    assert value("carecast_notify_outbox_pending", {"outbox": "deliveries"}) == 0


def test_carecast_notify_serves_its_metrics_and_the_health_check_passes(database):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARECAST_")} | {
        "CARECAST_DATABASE__URL": database.url, "CARECAST_LOG__FORMAT": "json",
        "CARECAST_NOTIFY__INTERVAL_S": "3600", "CARECAST_NOTIFY__METRICS_PORT": str(port),
    }  # fmt: skip
    proc = subprocess.Popen([sys.executable, "-m", "notify"], cwd=ROOT, env=env, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/metrics"
    try:

        def passed() -> bool:
            assert proc.poll() is None, "carecast notify exited"
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    text = response.read().decode()
            except OSError:
                return False  # not listening yet
            return 'carecast_notify_passes_total{result="ok"} 1.0' in text and (
                'carecast_notify_push_runs_total{result="ok"} 1.0' in text
            )

        wait_for(passed, timeout=60, what="the first pass and push run in /metrics")
        check = subprocess.run(
            [sys.executable, str(ROOT / "deploy" / "healthcheck.py"), url],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert check.returncode == 0, check.stdout
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
