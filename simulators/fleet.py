"""A deterministic simulated fleet: service centers, technicians, parts and stock, customers and their vehicles."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from domain.vin import vin_check_digit
from domain.vocabulary import Powertrain, Segment
from simulators.climate import REGIONS
from simulators.names import CENTER_AREAS, EN_FIRST, EN_LAST, ZH_GIVEN, ZH_SURNAMES

# Fleet share of each home region when nothing else decides (rough car ownership of the cities).
REGION_WEIGHTS = {
    "shanghai": 0.24,
    "beijing": 0.22,
    "guangzhou": 0.2,
    "chengdu": 0.16,
    "harbin": 0.09,
    "urumqi": 0.09,
}

PARTS: dict[str, str] = {
    "BAT-12V-AGM70": "12V AGM battery 70 Ah",
    "HV-DIAG-SVC": "Traction battery health check & balancing kit",
    "BRK-PAD-FRONT": "Front brake pad set",
    "BRK-PAD-REAR": "Rear brake pad set",
    "COOLANT-AF-4L": "Antifreeze coolant -40 °C, 4 L",
    "WASHER-WINTER-2L": "Winter washer fluid -30 °C, 2 L",
    "WIPER-BLADE-SET": "Front wiper blade set",
    "SVC-OIL-FILTER-KIT": "Scheduled service kit: engine oil 4 L, oil and cabin filters",
    "TYRE-SVC-KIT": "Tyre inspection, inflation and puncture repair kit",
    "AC-SVC-KIT": "A/C check: refrigerant top-up and cabin filter",
    "TRIP-CHECK-SVC": "Pre-trip inspection: brakes, tyres, wipers, lights and fluids",
}

# List prices in CNY with 13 % VAT included (the simulated centers price that way), in the range Chinese dealers
# publish for these jobs; a SKU without a price gives no estimate, never a guess.
PART_PRICES: dict[str, Decimal] = {
    "BAT-12V-AGM70": Decimal("1280.00"),
    "HV-DIAG-SVC": Decimal("680.00"),
    "BRK-PAD-FRONT": Decimal("560.00"),
    "BRK-PAD-REAR": Decimal("480.00"),
    "COOLANT-AF-4L": Decimal("198.00"),
    "WASHER-WINTER-2L": Decimal("38.00"),
    "WIPER-BLADE-SET": Decimal("168.00"),
    "SVC-OIL-FILTER-KIT": Decimal("598.00"),
    "TYRE-SVC-KIT": Decimal("120.00"),
    "AC-SVC-KIT": Decimal("280.00"),
    "TRIP-CHECK-SVC": Decimal("0.00"),
}
# Labour per hour (VAT included) by region: the big coastal cities cost more.
HOURLY_RATE: dict[str, Decimal] = {
    "shanghai": Decimal("320.00"),
    "beijing": Decimal("300.00"),
    "guangzhou": Decimal("280.00"),
    "chengdu": Decimal("240.00"),
    "harbin": Decimal("220.00"),
    "urumqi": Decimal("200.00"),
}
VAT = Decimal("0.13")

WEEKDAY_HOURS = ["08:30", "18:00"]
OPENING_HOURS = {d: WEEKDAY_HOURS for d in ("mon", "tue", "wed", "thu", "fri")} | {
    "sat": ["09:00", "17:00"],
    "sun": None,
}
LATE_OPENING_HOURS = OPENING_HOURS | {"sun": ["10:00", "16:00"]}


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """A car model sold in China: manufacturer code (WMI), brand, name and powertrain."""

    wmi: str
    brand: str
    name: str
    powertrain: Powertrain


MODELS: tuple[ModelSpec, ...] = (
    ModelSpec("LSV", "Volkswagen", "Lavida", Powertrain.ICE),
    ModelSpec("LSV", "Volkswagen", "Passat", Powertrain.ICE),
    ModelSpec("LSV", "Volkswagen", "ID.4 X", Powertrain.EV),
    ModelSpec("LFV", "Volkswagen", "Sagitar", Powertrain.ICE),
    ModelSpec("LFV", "Audi", "A6L", Powertrain.ICE),
    ModelSpec("LFV", "Volkswagen", "ID.4 CROZZ", Powertrain.EV),
    ModelSpec("LRW", "Tesla", "Model 3", Powertrain.EV),
    ModelSpec("LRW", "Tesla", "Model Y", Powertrain.EV),
    ModelSpec("LGW", "Haval", "H6", Powertrain.ICE),
    ModelSpec("LGW", "ORA", "Good Cat", Powertrain.EV),
    ModelSpec("LB3", "Geely", "Boyue L", Powertrain.ICE),
    ModelSpec("LB3", "Geely", "Geometry A", Powertrain.EV),
    ModelSpec("LGX", "BYD", "Han EV", Powertrain.EV),
    ModelSpec("LGX", "BYD", "Qin PLUS DM-i", Powertrain.HYBRID),
    ModelSpec("LGX", "BYD", "Song PLUS DM-i", Powertrain.HYBRID),
    ModelSpec("LSG", "Buick", "GL8", Powertrain.ICE),
    ModelSpec("LVG", "Toyota", "Camry Hybrid", Powertrain.HYBRID),
    ModelSpec("LVG", "Toyota", "RAV4", Powertrain.ICE),
)
PREMIUM_BRANDS = frozenset({"Audi", "Tesla"})
# ISO 3779 model-year code (position 10).
YEAR_CODES = {
    2017: "H",
    2018: "J",
    2019: "K",
    2020: "L",
    2021: "M",
    2022: "N",
    2023: "P",
    2024: "R",
    2025: "S",
}
VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"


@dataclass(frozen=True, slots=True)
class ServiceCenter:
    code: str
    name: str
    city: str
    region: str
    lat_deg: float
    lon_deg: float
    tz: str
    opening_hours: dict[str, list[str] | None]
    brands: tuple[str, ...]
    pickup: bool = False  # its drivers collect and return cars (each region's first center)


@dataclass(frozen=True, slots=True)
class Technician:
    center_code: str
    name: str
    skills: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PartStock:
    center_code: str
    sku: str
    on_hand: int
    restock_days: int


@dataclass(frozen=True, slots=True)
class Customer:
    crm_id: str  # stable external key: the customer reference (customer.ref) the seeder upserts by
    name: str
    locale: str
    tz: str
    segment: Segment
    preferred_center_code: str
    channels: dict[str, object]


@dataclass(frozen=True, slots=True)
class Vehicle:
    vin: str
    crm_id: str
    brand: str
    model: str
    model_year: int
    powertrain: Powertrain
    region: str
    # Where the car sleeps and where it parks by day (simulation only, not stored).
    home: tuple[float, float]
    work: tuple[float, float]


@dataclass(frozen=True, slots=True)
class Fleet:
    centers: tuple[ServiceCenter, ...]
    technicians: tuple[Technician, ...]
    parts: dict[str, str]
    stock: tuple[PartStock, ...]
    customers: tuple[Customer, ...]
    vehicles: tuple[Vehicle, ...]
    by_vin: dict[str, Vehicle] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self.by_vin.update({v.vin: v for v in self.vehicles})


def rng_for(seed: int, *parts: object) -> random.Random:
    """Return a Random seeded from (seed, *parts), stable across processes and Python versions."""
    digest = hashlib.blake2b(repr((seed, *parts)).encode(), digest_size=8).digest()
    return random.Random(int.from_bytes(digest, "big"))


def powertrain_plan(
    seed: int, n_vehicles: int, ev_share: float, *, min_ev: int = 0, min_engine: int = 0
) -> list[Powertrain]:
    """Return the powertrain of each vehicle index: round(n * ev_share) EVs (within the minimums), ~15 % of the rest hybrid."""
    n_ev = max(min_ev, min(n_vehicles - min_engine, round(n_vehicles * ev_share)))
    rng = rng_for(seed, "powertrain")
    plan = [Powertrain.EV] * n_ev + [
        Powertrain.HYBRID if rng.random() < 0.15 else Powertrain.ICE for _ in range(n_vehicles - n_ev)
    ]
    rng.shuffle(plan)
    return plan


def _offset(rng: random.Random, lat: float, lon: float, km: float) -> tuple[float, float]:
    # ~111 km per degree of latitude; longitude degrees shrink with latitude (~0.75 at 40° N).
    return round(lat + rng.uniform(-km, km) / 111.0, 6), round(lon + rng.uniform(-km, km) / 85.0, 6)


def _centers(seed: int, per_region: int) -> tuple[list[ServiceCenter], list[Technician], list[PartStock]]:
    rng = rng_for(seed, "centers")
    brands = sorted({m.brand for m in MODELS})
    centers, techs, stock = [], [], []
    for region in REGIONS.values():
        for i in range(per_region):
            code = f"SC-{region.code[:3].upper()}-{i + 1:02d}"
            area = CENTER_AREAS[region.code][i % len(CENTER_AREAS[region.code])]
            lat, lon = _offset(rng, region.lat_deg, region.lon_deg, 12.0)
            hours = LATE_OPENING_HOURS if i == 0 else OPENING_HOURS
            sold = tuple(sorted(rng.sample(brands, 4)))
            centers.append(
                ServiceCenter(
                    code,
                    f"Carecast {region.city_en} {area} Service",
                    region.city_en,
                    region.code,
                    lat,
                    lon,
                    region.tz,
                    hours,
                    sold,
                    pickup=i == 0,
                )
            )
            names = rng.sample([s + g for s in ZH_SURNAMES for g in ZH_GIVEN], 5)
            skills = [
                ("general", "brakes"),
                ("electrical", "general"),
                ("brakes",),
                ("electrical",),
                ("general",),
            ]
            # Every region has a high-voltage certified technician at its first center; others by chance.
            if i == 0 or rng.random() < 0.5:
                skills[3] = ("electrical", "high_voltage")
            techs += [Technician(code, n, s) for n, s in zip(names, skills, strict=True)]
            for sku in PARTS:
                zero = i > 0 and rng.random() < 0.2
                stock.append(PartStock(code, sku, 0 if zero else rng.randint(2, 12), rng.randint(1, 7)))
    return centers, techs, stock


def _vin(rng: random.Random, wmi: str, year: int, serial: int) -> str:
    vds = "".join(rng.choice(VIN_CHARS) for _ in range(5))
    plant = rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ")
    draft = f"{wmi}{vds}0{YEAR_CODES[year]}{plant}{serial:06d}"
    return draft[:8] + vin_check_digit(draft) + draft[9:]


def _customer(
    rng: random.Random, seed: int, index: int, region: str, spec: ModelSpec, centers: list[str]
) -> Customer:
    locale = "en" if rng.random() < 0.12 else "zh-CN"
    if locale == "en":
        name = f"{rng.choice(EN_FIRST)} {rng.choice(EN_LAST)}"
    else:
        name = rng.choice(ZH_SURNAMES) + rng.choice(ZH_GIVEN)
    if spec.brand in PREMIUM_BRANDS and rng.random() < 0.6:
        segment = Segment.PREMIUM
    elif spec.powertrain is Powertrain.EV and rng.random() < 0.7:
        segment = Segment.EV
    else:
        segment = Segment.BUSINESS if rng.random() < 0.3 else Segment.FAMILY
    crm_id = f"SIM-{seed}-{index:06d}"
    channels = {
        "crm_id": crm_id,
        "email": f"owner{seed}.{index:06d}@example.com",
        "phone": f"+86 139{rng.randint(0, 99_999_999):08d}",
        "app": rng.random() < 0.8,
    }
    return Customer(crm_id, name, locale, REGIONS[region].tz, segment, rng.choice(centers), channels)


def build_fleet(
    seed: int,
    n_vehicles: int,
    ev_share: float,
    *,
    regions: Sequence[str] | None = None,
    powertrains: Sequence[Powertrain] | None = None,
) -> Fleet:
    """Return the fleet of `seed`: every region's centers, and one customer per vehicle living in the vehicle's region."""
    per_region = 2 + min(2, n_vehicles // 150)
    centers, techs, stock = _centers(seed, per_region)
    plan = list(powertrains) if powertrains is not None else powertrain_plan(seed, n_vehicles, ev_share)
    rng = rng_for(seed, "vehicles")
    if regions is None:
        codes = list(REGION_WEIGHTS)
        regions = rng.choices(codes, weights=[REGION_WEIGHTS[c] for c in codes], k=n_vehicles)
    centers_of = {r: [c.code for c in centers if c.region == r] for r in REGIONS}
    customers, vehicles, serials = [], [], rng.sample(range(100_000, 1_000_000), n_vehicles)
    for index, (powertrain, region) in enumerate(zip(plan, regions, strict=True)):
        spec = rng.choice([m for m in MODELS if m.powertrain is powertrain])
        year = rng.randint(2018, 2025) if powertrain is Powertrain.EV else rng.randint(2017, 2025)
        customer = _customer(rng, seed, index, region, spec, centers_of[region])
        city = REGIONS[region]
        home = _offset(rng, city.lat_deg, city.lon_deg, 15.0)
        work = _offset(rng, city.lat_deg, city.lon_deg, 8.0)
        vin = _vin(rng, spec.wmi, year, serials[index])
        customers.append(customer)
        vehicles.append(
            Vehicle(vin, customer.crm_id, spec.brand, spec.name, year, powertrain, region, home, work)
        )
    return Fleet(tuple(centers), tuple(techs), dict(PARTS), tuple(stock), tuple(customers), tuple(vehicles))
