"""``carecast demo --case``: after the pipeline's first pass, one car with a weak 12V battery walks its whole case.

Over HTTP against the real API the owner books an offer, the center checks the car in and confirms the fault; the
car then sends healthy telemetry over MQTT through the real ingest process for two weeks after the swap, detection
and notify passes run at compressed times until telemetry verifies the fix and the case closes, and the owner's
low survey score lands in the center's feed with the case attached. Each step prints as one line.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import cast

import orjson
import psycopg
from psycopg.rows import dict_row

from core import owner_links
from core.db import one, scalar
from domain.vocabulary import RiskKind
from simulators.demo import customer_id_of, ingesting, run_stage, serving_api, stage_env, wait_until
from simulators.models import Sample, fleet_models
from simulators.publish import Publisher
from simulators.scenario import FaultKind, Scenario, local_date
from simulators.settings import SimulatorSettings


@dataclass(frozen=True, slots=True)
class CaseWalk:
    """One car's case from fault to survey: each step's line and HTTP status, the final records, the report."""

    vin: str
    risk_id: int
    steps: list[tuple[str, int, str]]  # (action, HTTP status or 0 for a process, readable line)
    case: dict
    survey: dict
    feed_item: dict | None
    report: str


def _http(method: str, url: str, token: str, body: dict | None = None) -> tuple[int, dict]:
    """Send one JSON request; return (status, decoded body) for success and error answers alike."""
    data = None if body is None else orjson.dumps(body)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, orjson.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, orjson.loads(exc.read() or b"{}")


def _healthy_after(scenario: Scenario, vin: str, *, days: int) -> list[Sample]:
    """Return the car's samples for `days` local days after the scenario's end with its weak 12V battery replaced."""
    model = next(m for m in fleet_models(scenario) if m.vehicle.vin == vin)
    for offset in range(scenario.days):  # replay the window so the odometer continues where it stopped
        model.day_samples(model.reference + timedelta(days=offset), until=scenario.end)
    model.faults = {k: f for k, f in model.faults.items() if k is not FaultKind.WEAK_12V}
    last = local_date(scenario.end, model.vehicle.region)
    return [s for d in range(1, days + 1) for s in model.day_samples(last + timedelta(days=d))]


def walk_case(settings: SimulatorSettings, *, scenario: Scenario, workdir: Path, echo=print) -> CaseWalk:
    """After run_pipeline: take one weak-12V car from its offer to a closed, verified case with a survey answer."""
    log, env, url = workdir / "stages.log", stage_env(settings), settings.database.url
    weak = [f.vin for f in scenario.faults if f.kind is FaultKind.WEAK_12V]
    vin = min(weak, key=lambda v: (scenario.expected[v] != {RiskKind.BATTERY_12V}, v))
    steps: list[tuple[str, int, str]] = []

    def step(at: datetime, actor: str, action: str, status: int, text: str) -> None:
        line = f"{at:%Y-%m-%d %H:%M}Z  {actor:<7} {action:<26} {status or '-':>3}  {text}"
        steps.append((action, status, line))
        echo(line)

    def jobs(at: datetime) -> None:
        for module in ("detection", "notify"):
            run_stage(module, "--once", "--now", at.isoformat(), env=env, log=log)
        with psycopg.connect(url) as conn:
            stage = scalar(conn, "SELECT stage FROM care_case WHERE risk_id = %s", (risk_id,))
        step(at, "jobs", "detection + notify pass", 0, f"case stage={stage}")

    echo(f"\nOne case, end to end: {vin} (injected: weak 12V battery)")
    echo(
        "API calls run on the wall clock; the car's days after the swap and the job passes on the compressed one."
    )
    with serving_api(env, log=log) as base:
        owner = run_stage(
            "api.keys", "owner-token", "--customer-id", str(customer_id_of(url, vin)), env=env, log=log
        )
        owner = owner.splitlines()[-1]
        now = datetime.now(UTC)
        with psycopg.connect(url, autocommit=True) as conn:
            token = owner_links.mint_for_customer(
                conn,
                customer_id=customer_id_of(url, vin),
                vin=vin,
                now=now,
                ttl=timedelta(days=30),
                created_by="demo",
            )
        link = owner_links.link_url(base, token)
        with urllib.request.urlopen(link, timeout=10) as page:  # noqa: S310 (our own API on 127.0.0.1)
            step(now, "owner", "open owner page (phone)", page.status, link)
        status, body = _http("GET", f"{base}/v1/vehicles/{vin}/booking-options", owner)
        offers = [
            i for i in body.get("items", []) if i["kind"] == "battery_12v" and i["status"] == "suggested"
        ]
        step(now, "owner", "list booking options", status, f"{len(offers)} offers for battery_12v")
        pick = offers[0]
        status, booked = _http("POST", f"{base}/v1/vehicles/{vin}/booking-options/{pick['id']}/accept", owner)
        risk_id, center_id = booked["risk_id"], booked["center_id"]
        total = (pick.get("estimate") or {}).get("total")  # Money: {"amount": "1560.00", "currency": "CNY"}
        price_text = f"{total['amount']} {total['currency']}" if isinstance(total, dict) else "no price"
        step(now, "owner", "accept option", status,
             f"{pick['center']['name']} {pick['slot_start']} with {pick['technician_name']}, {price_text}; "
             f"stage={booked['stage']}")  # fmt: skip
        with psycopg.connect(url) as conn:
            code = scalar(conn, "SELECT code FROM service_center WHERE id = %s", (center_id,))
        key = run_stage(
            "api.keys", "create", "--center", code, "--label", "demo", env=env, log=log
        ).splitlines()[-1]
        done = f"{base}/v1/service-centers/{center_id}/bookings/{booked['id']}"
        status, body = _http("POST", f"{done}/check-in", key)
        step(datetime.now(UTC), "center", "check in", status, f"{code}: stage={body.get('stage')}")
        status, body = _http("POST", f"{done}/start", key)
        step(
            datetime.now(UTC),
            "center",
            "start work",
            status,
            f"work_started_at={body.get('work_started_at')}",
        )
        used = {"outcome": "fault_confirmed", "parts_used": [{"sku": "BAT-12V-AGM70", "qty": 1}]}
        status, body = _http("POST", f"{done}/complete", key, used)
        step(datetime.now(UTC), "center", "complete", status,
             f"outcome={body.get('outcome')} parts=BAT-12V-AGM70x1 stage={body.get('stage')}")  # fmt: skip
        # Time is compressed: the days after the swap are stamped ahead of the wall clock, so this ingester
        # tolerates samples up to three weeks in the future.
        samples = _healthy_after(scenario, vin, days=14)
        future = {**env, "CARECAST_INGEST__MAX_FUTURE_S": str(21 * 86400)}
        with ingesting(future, log=log), psycopg.connect(url, autocommit=True) as conn:
            before = scalar(conn, "SELECT count(*) FROM telemetry")
            with Publisher(settings.mqtt) as pub:
                for i in range(0, len(samples), 20):
                    pub.publish(vin, samples[i : i + 20])
                pub.flush()
            total = before + len(samples)
            wait_until(lambda: scalar(conn, "SELECT count(*) FROM telemetry") >= total,
                  timeout=60, what="the healthy telemetry in the database")  # fmt: skip
        # a Sample's values are typed object: "signals" is {VSS path: value}, "ts" an aware datetime
        volts = [
            cast(dict[str, float], s["signals"]).get("Vehicle.LowVoltageBattery.CurrentVoltage", 99.0)
            for s in samples
        ]
        first, last = (
            cast(datetime, samples[0]["ts"]).astimezone(UTC),
            cast(datetime, samples[-1]["ts"]).astimezone(UTC),
        )
        step(first, "car", "healthy telemetry via MQTT", 0,
             f"{len(samples)} samples {first:%m-%d}..{last:%m-%d}, lowest 12V reading {min(volts)} V")  # fmt: skip
        jobs(scenario.end + timedelta(days=5))
        jobs(scenario.end + timedelta(days=15))
        status, body = _http("GET", f"{base}/v1/vehicles/{vin}/surveys", owner)
        survey = body["items"][0]
        step(
            datetime.now(UTC),
            "owner",
            "fetch survey",
            status,
            ", ".join(q["id"] for q in survey["questions"]),
        )
        answers = {
            q["id"]: {"score": 2, "nps": 3}.get(q["type"], "Had to wait an hour past the slot.")
            for q in survey["questions"]
        }
        status, survey = _http(
            "POST", f"{base}/v1/vehicles/{vin}/surveys/{survey['id']}/answers", owner, {"answers": answers}
        )
        step(datetime.now(UTC), "owner", "answer survey", status, f"answers={orjson.dumps(answers).decode()}")
        items, cursor = [], ""
        while True:  # every page: outreach tasks for the center's other cars come first, in id order
            status, feed = _http("GET", f"{base}/v1/service-centers/{center_id}/feed?limit=100{cursor}", key)
            items += feed.get("items", [])
            if status != 200 or not feed.get("next_cursor"):
                break
            cursor = f"&cursor={feed['next_cursor']}"
        alerts = [i for i in items if i["risk_id"] == risk_id and i["kind"] == "low_feedback"]
        item = alerts[0] if alerts else None
        case_text = "" if item is None else orjson.dumps(item["detail"]["case"]).decode()
        step(datetime.now(UTC), "center", "read feed", status, f"low_feedback alert: {case_text or 'none'}")
    with psycopg.connect(url, row_factory=dict_row) as case_conn:
        case = one(case_conn, "SELECT * FROM care_case WHERE risk_id = %s", (risk_id,))
    echo("\nCase history (care_case):")
    for stage in ("notified", "booked", "checked_in", "serviced", "verified", "closed"):
        echo(
            f"  {stage:<11} {case[f'{stage}_at']:%Y-%m-%d %H:%M}Z"
            if case[f"{stage}_at"]
            else f"  {stage:<11} -"
        )
    echo(f"  final stage={case['stage']} close_reason={case['close_reason']} outcome={case['outcome']}")
    report = run_stage("notify.report", "rules", env=env, log=log)
    echo("\ncarecast report rules\n" + report)
    return CaseWalk(vin, risk_id, steps, case, survey, item, report)
