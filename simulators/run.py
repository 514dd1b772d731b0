"""Driving a scenario onto the broker: the history window as fast as the broker acknowledges, then live ticks."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

from simulators.models import Sample, VehicleModel, fleet_models
from simulators.publish import Publisher, PublishReport
from simulators.scenario import Scenario
from simulators.settings import SimulatorSettings


def iter_history(
    models: list[VehicleModel],
    *,
    scenario: Scenario,
    until: datetime,
    on_day: Callable[[], None] | None = None,
) -> Iterator[tuple[str, list[Sample]]]:
    """Yield (vin, that day's samples) for every day of the window and every vehicle; the models advance.

    `on_day` is called after each day of the window (progress)."""
    for offset in range(scenario.days):
        for model in models:
            samples = model.day_samples(model.reference + timedelta(days=offset), until=until)
            if samples:
                yield model.vehicle.vin, samples
        if on_day is not None:
            on_day()


def run_history(
    settings: SimulatorSettings,
    *,
    scenario: Scenario,
    samples_per_message: int = 20,
    models: list[VehicleModel] | None = None,
    on_day: Callable[[], None] | None = None,
) -> PublishReport:
    """Publish the scenario's history window (days ending at scenario.end) and return once all of it is acked.

    Each vehicle's samples are sent in time order, `samples_per_message` per message, so a message spans several
    days: late, batched delivery as from a car that was offline. Pass `models` to continue them with run_live;
    `on_day` is called after each day of the window is published (progress).
    """
    models = fleet_models(scenario) if models is None else models
    started = time.monotonic()
    buffers: dict[str, list[Sample]] = {}
    with Publisher(
        settings.mqtt, max_inflight=settings.sim.max_inflight, ack_timeout_s=settings.sim.ack_timeout_s
    ) as pub:
        for vin, samples in iter_history(models, scenario=scenario, until=scenario.end, on_day=on_day):
            buffer = buffers.setdefault(vin, [])
            buffer.extend(samples)
            while len(buffer) >= samples_per_message:
                pub.publish(vin, buffer[:samples_per_message])
                del buffer[:samples_per_message]
        for vin, buffer in buffers.items():
            if buffer:
                pub.publish(vin, buffer)
        pub.flush()
        return PublishReport(len(pub.vins), pub.samples, pub.messages, round(time.monotonic() - started, 3))


def run_live(
    settings: SimulatorSettings,
    *,
    models: list[VehicleModel],
    interval_s: float,
    stop: threading.Event,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    on_tick: Callable[[PublishReport], None] | None = None,
) -> PublishReport:
    """Publish one sample per vehicle every `interval_s` seconds at real time until `stop` is set."""
    started = time.monotonic()
    with Publisher(
        settings.mqtt, max_inflight=settings.sim.max_inflight, ack_timeout_s=settings.sim.ack_timeout_s
    ) as pub:
        while not stop.is_set():
            tick_started = time.monotonic()
            now = clock()
            now = now.replace(microsecond=now.microsecond // 1000 * 1000)
            for model in models:
                pub.publish(model.vehicle.vin, [model.live_sample(now)])
            if on_tick:
                on_tick(
                    PublishReport(
                        len(pub.vins), pub.samples, pub.messages, round(time.monotonic() - started, 3)
                    )
                )
            stop.wait(max(0.0, interval_s - (time.monotonic() - tick_started)))
        pub.flush()
        return PublishReport(len(pub.vins), pub.samples, pub.messages, round(time.monotonic() - started, 3))
