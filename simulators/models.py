"""Per-vehicle state and the telemetry samples of a simulated day (or of one live tick), in VSS terms.

A day of a combustion car (local time, all between 08:00 and 24:00 so it falls into one UTC rollup day in China):
engine start (12V cranking dip at the day's lowest air temperature, about -150 A, Speed 0), a morning drive carrying
the daily reports (pad wear per wheel, tyre pressures, coolant), a parked midday rest (|current| < 2 A, Speed 0),
one or two evening drives and a parked night rest. EVs have no cranking event: a parked morning rest instead, and an
evening charging-session sample with the daily state of health (±0.3 % noise). Hybrids crank and report SOH at night.

A model made with ``dtc=True`` (the fleet ``carecast simulate --live``, hence ``carecast up``, publishes) also carries
diagnostic trouble code episodes (simulators/dtc.py, drawn over its history window): its daily report then has
``Vehicle.Diagnostics.DTCList`` (every day, ``[]`` when no code is stored) and ``DTCCount`` = the list's length.
Without it the count is 0 and no list is sent: the demo's and the tests' scenarios know the outcome of their injected
faults only (simulators/scenario.py), and a random trouble code would be an unexpected risk there.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from domain.vocabulary import Powertrain, Segment
from simulators.climate import REGIONS, Climate, Weather
from simulators.dtc import DTC_LIST, DtcEpisodes
from simulators.fleet import Vehicle, rng_for
from simulators.scenario import Fault, FaultKind, Scenario

LV_V = "Vehicle.LowVoltageBattery.CurrentVoltage"
LV_A = "Vehicle.LowVoltageBattery.CurrentCurrent"
SOH = "Vehicle.Powertrain.TractionBattery.StateOfHealth"
SOC = "Vehicle.Powertrain.TractionBattery.StateOfCharge.Current"
HV_TEMP = "Vehicle.Powertrain.TractionBattery.Temperature.Average"
CELL_MIN = "Vehicle.Powertrain.TractionBattery.CellVoltage.Min"
CELL_MAX = "Vehicle.Powertrain.TractionBattery.CellVoltage.Max"
WHEELS = ("Row1.Wheel.Left", "Row1.Wheel.Right", "Row2.Wheel.Left", "Row2.Wheel.Right")
PAD = tuple(f"Vehicle.Chassis.Axle.{w}.Brake.PadWear" for w in WHEELS)
TIRE = tuple(f"Vehicle.Chassis.Axle.{w}.Tire.Pressure" for w in WHEELS)
BRAKE_FLUID = "Vehicle.Chassis.Axle.Row1.Wheel.Left.Brake.FluidLevel"
ODOMETER = "Vehicle.TraveledDistance"
SPEED = "Vehicle.Speed"
AIR = "Vehicle.Exterior.AirTemperature"
LAT = "Vehicle.CurrentLocation.Latitude"
LON = "Vehicle.CurrentLocation.Longitude"
COOLANT = "Vehicle.Powertrain.CombustionEngine.EngineCoolant.Level"
DTC = "Vehicle.Diagnostics.DTCCount"
SERVICE_KM = "Vehicle.Service.DistanceToService"
SERVICE_S = "Vehicle.Service.TimeToService"

# The cranking dip loses ~0.03 V per °C below 20 °C; detection normalises with the same slope.
CRANK_V_PER_C = 0.03
DAILY_KM = {
    Segment.BUSINESS: (60, 110),
    Segment.FAMILY: (25, 50),
    Segment.EV: (30, 60),
    Segment.PREMIUM: (35, 70),
}

Sample = dict[str, object]  # {"ts": aware datetime, "signals": {VSS path: value}}


def air_temp(weather: Weather, hour: float) -> float:
    """Return the air temperature at a local hour: the day's minimum at 05:00, its maximum at 15:00."""
    if 5.0 <= hour <= 15.0:
        shape = 0.5 - 0.5 * math.cos(math.pi * (hour - 5.0) / 10.0)
    else:
        shape = 0.5 + 0.5 * math.cos(math.pi * ((hour - 15.0) % 24.0) / 14.0)
    return round(weather.min_c + (weather.max_c - weather.min_c) * shape, 1)


@dataclass(slots=True)
class VehicleModel:
    """One vehicle's healthy parameters, its faults and the state that carries over between days."""

    vehicle: Vehicle
    seed: int
    climate: Climate
    faults: dict[FaultKind, Fault]
    reference: date  # first day of the history window; healthy wear and fade are anchored here
    segment: Segment
    tz: ZoneInfo
    crank_v20: float
    rest_v: float
    pad_start: tuple[float, ...]
    pad_rate: tuple[float, ...]
    soh_start: float
    soh_fade: float
    tire_kpa: tuple[int, ...]
    daily_km: float
    odometer_m: float
    service_km_start: float
    service_days_start: float
    # trouble code episodes; None: the car reports no codes (DTCCount 0, no list)
    dtc: DtcEpisodes | None = None
    last_report_day: date | None = None
    last_live: datetime | None = field(default=None)

    @property
    def engine(self) -> bool:
        return self.vehicle.powertrain is not Powertrain.EV

    # --- signal levels on a given day ---------------------------------------------------------------------------
    def crank_v20_on(self, day: date) -> float:
        """Return the cranking dip normalised to 20 °C on `day` (ageing ~0.1 V/year when healthy)."""
        fault = self.faults.get(FaultKind.WEAK_12V)
        return fault.value_on(day) if fault else self.crank_v20 - 0.0003 * (day - self.reference).days

    def rest_v_on(self, day: date) -> float:
        """Return the resting 12V voltage level on `day`."""
        fault = self.faults.get(FaultKind.DRAIN_12V)
        return fault.value_on(day) if fault else self.rest_v

    def pads_on(self, day: date) -> tuple[int, ...]:
        """Return the pad wear of each wheel (FL, FR, RL, RR) on `day`, integer percent, 0 = new."""
        days = (day - self.reference).days
        fault = self.faults.get(FaultKind.FAST_BRAKE_WEAR)
        if fault:
            worst = fault.value_on(day)
            raw: tuple[float, ...] = (worst, worst - 1.5, worst * 0.6, worst * 0.58)
        else:
            raw = tuple(s + r * days for s, r in zip(self.pad_start, self.pad_rate, strict=True))
        return tuple(max(0, min(100, round(v))) for v in raw)

    def service_on(self, day: date) -> tuple[float, int]:
        """Return the service countdown on `day`: km and seconds left (healthy: months and thousands of km away)."""
        days = (day - self.reference).days
        fault = self.faults.get(FaultKind.SERVICE_DUE)
        km = fault.value_on(day) if fault else self.service_km_start - self.daily_km * days
        return round(km, 1), int((self.service_days_start - days) * 86400)

    def soh_on(self, day: date) -> float:
        """Return the traction battery's state of health on `day` without measurement noise."""
        fault = self.faults.get(FaultKind.EV_FAST_FADE)
        return fault.value_on(day) if fault else self.soh_start - self.soh_fade * (day - self.reference).days

    # --- samples ------------------------------------------------------------------------------------------------
    def _at(self, day: date, minute: int, rng: random.Random) -> datetime:
        return datetime.combine(day, time(minute // 60, minute % 60, rng.randint(0, 59)), self.tz)

    def _where(self, spot: str, rng: random.Random) -> dict[str, float]:
        (hlat, hlon), (wlat, wlon) = self.vehicle.home, self.vehicle.work
        f = {"home": 0.0, "work": 1.0}.get(spot, rng.uniform(0.2, 0.8))
        jitter = 0.0003 if spot in ("home", "work") else 0.004
        return {
            LAT: round(hlat + (wlat - hlat) * f + rng.uniform(-jitter, jitter), 6),
            LON: round(hlon + (wlon - hlon) * f + rng.uniform(-jitter, jitter), 6),
        }

    def _start(self, day: date, weather: Weather, rng: random.Random) -> dict[str, object]:
        """Return the signals of the first sample of a day: cranking (engine) or parked (EV), at the day's low."""
        if self.engine:
            cold = max(0.0, 20.0 - weather.min_c)
            volts = self.crank_v20_on(day) - CRANK_V_PER_C * cold + rng.uniform(-0.05, 0.05)
            amps = -(140.0 + 0.8 * cold) + rng.uniform(-10.0, 10.0)
        else:
            volts, amps = self.rest_v_on(day) + rng.uniform(-0.04, 0.04), -rng.uniform(0.05, 0.4)
        return {
            LV_V: round(max(6.0, volts), 2),
            LV_A: round(amps, 1),
            SPEED: 0.0,
            AIR: round(weather.min_c, 1),
        }

    def _rest(self, day: date, rng: random.Random) -> dict[str, object]:
        return {
            LV_V: round(self.rest_v_on(day) + rng.uniform(-0.04, 0.04), 2),
            LV_A: round(-rng.uniform(0.05, 0.4), 1),
            SPEED: 0.0,
        }

    def _drive(self, rng: random.Random) -> dict[str, object]:
        return {
            LV_V: round(rng.uniform(13.9, 14.4), 2),
            LV_A: round(rng.uniform(5.0, 25.0), 1),
            SPEED: round(rng.uniform(20.0, 85.0), 1),
        }

    def _report(self, day: date, weather: Weather, rng: random.Random) -> dict[str, object]:
        """Return the once-a-day readings: pad wear, tyre pressures, brake fluid, coolant, DTC count (and list)."""
        out: dict[str, object] = dict(zip(PAD, self.pads_on(day), strict=True))
        # Tyre pressure follows temperature (~1.2 kPa/°C): the tyres were set to `tire_kpa` on the window's first
        # day at that day's temperature (a fill at a fixed 20 °C would leave every car in a cold region under-inflated,
        # which the tyre-pressure rule rightly flags).
        fill_c = self.climate.weather(self.vehicle.region, self.reference).mean_c
        for path, kpa in zip(TIRE, self.tire_kpa, strict=True):
            out[path] = max(150, round(kpa + 1.2 * (weather.mean_c - fill_c) + rng.uniform(-2, 2)))
        out[BRAKE_FLUID] = 96
        if self.dtc is None:
            out[DTC] = 0
        else:
            codes = self.dtc.reading(day)
            out[DTC], out[DTC_LIST] = len(codes), codes
        out[SERVICE_KM], out[SERVICE_S] = self.service_on(day)
        if self.engine:
            out[COOLANT] = "NORMAL"
        return out

    def _soh(self, day: date, rng: random.Random) -> dict[str, object]:
        return {SOH: round(min(100.0, self.soh_on(day) + rng.uniform(-0.3, 0.3)), 2)}

    def _hv(self, soc: float, temp: float) -> dict[str, object]:
        soc = max(5.0, min(100.0, soc))
        cell = 3.3 + 0.0085 * soc
        return {
            SOC: round(soc, 1),
            HV_TEMP: round(temp, 1),
            CELL_MIN: round(cell - 0.008, 3),
            CELL_MAX: round(cell + 0.008, 3),
        }

    def day_samples(self, day: date, *, until: datetime | None = None) -> list[Sample]:
        """Return the samples of local date `day` up to `until` (inclusive) and advance the odometer."""
        rng = rng_for(self.seed, self.vehicle.vin, day.toordinal())
        weather = self.climate.weather(self.vehicle.region, day)
        km = self.daily_km * rng.uniform(0.6, 1.4)
        odo = self.odometer_m
        t0 = 8 * 60 + 10 + rng.randint(0, 45)
        plan: list[tuple[int, float, str, dict[str, object]]] = [
            (t0, 0.0, "home", self._start(day, weather, rng)),
            (t0 + rng.randint(8, 25), 0.25, "road", {**self._drive(rng), **self._report(day, weather, rng)}),
            (12 * 60 + 15 + rng.randint(0, 50), 0.45, "work", self._rest(day, rng)),
            (17 * 60 + 35 + rng.randint(0, 40), 0.7, "road", self._drive(rng)),
        ]
        if rng.random() < 0.5:
            plan.append((18 * 60 + 30 + rng.randint(0, 30), 0.85, "road", self._drive(rng)))
        soc = rng.uniform(80.0, 92.0) - 0.23 * km
        if self.vehicle.powertrain is Powertrain.EV:
            charging: dict[str, object] = {
                LV_V: round(rng.uniform(13.8, 14.1), 2),
                LV_A: round(rng.uniform(4.0, 9.0), 1),
                SPEED: 0.0,
            }
            charging |= self._hv(soc + 20.0, weather.mean_c + 12.0) | self._soh(day, rng)
            plan.append((20 * 60 + rng.randint(0, 60), 1.0, "home", charging))
        night = self._rest(day, rng)
        if self.vehicle.powertrain is Powertrain.HYBRID:
            night |= self._soh(day, rng)
        plan.append((22 * 60 + rng.randint(0, 70), 1.0, "home", night))

        samples: list[Sample] = []
        for minute, share, spot, signals in plan:
            ts = self._at(day, minute, rng)
            if until is not None and ts > until:
                break
            signals[AIR] = signals.get(AIR, air_temp(weather, minute / 60.0))
            signals[ODOMETER] = int(odo + share * km * 1000.0)
            if self.vehicle.powertrain is not Powertrain.ICE and SOC not in signals:
                signals |= self._hv(soc + 0.23 * km * (1.0 - share), weather.mean_c + 4.0)
            samples.append({"ts": ts, "signals": signals | self._where(spot, rng)})
        if samples:
            self.odometer_m = float(samples[-1]["signals"][ODOMETER])  # type: ignore[index]
            self.last_report_day = day
        return samples

    def live_sample(self, ts: datetime) -> Sample:
        """Return one sample at real time `ts`: the day's start sample first (from 08:00), then drive or rest."""
        local = ts.astimezone(self.tz)
        day, hour = local.date(), local.hour + local.minute / 60.0
        rng = rng_for(self.seed, self.vehicle.vin, "live", ts.timestamp())
        weather = self.climate.weather(self.vehicle.region, day)
        elapsed_h = (ts - self.last_live).total_seconds() / 3600.0 if self.last_live else 0.0
        self.last_live = ts
        if self.last_report_day != day and hour >= 8.0:
            self.last_report_day = day
            signals = (
                self._start(day, weather, rng) | self._report(day, weather, rng) | self._where("home", rng)
            )
            if self.vehicle.powertrain is not Powertrain.ICE:
                signals |= self._soh(day, rng)
        elif 7.5 <= hour < 9.5 or 17.0 <= hour < 19.5:
            signals = self._drive(rng) | self._where("road", rng)
            self.odometer_m += float(signals[SPEED]) * min(elapsed_h, 1.0) * 1000.0  # type: ignore[arg-type]
        else:
            signals = self._rest(day, rng) | self._where("work" if 9.5 <= hour < 17.0 else "home", rng)
        signals[AIR] = signals.get(AIR, air_temp(weather, hour))
        signals[ODOMETER] = int(self.odometer_m)
        return {"ts": ts, "signals": signals}


def make_model(vehicle: Vehicle, *, scenario: Scenario, segment: Segment, dtc: bool = False) -> VehicleModel:
    """Return the model of one vehicle of `scenario`, with healthy levels well clear of every detection threshold.

    With `dtc` it also reports the trouble codes of its episodes over the history window (simulators/dtc.py; their
    own random stream, so every other signal is the same either way)."""
    rng = rng_for(scenario.seed, vehicle.vin, "model")
    reference = scenario.first_day(vehicle.region)
    days = scenario.days
    front, rear = rng.uniform(0.05, 0.1), rng.uniform(0.03, 0.07)
    rates = [front, front * rng.uniform(0.9, 1.0), rear, rear * rng.uniform(0.9, 1.0)]
    if front * days > 40.0:  # very long windows: slow the wear so pads stay <= 50 % at the end
        rates = [r * 40.0 / (front * days) for r in rates]
    start = min(rng.uniform(5.0, 35.0), 48.0 - rates[0] * days)
    pad_start = (start, start - rng.uniform(0, 2), start * 0.7, start * 0.7 - rng.uniform(0, 2))
    lo, hi = DAILY_KM[segment]
    daily_km = rng.uniform(lo, hi)
    age_years = max(0.5, scenario.end.year - vehicle.model_year + 0.5)
    return VehicleModel(
        vehicle=vehicle,
        seed=scenario.seed,
        climate=scenario.climate,
        faults=scenario.faults_of(vehicle.vin),
        reference=reference,
        segment=segment,
        tz=ZoneInfo(REGIONS[vehicle.region].tz),
        crank_v20=rng.uniform(10.2, 10.5),
        rest_v=rng.uniform(12.54, 12.64),
        pad_start=tuple(max(0.0, p) for p in pad_start),
        pad_rate=tuple(rates),
        soh_start=rng.uniform(91.5, 98.0),
        soh_fade=rng.uniform(1.6, 2.4) / 365.25,
        tire_kpa=tuple(rng.randint(235, 250) for _ in range(4)),
        daily_km=daily_km,
        odometer_m=age_years * 365.0 * daily_km * 1000.0 * rng.uniform(0.8, 1.1),
        # healthy: at the window's end still >= 3,000 km and >= 60 days of driving and >= 120 days away
        service_km_start=rng.uniform(3000.0, 8000.0) + daily_km * (60 + days),
        service_days_start=rng.uniform(120.0, 300.0) + days,
        dtc=DtcEpisodes(vehicle, seed=scenario.seed, first=reference, days=days) if dtc else None,
    )


def fleet_models(scenario: Scenario, *, dtc: bool = False) -> list[VehicleModel]:
    """Return one model per vehicle of the scenario, in fleet order; `dtc`: the cars report trouble codes too."""
    segments = {c.crm_id: c.segment for c in scenario.fleet.customers}
    return [
        make_model(v, scenario=scenario, segment=segments[v.crm_id], dtc=dtc) for v in scenario.fleet.vehicles
    ]
