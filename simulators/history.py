"""Day-by-day physics of one lifecycle vehicle: its telemetry rows (telemetry column order) and its ground truth.

A day (local time): engine start at the day's low temperature (combustion cars crank: ~-150 A, the 12 V dip; EVs
and idle days send a parked sample), a morning drive carrying the daily reports (pad wear per wheel, brake fluid,
tyres, wiper wear, coolant; on driving days the service countdown of ``simulators.service``), a parked midday rest,
an evening drive, EVs an evening charging sample with the state of health and cell voltages, and a parked night rest.
The state keeps going after the window so that failures shortly after its end are in the ground truth too.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from domain.vocabulary import Powertrain, RiskKind
from simulators.climate import REGIONS, Climate
from simulators.dtc import DTC_LIST, DtcEpisodes
from simulators.fleet import rng_for
from simulators.lifecycle import LifecycleScenario, VehiclePlan
from simulators.onsets import Onsets
from simulators.seasonal import SeasonalParts
from simulators.service import ServiceSchedule

# (column, PostgreSQL type) of the rows history yields, in this order.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("vehicle_id", "int8"), ("ts", "timestamptz"), ("received_at", "timestamptz"), ("lv_voltage_v", "float4"),
    ("lv_current_a", "float4"), ("hv_soh_pct", "float4"), ("hv_soc_pct", "float4"), ("hv_temp_avg_c", "float4"),
    ("hv_cell_min_v", "float4"), ("hv_cell_max_v", "float4"), ("pad_wear_fl_pct", "int2"),
    ("pad_wear_fr_pct", "int2"), ("pad_wear_rl_pct", "int2"), ("pad_wear_rr_pct", "int2"),
    ("brake_fluid_pct", "int2"), ("odometer_m", "int8"), ("speed_kmh", "float4"), ("air_temp_c", "float4"),
    ("lat_deg", "float8"), ("lon_deg", "float8"), ("coolant_level", "text"), ("wiper_wear_pct", "int2"),
    ("tire_fl_kpa", "int4"), ("tire_fr_kpa", "int4"), ("tire_rl_kpa", "int4"), ("tire_rr_kpa", "int4"),
    ("service_km", "float4"), ("service_s", "int4"), ("dtc_count", "int2"), ("extra", "jsonb"),
)  # fmt: skip
CRANK_FAIL_V = 9.0  # the car no longer starts
REST_FAIL_V = 11.9
SOH_LIMIT_PCT = 80.0
PAD_LIMIT_PCT = 80.0
FLUID_MIN_PCT = 70.0
LOOKAHEAD_DAYS = 60
SERVICE_KM, SERVICE_DAYS = 10_000.0, 365  # of the replaced placeholder countdown (see State)


@dataclass(frozen=True, slots=True)
class Truth:
    """A part failing (crossing its limit) on `failure`, after a fault that started on `fault_start` (None = wear)."""

    vin: str
    kind: RiskKind
    mode: str
    fault_start: date | None
    failure: date
    service: date | None


@dataclass(slots=True)
class State:
    """What carries over from one day to the next."""

    crank_v20: float
    battery_since: int  # days since the 12 V battery was new
    pads: list[float]
    pad_per_km: list[float]
    fluid: float
    soh: float
    odometer_km: float
    wiper: float
    # The placeholder service countdown that simulators.service replaced drew from the history stream: its draws
    # are still made (and their results unused) so that every other part's random numbers stay the same.
    legacy_service_km: float
    legacy_service_days: float
    idle_days: int = 0
    rest_bonus: float = 0.0
    faults_cleared: set[str] = field(default_factory=set)
    failed: dict[str, date] = field(default_factory=dict)
    service_on: dict[str, date] = field(default_factory=dict)


def _start_state(plan: VehiclePlan, rng: random.Random) -> State:
    age_y = plan.age_days / 365.0
    front = rng.uniform(0.7, 1.1) / 1000.0 * plan.style * (0.6 + 0.8 * plan.city_share)
    per_km = [front, front * rng.uniform(0.92, 1.0), front * 0.6, front * 0.6 * rng.uniform(0.92, 1.0)]
    wear0 = rng.uniform(2.0, 72.0)
    heat = 1.0 + 0.04 * max(0.0, REGIONS[plan.vehicle.region].mean_c - 15.0)
    return State(
        crank_v20=rng.uniform(10.2, 10.5),
        battery_since=rng.randrange(0, 4 * 365),
        pads=[wear0, wear0 - rng.uniform(0, 2), wear0 * 0.6, wear0 * 0.6 - rng.uniform(0, 2)],
        pad_per_km=per_km,
        fluid=97.0,
        soh=min(99.5, 100.0 - 2.0 * age_y * heat * rng.uniform(0.8, 1.2)),
        odometer_km=plan.age_days * (5 * plan.weekday_km + 2 * plan.weekend_km) / 7.0 + 500.0,
        wiper=rng.uniform(0.0, 60.0),
        legacy_service_km=rng.uniform(500.0, SERVICE_KM),
        legacy_service_days=rng.uniform(20.0, SERVICE_DAYS),
    )


class VehicleHistory:
    """Steps one vehicle through the window (and a lookahead), yielding rows; `truths` fills as parts fail."""

    def __init__(self, plan: VehiclePlan, *, scenario: LifecycleScenario, climate: Climate, vehicle_id: int):
        self.plan = plan
        self.scenario = scenario
        self.climate = climate
        self.vehicle_id = vehicle_id
        self.rng = rng_for(scenario.seed, plan.vehicle.vin, "history")
        self.state = _start_state(plan, self.rng)
        self.truths: list[Truth] = []
        tz = ZoneInfo(REGIONS[plan.vehicle.region].tz)
        offset = datetime(2026, 1, 1, tzinfo=tz).utcoffset() or timedelta()
        self.utc_offset = offset  # China has no daylight saving time
        self.winter = Onsets("winter")
        self.soh_rate: list[float] = []
        self.seasonal = SeasonalParts(plan, seed=scenario.seed, first=scenario.first, days=scenario.days)
        self.service = ServiceSchedule(plan, seed=scenario.seed)
        self.dtc = DtcEpisodes(plan.vehicle, seed=scenario.seed, first=scenario.first, days=scenario.days)
        if plan.vehicle.powertrain is not Powertrain.ICE and self.state.soh < SOH_LIMIT_PCT:
            # An old pack already below the limit on the first day failed before the window (date unknown).
            self._fail("soh", RiskKind.EV_BATTERY_SOH, "fade", scenario.first, None, None)

    # --- components -------------------------------------------------------------------------------------------
    def _fail(
        self, key: str, kind: RiskKind, mode: str, day: date, start: date | None, delay: int | None
    ) -> None:
        """Record a failure; the part is serviced `delay` days later (None: not within the history)."""
        if key in self.state.failed:
            return
        self.state.failed[key] = day
        service = None if delay is None else day + timedelta(days=delay)
        if service is not None:
            self.state.service_on[key] = service
        self.truths.append(Truth(self.plan.vehicle.vin, kind, mode, start, day, service))

    def _serviced(self, key: str, day: date) -> bool:
        """Return True (once) on the day the part failed under `key` is repaired."""
        if self.state.service_on.get(key) == day:
            del self.state.service_on[key]
            del self.state.failed[key]
            return True
        return False

    def _battery(self, day: date) -> tuple[float, float]:
        """Return the (20 °C cranking dip, resting voltage) of the 12 V battery on `day`."""
        s, plan = self.state, self.plan
        v20 = s.crank_v20 - 0.06 * s.battery_since / 365.0
        rest = 12.6 - 0.02 * s.battery_since / 365.0
        ageing, drain = plan.fault("ageing_12v"), plan.fault("drain_12v")
        if ageing and "ageing_12v" not in s.faults_cleared and day >= ageing.start:
            t = (day - ageing.start).days
            v20 = v20 - (v20 - CRANK_FAIL_V) * (t / ageing.days) ** 2
            if t >= ageing.days:
                self._fail(
                    "12v",
                    RiskKind.BATTERY_12V,
                    "high_internal_resistance",
                    day,
                    ageing.start,
                    self.rng.randint(1, 5),
                )
        if drain and "drain_12v" not in s.faults_cleared and day >= drain.start:
            t = (day - drain.start).days
            rest = 12.6 - 0.7 * t / drain.days
            if t >= drain.days:
                self._fail(
                    "12v",
                    RiskKind.BATTERY_12V,
                    "low_state_of_charge",
                    day,
                    drain.start,
                    self.rng.randint(1, 4),
                )
        if self._serviced("12v", day):
            mode = "ageing_12v" if ageing and day >= ageing.start else "drain_12v"
            s.faults_cleared.add(mode)
            if mode == "ageing_12v":
                s.crank_v20, s.battery_since = self.rng.uniform(10.35, 10.5), 0
        # A discharged battery also sags more under the starter load.
        return v20 - 0.8 * max(0.0, 12.6 - rest), rest

    def _brakes(self, day: date, km: float) -> None:
        s, plan = self.state, self.plan
        caliper = plan.fault("dragging_caliper")
        for i, per_km in enumerate(s.pad_per_km):
            rate = per_km
            if i == 0 and caliper and "dragging_caliper" not in s.faults_cleared and day >= caliper.start:
                rate *= caliper.rate
                s.pads[i] += 0.02  # drags while parked, too
            s.pads[i] = min(100.0, s.pads[i] + rate * km)
        if max(s.pads) >= PAD_LIMIT_PCT:
            dragging = (
                caliper is not None and day >= caliper.start and "dragging_caliper" not in s.faults_cleared
            )
            mode = "dragging_caliper" if dragging else "pad_wear"
            self._fail(
                "pads",
                RiskKind.BRAKE_PADS,
                mode,
                day,
                caliper.start if dragging and caliper else None,
                self.rng.randint(2, 10),
            )
        if self._serviced("pads", day):
            s.pads = [2.0, 2.0, s.pads[2], s.pads[3]] if max(s.pads[:2]) >= max(s.pads[2:]) else [2.0] * 4
            if caliper and day >= caliper.start:
                s.faults_cleared.add("dragging_caliper")
        leak = plan.fault("brake_fluid_leak")
        s.fluid = 97.0 - 0.08 * (s.pads[0] + s.pads[1]) / 2.0
        if leak and "brake_fluid_leak" not in s.faults_cleared and day >= leak.start:
            s.fluid -= 27.0 * (day - leak.start).days / leak.days
            if s.fluid < FLUID_MIN_PCT:
                self._fail(
                    "fluid", RiskKind.BRAKE_PADS, "low_brake_fluid", day, leak.start, self.rng.randint(1, 5)
                )
        if self._serviced("fluid", day):
            s.faults_cleared.add("brake_fluid_leak")

    def _soh(self, day: date, km: float, mean_c: float) -> None:
        s, plan = self.state, self.plan
        heat = 1.0 + 0.05 * max(0.0, mean_c - 20.0)
        fade = 1.3 / 365.0 * heat + km * 0.05 / 1000.0 * (1.0 + plan.fast_charge_share)
        cell = plan.fault("ev_cell_fault")
        if cell and day >= cell.start:
            fade += cell.rate / 365.0
        before = s.soh
        s.soh -= fade
        self.soh_rate = (self.soh_rate + [fade])[-30:]
        if before >= SOH_LIMIT_PCT > s.soh:
            start = cell.start if cell and day >= cell.start else None
            # A faded pack stays below the limit: nobody replaces it within the history (no service date).
            self._fail("soh", RiskKind.EV_BATTERY_SOH, "cell_fault" if start else "fade", day, start, None)

    def _winter(self, day: date, mean_c: float) -> None:
        if self.winter.step(mean_c):
            self.truths.append(
                Truth(self.plan.vehicle.vin, RiskKind.WINTER_PREP, "winter_onset", None, day, None)
            )

    # --- one day ----------------------------------------------------------------------------------------------
    def _km(self, day: date) -> float:
        base = self.plan.weekend_km if day.weekday() >= 5 else self.plan.weekday_km
        return max(0.0, base * self.rng.uniform(0.6, 1.4)) if base >= 1.0 else 0.0

    def _where(self, spot: float) -> tuple[float, float]:
        (hlat, hlon), (wlat, wlon) = self.plan.vehicle.home, self.plan.vehicle.work
        j = self.rng.uniform(-0.0004, 0.0004)
        return round(hlat + (wlat - hlat) * spot + j, 6), round(hlon + (wlon - hlon) * spot - j, 6)

    def step(self, day: date, *, emit: bool) -> list[tuple]:
        """Advance one local day; return its rows when `emit` (and the car is not silent), else []."""
        s, plan, rng = self.state, self.plan, self.rng
        weather = self.climate.weather(plan.vehicle.region, day)
        km = self._km(day)
        # After a rest of two days or more the BMS reads a little high for a few days ("recovery").
        s.rest_bonus = 0.6 if km > 0 and s.idle_days >= 2 else s.rest_bonus * 0.5
        s.idle_days = 0 if km > 0 else s.idle_days + 1
        v20, rest = self._battery(day)
        self._brakes(day, km)
        ev = plan.vehicle.powertrain is Powertrain.EV
        if plan.vehicle.powertrain is not Powertrain.ICE:
            self._soh(day, km, weather.mean_c)
        self._winter(day, weather.mean_c)
        s.odometer_km += km
        s.battery_since += 1
        s.wiper = min(100.0, s.wiper + 0.02 + 0.04 * weather.rain_mm * (km > 0))
        if s.wiper >= 95.0 and rng.random() < 0.2:
            s.wiper = 0.0
        self.seasonal.step(day, weather, wiper=s.wiper, pads=s.pads)
        self.service.step(day, km)
        s.legacy_service_km -= km
        s.legacy_service_days -= 1.0
        if (s.legacy_service_km <= 0 or s.legacy_service_days <= 0) and rng.random() < 0.15:
            s.legacy_service_km, s.legacy_service_days = SERVICE_KM, float(SERVICE_DAYS)
        silent = plan.silent is not None and plan.silent[0] <= day < plan.silent[0] + timedelta(
            days=plan.silent[1]
        )
        if not emit or silent:
            return []
        return self._rows(day, weather, km, v20, rest, ev)

    def _soh_reported(self, day: date) -> float:
        plan, s = self.plan, self.state
        offset = sum(step for when, step in plan.recalibrations if day >= when)
        # After a rest of two days or more the BMS reads a little high for a few days ("recovery").
        return round(min(100.0, max(0.0, s.soh + offset + s.rest_bonus + self.rng.gauss(0.0, 0.15))), 2)

    def _rows(self, day: date, weather, km: float, v20: float, rest: float, ev: bool) -> list[tuple]:  # noqa: ANN001
        s, plan, rng = self.state, self.plan, self.rng
        base = datetime(day.year, day.month, day.day, tzinfo=UTC) - self.utc_offset
        delay = timedelta(hours=rng.uniform(20.0, 60.0)) if plan.late_batches else timedelta(seconds=2)
        odo0 = s.odometer_km - km
        cold = max(0.0, 20.0 - weather.min_c)
        span = weather.max_c - weather.min_c
        engine_start = not ev and km > 0
        empty = (None,) * 5  # hv_soh .. hv_cell_max
        rows: list[tuple] = []

        def row(minute: int, share: float, lv: float, amps: float, speed: float, air: float, spot: float,
                hv: tuple = empty, report: tuple | None = None) -> None:  # fmt: skip
            ts = base + timedelta(minutes=minute, seconds=rng.randrange(60))
            odo = int((odo0 + share * km) * 1000.0)
            if day in plan.odometer_glitch_days and minute > 700:
                odo = max(0, odo - 50_000_000)  # the cluster glitched: 50,000 km less for the rest of the day
            lat, lon = self._where(spot)
            rep = report if report is not None else (None,) * 15
            rows.append((self.vehicle_id, ts, ts + delay, round(lv, 2), round(amps, 1), *hv, *rep[:5], odo,
                         round(speed, 1), round(air, 1), lat, lon, *rep[5:]))  # fmt: skip

        t0 = 7 * 60 + 30 + rng.randrange(60)
        if engine_start:
            row(t0, 0.0, max(6.0, v20 - 0.03 * cold + rng.gauss(0, 0.04)), -(140.0 + 0.8 * cold) + rng.uniform(-8, 8),
                0.0, weather.min_c, 0.0)  # fmt: skip
        else:
            row(t0, 0.0, rest + rng.uniform(-0.03, 0.03), -rng.uniform(0.05, 0.4), 0.0, weather.min_c, 0.0)
        pads = tuple(max(0, min(100, round(p))) for p in s.pads)
        tires = tuple(round(kpa + rng.uniform(-2, 2)) for kpa in self.seasonal.kpa)
        report = (*pads, max(0, min(100, round(s.fluid))), None if ev else "NORMAL", round(s.wiper), *tires,
                  *self.service.reading(driven=km > 0), *self._dtc(day))  # fmt: skip
        air_mid = weather.min_c + 0.6 * span
        if km > 0:
            row(t0 + 15, 0.3, rng.uniform(13.9, 14.4), rng.uniform(5, 25), rng.uniform(20, 85), weather.min_c + 0.2 * span,
                0.5, report=report)  # fmt: skip
        else:
            row(t0 + 15, 0.0, rest + rng.uniform(-0.03, 0.03), -rng.uniform(0.05, 0.4), 0.0, weather.min_c + 0.2 * span,
                0.0, report=report)  # fmt: skip
        row(12 * 60 + 20 + rng.randrange(40), 0.5, rest + rng.uniform(-0.03, 0.03), -rng.uniform(0.05, 0.4), 0.0,
            air_mid, 1.0 if km > 0 else 0.0)  # fmt: skip
        if km > 0:
            row(17 * 60 + 40 + rng.randrange(40), 0.8, rng.uniform(13.9, 14.4), rng.uniform(5, 25), rng.uniform(20, 85),
                weather.min_c + 0.7 * span, 0.6)  # fmt: skip
        if plan.vehicle.powertrain is not Powertrain.ICE:
            soc = max(5.0, min(100.0, rng.uniform(80.0, 92.0) - 0.23 * km + 20.0))
            spread = 0.016
            cell = plan.fault("ev_cell_fault")
            if cell and day >= cell.start:
                spread += 0.0004 * (day - cell.start).days * cell.rate / 10.0
            mid = 3.3 + 0.0085 * soc
            hv = (self._soh_reported(day), round(soc, 1), round(weather.mean_c + 10.0, 1), round(mid - spread / 2, 3),
                  round(mid + spread / 2, 3))  # fmt: skip
            row(20 * 60 + rng.randrange(60), 1.0, rng.uniform(13.8, 14.1), rng.uniform(4, 9), 0.0,
                weather.min_c + 0.4 * span, 0.0, hv=hv)  # fmt: skip
        row(22 * 60 + 30 + rng.randrange(60), 1.0, rest + rng.uniform(-0.03, 0.03), -rng.uniform(0.05, 0.4), 0.0,
            weather.min_c + 0.25 * span, 0.0)  # fmt: skip
        return rows

    def _dtc(self, day: date) -> tuple[int, dict]:
        """Return the morning report's DTC count and its extra signals (the DTC list, simulators.dtc)."""
        codes = self.dtc.reading(day)
        return len(codes), {DTC_LIST: codes}

    def finish(self, last: date) -> None:
        """Add the traction battery's crossing after `last` (extrapolated at the last 30 days' fade) when it comes
        within a year: the EV rule looks a year ahead, so such alerts are true positives, not false alarms."""
        s = self.state
        if self.plan.vehicle.powertrain is Powertrain.ICE or "soh" in s.failed or s.soh < SOH_LIMIT_PCT:
            return
        rate = sum(self.soh_rate) / len(self.soh_rate) if self.soh_rate else 0.0
        if rate <= 0:
            return
        days = math.ceil((s.soh - SOH_LIMIT_PCT) / rate)
        if days <= 365:
            cell = self.plan.fault("ev_cell_fault")
            start = cell.start if cell and cell.start <= last else None
            mode = "cell_fault" if start else "fade"
            self.truths.append(
                Truth(
                    self.plan.vehicle.vin,
                    RiskKind.EV_BATTERY_SOH,
                    mode,
                    start,
                    last + timedelta(days=days),
                    None,
                )
            )

    def add_seasonal_truths(self) -> None:
        """Append the ground truth of the seasonal parts (tyres, wipers, summer, holiday trips) and of the scheduled
        service (due dates)."""
        vin = self.plan.vehicle.vin
        self.truths.extend(Truth(vin, *event) for event in self.seasonal.finish())
        self.truths.extend(Truth(vin, *event) for event in self.service.finish())
        self.truths.extend(Truth(vin, *event) for event in self.dtc.truths())


def vehicle_rows(history: VehicleHistory, *, first: date, days: int) -> Iterator[tuple]:
    """Yield the rows of the window's days, then step through the lookahead (no rows) and close the ground truth."""
    for offset in range(days):
        yield from history.step(first + timedelta(days=offset), emit=True)
    for offset in range(days, days + LOOKAHEAD_DAYS):
        history.step(first + timedelta(days=offset), emit=False)
    history.finish(first + timedelta(days=days + LOOKAHEAD_DAYS - 1))
    history.add_seasonal_truths()
