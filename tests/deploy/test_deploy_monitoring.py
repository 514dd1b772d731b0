"""The Grafana dashboard, the Prometheus alert rules and scrape config in deploy/ parse, and every metric they name
is one a Carecast process exports (names collected from the metrics modules' registries, in this process)."""

from __future__ import annotations

import importlib
import json
import re
from pathlib import Path

import pytest
import yaml
from prometheus_client import CollectorRegistry

from detection.metrics import DetectionMetrics
from ingest.metrics import IngestMetrics
from notify.metrics import NotifyMetrics

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
ALERTS = DEPLOY / "prometheus" / "carecast-alerts.yml"
SCRAPE = DEPLOY / "prometheus" / "prometheus.yml"
DASHBOARD = DEPLOY / "grafana" / "carecast-dashboard.json"
METRIC = re.compile(r"\bcarecast_[a-z0-9_]+")
# The series a family of each type exposes, after the family's name (prometheus_client's text exposition).
SUFFIXES = {
    "counter": ("_total", "_created"),
    "gauge": ("",),
    "histogram": ("_bucket", "_count", "_sum", "_created"),
    "summary": ("", "_count", "_sum", "_created"),
    "info": ("_info",),
}


def _api_registry() -> CollectorRegistry:
    """The API's registry, from whichever module of the api package defines ApiMetrics (its layout moves)."""
    for path in sorted((ROOT / "api").rglob("*.py")):
        if "class ApiMetrics" in path.read_text("utf-8"):
            module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            return importlib.import_module(module).ApiMetrics().registry
    raise AssertionError("no ApiMetrics class under api/")


def _series(registry: CollectorRegistry) -> set[str]:
    return {
        family.name + suffix for family in registry.collect() for suffix in SUFFIXES.get(family.type, ("",))
    }


@pytest.fixture(scope="module")
def exported() -> dict[str, set[str]]:
    """Series names per process."""
    return {
        "ingest": _series(IngestMetrics().registry),
        "detection": _series(DetectionMetrics().registry),
        "notify": _series(NotifyMetrics().registry),
        "api": _series(_api_registry()),
    }


def _names(expr: str) -> set[str]:
    return set(METRIC.findall(expr))


def _balanced(expr: str) -> bool:
    depth = {"(": 0, "{": 0, "[": 0}
    closing = {")": "(", "}": "{", "]": "["}
    for char in re.sub(r'"[^"]*"', "", expr):
        if char in depth:
            depth[char] += 1
        elif char in closing:
            depth[closing[char]] -= 1
            if depth[closing[char]] < 0:
                return False
    return not any(depth.values())


def test_the_collected_names_are_the_exposed_ones(exported):
    """The name collection itself: a counter is exposed with _total, a histogram with _bucket."""
    assert "carecast_ingest_rejects_total" in exported["ingest"]
    assert "carecast_ingest_received_messages_total" in exported["ingest"]  # a custom collector
    assert "carecast_detection_pass_duration_seconds_bucket" in exported["detection"]
    assert "carecast_notify_outbox_oldest_seconds" in exported["notify"]
    assert "carecast_api_requests_total" in exported["api"]


def test_alert_rules_parse_and_name_only_exported_metrics(exported):
    every = set().union(*exported.values())
    groups = yaml.safe_load(ALERTS.read_text())["groups"]
    rules = [rule for group in groups for rule in group["rules"]]
    names = [rule["alert"] for rule in rules]
    assert len(names) == len(set(names)), "alert names must be unique"
    used: set[str] = set()
    for rule in rules:
        assert set(rule) <= {"alert", "expr", "for", "labels", "annotations"}, rule["alert"]
        assert rule["labels"]["severity"] in ("critical", "warning"), rule["alert"]
        assert rule["annotations"]["summary"] and rule["annotations"]["description"], rule["alert"]
        assert _balanced(rule["expr"]), rule["alert"]
        if "for" in rule:
            assert re.fullmatch(r"\d+[smh]", rule["for"]), rule["alert"]
        unknown = _names(rule["expr"]) - every
        assert not unknown, f"{rule['alert']} names {sorted(unknown)}, which no Carecast process exports"
        used |= _names(rule["expr"])
    # what the issue asks to watch: ingest lag and rejects, detection failures and duration, notify dead deliveries
    # and outbox age, API 5xx and latency
    for name in (
        "carecast_ingest_ack_lag_seconds", "carecast_ingest_rejects_total", "carecast_detection_passes_total",
        "carecast_detection_pass_duration_seconds_bucket", "carecast_notify_deliveries_total",
        "carecast_notify_outbox_oldest_seconds", "carecast_api_requests_total",
        "carecast_api_request_duration_seconds_bucket",
    ):  # fmt: skip
        assert name in used, f"no alert watches {name}"


def test_dashboard_parses_and_names_only_exported_metrics(exported):
    every = set().union(*exported.values())
    dashboard = json.loads(DASHBOARD.read_text())
    panels = dashboard["panels"]
    ids = [panel["id"] for panel in panels]
    assert len(ids) == len(set(ids)), "panel ids must be unique"
    assert [v["name"] for v in dashboard["templating"]["list"]] == ["datasource"]
    shown: set[str] = set()
    for panel in panels:
        if panel["type"] == "row":
            continue
        assert panel["datasource"]["uid"] == "${datasource}", panel["title"]
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            assert target["datasource"]["uid"] == "${datasource}", panel["title"]
            assert _balanced(target["expr"]), panel["title"]
            unknown = _names(target["expr"]) - every
            assert not unknown, f"panel {panel['title']!r} names {sorted(unknown)}, which no process exports"
            shown |= _names(target["expr"])
    for process, names in exported.items():  # every process has something on the dashboard
        assert shown & names, f"the dashboard shows nothing of {process}"


def test_scrape_config_reaches_every_metrics_endpoint_of_the_compose_file():
    scrape = yaml.safe_load(SCRAPE.read_text())
    assert [(DEPLOY / "prometheus" / name).is_file() for name in scrape["rule_files"]] == [True]
    targets = {
        job["job_name"]: target
        for job in scrape["scrape_configs"]
        for c in job["static_configs"]
        for target in c["targets"]
    }
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    expected = {"carecast-api": f"api:{compose['api']['environment']['CARECAST_API__PORT']}"}
    for service, group in (("ingest", "INGEST"), ("detect", "DETECTION"), ("notify", "NOTIFY")):
        env = compose[service]["environment"]
        assert env[f"CARECAST_{group}__METRICS_HOST"] == "0.0.0.0", (
            f"{service} must be reachable by the scraper"
        )
        expected[f"carecast-{service}"] = f"{service}:{env[f'CARECAST_{group}__METRICS_PORT']}"
    assert targets == expected
