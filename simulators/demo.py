"""``carecast demo``: a time-compressed scenario through the whole pipeline, then a report, then exit.

A seeded fleet with injected faults publishes weeks of history over MQTT in seconds; the real ingest process
stores it; one detection pass and one notify pass run at the scenario's end time; the real API process serves the
result, which this command reads over HTTP like a service center would, compares with the scenario's known
outcome and prints. It uses its own database (``<db>_demo``, recreated each run) and its own topic root, so it
never mixes with ``carecast up``. Exit status 0 when every vehicle got exactly the expected risk kinds.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import click
import orjson
import psycopg

from core.cli import CONTEXT_SETTINGS, INSTANT, run_command
from core.cli_errors import InvalidInput
from core.db import scalar
from core.log import configure_logging
from core.progress import Progress, progress
from core.settings import DatabaseSettings
from simulators.errors import SimulatorError
from simulators.run import run_history
from simulators.scenario import Scenario, build_scenario
from simulators.seed import seed_fleet
from simulators.settings import SimulatorSettings


class StageFailed(SimulatorError, RuntimeError):
    """A pipeline process the demo ran failed; the message's first line names it and its log."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the API showed after the pipeline ran: risk kinds per VIN and the suggestions per center."""

    found: dict[str, set[str]]
    suggestions: list[dict]
    alerts_sample: dict | None

    def mismatches(self, scenario: Scenario) -> dict[str, tuple[set[str], set[str]]]:
        """Return {vin: (expected, found)} for every vehicle whose risk kinds differ from the scenario's."""
        out = {}
        for vin, want in scenario.expected.items():
            got = self.found.get(vin, set())
            if {str(k) for k in want} != got:
                out[vin] = ({str(k) for k in want}, got)
        return out


def demo_database(url: str) -> tuple[str, str]:
    """Return (admin url, demo url): the same server, database ``<name>_demo``."""
    base, _, name = url.rpartition("/")
    name = name.split("?", 1)[0] or "carecast"
    return f"{base}/postgres", f"{base}/{name}_demo"


def recreate_database(admin_url: str, url: str) -> None:
    """Drop and create the database named in `url`."""
    name = url.rpartition("/")[2].split("?", 1)[0]
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stage(module: str, *args: str, env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", module, *args], env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT
    )


def run_stage(module: str, *args: str, env: dict[str, str], log: Path) -> str:
    """Run a stage to completion; return its stdout; raise with the log's tail when it fails."""
    with log.open("ab") as err:
        done = subprocess.run(
            [sys.executable, "-m", module, *args], env=env, stdout=subprocess.PIPE, stderr=err
        )
    if done.returncode != 0:
        tail = log.read_text(errors="replace")[-2000:]
        raise StageFailed(
            f"`python -m {module} {' '.join(args)}` exited {done.returncode}; see {log}\n{tail}"
        )
    return done.stdout.decode().strip()


def _get(url: str, token: str) -> dict:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return orjson.loads(response.read())


def wait_until(predicate, *, timeout: float, what: str) -> None:
    """Poll `predicate` every 0.2 s until it holds; raise TimeoutError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(0.2)


def stage_env(settings: SimulatorSettings) -> dict[str, str]:
    """Return the environment the pipeline's processes run with: the demo's database, broker and topic root."""
    return {
        **os.environ,
        "CARECAST_DATABASE__URL": settings.database.url,
        "CARECAST_DATABASE__TIMESCALE": str(settings.database.timescale),
        "CARECAST_MQTT__HOST": settings.mqtt.host,
        "CARECAST_MQTT__PORT": str(settings.mqtt.port),
        "CARECAST_MQTT__TOPIC_ROOT": settings.mqtt.topic_root,
        "CARECAST_INGEST__CLIENT_ID": f"carecast-demo-{secrets.token_hex(4)}",
        "CARECAST_LOG__FORMAT": "json",
    }


@contextmanager
def ingesting(env: dict[str, str], *, log: Path) -> Iterator[None]:
    """Run the ingest process while the block publishes; it holds its subscription before the block starts."""
    start = log.stat().st_size if log.exists() else 0
    ingest = _stage("ingest", env=env, log=log)

    def subscribed() -> bool:
        with log.open("rb") as f:
            f.seek(start)
            return b'"subscribed"' in f.read() or ingest.poll() is not None

    try:
        wait_until(subscribed, timeout=30, what="the ingester to subscribe")
        if ingest.poll() is not None:
            raise StageFailed(f"ingest exited early; see {log}\n{log.read_text(errors='replace')[-2000:]}")
        yield
    finally:
        ingest.send_signal(signal.SIGTERM)
        ingest.wait(timeout=30)


@contextmanager
def serving_api(env: dict[str, str], *, log: Path) -> Iterator[str]:
    """Run the API process for the block; yield its base URL once it is live."""
    port = _free_port()
    api = _stage("api", "--port", str(port), env=env, log=log)
    base = f"http://127.0.0.1:{port}"

    def live() -> bool:
        try:
            return urllib.request.urlopen(f"{base}/livez", timeout=1).status == 200
        except OSError:
            return False

    try:
        wait_until(live, timeout=30, what="the API")
        yield base
    finally:
        api.send_signal(signal.SIGTERM)
        api.wait(timeout=30)


def run_pipeline(
    settings: SimulatorSettings,
    *,
    scenario: Scenario,
    workdir: Path,
    samples_per_message: int = 20,
    bar: Progress | None = None,
) -> Outcome:
    """Run simulate → ingest → detect → notify → API for `scenario` on an already migrated database.

    `bar` shows each step (and how far publishing and storing are) on a terminal."""
    bar = bar or Progress()
    log = workdir / "stages.log"
    env = stage_env(settings)
    bar.phase("seeding the fleet")
    with psycopg.connect(settings.database.url) as conn:
        seed_fleet(conn, fleet=scenario.fleet)
    bar.phase("starting ingest")
    with ingesting(env, log=log), psycopg.connect(settings.database.url, autocommit=True) as conn:
        bar.phase(f"publishing {scenario.days} days of history", total=scenario.days)
        report = run_history(
            settings, scenario=scenario, samples_per_message=samples_per_message, on_day=bar.advance
        )
        bar.phase("ingest storing the samples", total=report.samples)

        def stored() -> bool:
            count = scalar(conn, "SELECT count(*) FROM telemetry")
            bar.set(count)
            return count >= report.samples

        wait_until(stored, timeout=120, what=f"{report.samples} samples in telemetry")
    now = scenario.end.isoformat()
    bar.phase("detection pass")
    run_stage("detection", "--once", "--now", now, env=env, log=log)
    bar.phase("notify pass")
    run_stage("notify", "--once", "--now", now, env=env, log=log)
    bar.phase("reading the result through the API")
    return read_through_api(env=env, log=log, scenario=scenario)


def read_through_api(*, env: dict[str, str], log: Path, scenario: Scenario) -> Outcome:
    """Start the API, read every center's suggestion feed and one owner's alerts over HTTP."""
    with serving_api(env, log=log) as base:
        admin = run_stage("api.keys", "create-admin", "--label", "demo", env=env, log=log).splitlines()[-1]
        found: dict[str, set[str]] = {}
        suggestions: list[dict] = []
        for center in scenario.fleet.centers:
            center_id = _center_id(env["CARECAST_DATABASE__URL"], center.code)
            cursor = ""
            while True:
                page = _get(
                    f"{base}/v1/service-centers/{center_id}/suggested-bookings?limit=100{cursor}", admin
                )
                for item in page["items"]:
                    item["center_code"] = center.code
                    suggestions.append(item)
                    found.setdefault(item["vehicle"]["vin"], set()).add(item["risk"]["kind"])
                if not page["next_cursor"]:
                    break
                cursor = f"&cursor={page['next_cursor']}"
        alerts = None
        if suggestions:
            vin = suggestions[0]["vehicle"]["vin"]
            customer_id = customer_id_of(env["CARECAST_DATABASE__URL"], vin)
            token = run_stage("api.keys", "owner-token", "--customer-id", str(customer_id), env=env, log=log)
            alerts = _get(f"{base}/v1/vehicles/{vin}/alerts", token.splitlines()[-1])
        return Outcome(found, suggestions, alerts)


def _center_id(url: str, code: str) -> int:
    with psycopg.connect(url) as conn:
        return scalar(conn, "SELECT id FROM service_center WHERE code = %s", (code,))


def customer_id_of(url: str, vin: str) -> int:
    """Return the id of the customer who owns `vin`."""
    with psycopg.connect(url) as conn:
        return scalar(conn, "SELECT customer_id FROM vehicle WHERE vin = %s", (vin,))


def print_report(scenario: Scenario, outcome: Outcome, *, seconds: float) -> None:
    """Print what was detected and suggested next to what the scenario injected."""
    faults = {f.vin: str(f.kind) for f in scenario.faults}
    by_vin = {v.vin: v for v in scenario.fleet.vehicles}
    print(
        f"\nCarecast demo: {len(by_vin)} vehicles, {scenario.days} days ending {scenario.end:%Y-%m-%d %H:%M} UTC"
    )
    print(
        f"{'VIN':<18} {'region':<10} {'power':<6} {'injected':<16} {'expected':<28} {'found via API':<28} ok"
    )
    for vin in sorted(by_vin, key=lambda v: (v not in faults and not scenario.expected[v], v)):
        want = ",".join(sorted(str(k) for k in scenario.expected[vin])) or "-"
        got = ",".join(sorted(outcome.found.get(vin, set()))) or "-"
        mark = "yes" if want == got else "NO"
        v = by_vin[vin]
        print(
            f"{vin:<18} {v.region:<10} {v.powertrain:<6} {faults.get(vin, '-'):<16} {want:<28} {got:<28} {mark}"
        )
    print("\nBooking suggestions (rank 1 per risk):")
    for item in sorted(outcome.suggestions, key=lambda i: (i["vehicle"]["vin"], i["risk"]["kind"])):
        if item["rank"] != 1:
            continue
        parts = ", ".join(f"{p['sku']}{'' if p['in_stock'] else ' (on order)'}" for p in item["parts"])
        print(
            f"  {item['vehicle']['vin']} {item['risk']['kind']:<15} {item['risk']['severity']:<8} -> "
            f"{item['center_code']} {item['slot_start']} with {item['technician']['name']}; parts: {parts}"
        )
    if outcome.alerts_sample:
        risk = outcome.alerts_sample["alerts"][0] if outcome.alerts_sample.get("alerts") else None
        message = risk["messages"][0] if risk and risk.get("messages") else None
        if message:
            print(
                f"\nCare message to the owner of {outcome.alerts_sample.get('vin', '')} ({message['locale']}):"
            )
            print(
                f"  {message['subject']}\n" + "\n".join("  " + line for line in message["body"].splitlines())
            )
    bad = outcome.mismatches(scenario)
    print(
        f"\nrisks={sum(len(k) for k in outcome.found.values())} suggestions={len(outcome.suggestions)} "
        f"mismatches={len(bad)} seconds={seconds:.1f}"
    )


@click.command(name="demo", context_settings=CONTEXT_SETTINGS)
@click.option("--vehicles", type=int, default=30, show_default=True, help="Fleet size (at least 5).")
@click.option("--days", type=int, default=45, show_default=True, help="Days of history (at least 7).")
@click.option("--seed", type=int, default=7, show_default=True, help="Seed of the fleet and its faults.")
@click.option("--end", type=INSTANT, help="End of the scenario (naive means UTC).  [default: now]")
@click.option(
    "--json-out", type=click.Path(dir_okay=False, path_type=Path), help="Also write the outcome as JSON."
)
@click.option("--case", is_flag=True, help="Then walk one car's case from the offer to a survey answer.")
def command(
    vehicles: int, days: int, seed: int, end: datetime | None, json_out: Path | None, case: bool
) -> int:
    """Run a time-compressed scenario through the whole pipeline and report.

    A seeded fleet with injected faults publishes weeks of history over MQTT in seconds; the real ingest,
    detection, notify and API processes handle it, and the result, read over HTTP like a service center would,
    is printed next to the faults that were injected. Uses its own database (<name>_demo, recreated on each
    run) and topic root, so it never mixes with carecast up. Stage logs: .run/demo/stages.log (or
    CARECAST_DEMO_DIR). Exit status 0 when every vehicle got exactly the expected risks.
    """
    settings = SimulatorSettings()
    log = configure_logging(settings.log, process="demo")
    started = time.monotonic()
    end = (end or datetime.now(UTC)).replace(microsecond=0)
    try:
        scenario = build_scenario(seed, vehicles, end, days=days)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from exc
    admin_url, url = demo_database(settings.database.url)
    log.info("demo.start", vehicles=vehicles, days=days, end=end.isoformat(), database=url)
    run_settings = settings.model_copy(
        update={
            "database": DatabaseSettings(url=url, timescale=settings.database.timescale),
            "mqtt": settings.mqtt.model_copy(
                update={"topic_root": f"demo-{secrets.token_hex(4)}/dt/carecast"}
            ),
        }
    )
    workdir = Path(os.environ.get("CARECAST_DEMO_DIR", ".run/demo"))
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "stages.log").write_bytes(b"")
    env = {**os.environ, "CARECAST_DATABASE__URL": url}
    with progress() as bar:
        bar.phase("creating the demo database")
        recreate_database(admin_url, url)
        bar.phase("migrating it")
        run_stage("core.migrate_main", env=env, log=workdir / "stages.log")
        outcome = run_pipeline(run_settings, scenario=scenario, workdir=workdir, bar=bar)
    print_report(scenario, outcome, seconds=time.monotonic() - started)
    if case:
        from simulators.demo_case import walk_case  # demo_case builds on this module's process helpers

        walk_case(run_settings, scenario=scenario, workdir=workdir)
    if json_out:
        data = {"found": {k: sorted(v) for k, v in outcome.found.items()}, "suggestions": outcome.suggestions}
        json_out.write_bytes(orjson.dumps(data, option=orjson.OPT_INDENT_2))
    return 1 if outcome.mismatches(scenario) else 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``carecast demo``; return the exit status."""
    return run_command(command, argv)


if __name__ == "__main__":
    sys.exit(main())
