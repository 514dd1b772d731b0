"""Settings of the detection process (``CARECAST_DETECTION__*``)."""

from __future__ import annotations

import os

from pydantic import BaseModel, Field, model_validator

from core.settings import BaseProcessSettings, ForecastSettings, RetentionSettings, SohSettings


class DetectionOptions(BaseModel):
    """How often detection runs, how much history it reads, and rule parameter overrides."""

    interval_s: float = Field(default=60.0, gt=0)
    # Days of daily rollup the rules read; the EV SOH trend wants a year.
    lookback_days: int = Field(default=365, ge=7)
    # Days recomputed on a normal pass; it reaches further back to the oldest event time received since the last
    # pass (detection_watermark), so late store-and-forward data is rolled up at once.
    refresh_days: int = Field(default=3, ge=1)
    # Every N-th pass (and the first) refreshes the whole lookback window; 0 = only the first pass.
    full_refresh_every: int = Field(default=60, ge=0)
    # Passes in between judge only vehicles with telemetry received since the previous pass; every vehicle is judged
    # on the first pass and when this many seconds passed since the last such pass (silent cars, forecast dates
    # coming closer). 0 = every pass judges every vehicle.
    full_pass_every_s: float = Field(default=3600.0, ge=0)
    # Processes that judge the rules on a pass (forked after the load; detection.judging.judge); the database is idle
    # meanwhile, so two use a two-core machine. 1 = judge in the detection process itself.
    workers: int = Field(default_factory=lambda: min(2, os.cpu_count() or 1), ge=1)
    # How often a waiting `carecast detect` retries the scheduler lock, and the leader checks it still holds it.
    lock_poll_s: float = Field(default=1.0, gt=0)
    # Shards a pass is cut into (vehicle id modulo this; docs/scaling.md "Detection beyond one process"): the leader
    # refreshes the rollup once and plans them, and every `carecast detect` process (the leader too) works them one at
    # a time, polling every lock_poll_s. Set the same on every process. 1 = the leader alone runs whole passes.
    shards: int = Field(default=1, ge=1, le=1024)
    # A shard's lease: a worker that stops heartbeating (every third of it) for this long loses its shard to another.
    shard_lease_s: float = Field(default=30.0, gt=0)
    # Prometheus /metrics on this port of metrics_host; 0 = no metrics endpoint. Loopback by default: set
    # metrics_host to 0.0.0.0 (or the scrape network's address) only where the scraper runs elsewhere.
    metrics_port: int = Field(default=0, ge=0, le=65535)
    metrics_host: str = "127.0.0.1"
    # Per-rule parameter overrides, e.g. CARECAST_DETECTION__RULES__EV_BATTERY__MIN_DAYS=21. The EV battery
    # threshold is not one of them: it is CARECAST_SOH__THRESHOLD_PCT, shared with the API (see Settings).
    rules: dict[str, dict[str, bool | int | float | str]] = Field(default_factory=dict)


class Settings(BaseProcessSettings):
    """Settings of ``python -m detection``."""

    detection: DetectionOptions = Field(default_factory=DetectionOptions)
    # The end-of-life threshold of traction batteries, shared with the API's health summary and SOH chart.
    soh: SohSettings = Field(default_factory=SohSettings)
    # Retention of raw telemetry and the outbox (CARECAST_RETENTION__…): detection's leader applies it.
    retention: RetentionSettings = Field(default_factory=RetentionSettings)
    # The weather forecast the seasonal rules read ahead of the season (CARECAST_FORECAST__…).
    forecast: ForecastSettings = Field(default_factory=ForecastSettings)

    @model_validator(mode="after")
    def _ev_rule_reads_the_shared_threshold(self) -> Settings:
        """Hand the shared SOH threshold to the EV battery rule's parameters (``detection.rules.configured``).

        The rule's own override (CARECAST_DETECTION__RULES__EV_BATTERY__THRESHOLD_PCT, before issue #14) is refused
        unless it equals the shared one: the API does not read it, so the owner's chart would disagree with the risk.
        """
        ev = dict(self.detection.rules.get("ev_battery", {}))
        own = ev.get("threshold_pct")
        if own is not None and float(own) != self.soh.threshold_pct:
            raise ValueError(
                f"CARECAST_DETECTION__RULES__EV_BATTERY__THRESHOLD_PCT={own} is no longer read on its own: set "
                f"CARECAST_SOH__THRESHOLD_PCT (now {self.soh.threshold_pct}), which the API reads too"
            )
        ev["threshold_pct"] = self.soh.threshold_pct
        self.detection.rules = {**self.detection.rules, "ev_battery": ev}
        return self
