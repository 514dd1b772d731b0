"""Booking choice: which center, technician and slot to offer the owner for a risk (pure, `now` passed in).

Candidate centers: those with a technician holding the job's skill, within reach of the car's home area (or the
nearest one), ranked by distance with the customer's preferred center counted closer. Each center offers its
earliest free slot on/after the day all parts are there, then later days. Up to three options, diverse by center
first and by day second, ranked: finishing before the predicted date first, a center's first day before its
further days, then center rank, then time. The dealer's master data bounds the slots: the center's own calendar
days over the national one, each technician's weekly shifts, absences and DMS appointments (as busy periods), and
the center's bays (never more jobs at once than bays). Segments shift the ranking: business owners get the fastest slot first
(any center), families a weekend slot where one exists, premium owners their preferred center first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from domain.pickup import haversine_km
from domain.preference import OwnerPreference
from domain.pricing import CenterPrices, Estimate
from domain.vocabulary import RiskKind
from domain.workdays import WorkCalendar
from notify.jobs import JOBS, job_estimate
from notify.slots import CenterCalendar, DayKind, Interval, Shift, free_slots, saturated


@dataclass(frozen=True, slots=True)
class Center:
    """An active service center; opening_hours maps 'mon'..'sun' to ['08:30', '18:00'] or None, local time in tz;
    calendar_days its own closed, holiday and make-up days over the national calendar; bays how many jobs it can
    run at once."""

    id: int
    name: str
    city: str
    region: str
    lat: float
    lon: float
    tz: str
    opening_hours: Mapping[str, Sequence[str] | None]
    bays: int = 4
    calendar_days: Mapping[date, DayKind] = field(default_factory=dict)
    prices: CenterPrices = CenterPrices(hourly_rate=None)


@dataclass(frozen=True, slots=True)
class Technician:
    """An active technician, the skills they are certified for and their weekly shifts (none: opening hours)."""

    id: int
    center_id: int
    name: str
    skills: frozenset[str]
    shifts: tuple[Shift, ...] = ()


@dataclass(frozen=True, slots=True)
class StockLevel:
    """Free stock of one part at one center (on hand minus reserved, in Carecast and in the DMS), its restock lead
    time and the day the next delivery arrives, when known."""

    available: int
    restock_days: int
    restock_date: date | None = None


@dataclass(frozen=True, slots=True)
class Candidates:
    """Everything booking may choose from."""

    centers: tuple[Center, ...]
    technicians: tuple[Technician, ...]
    stock: Mapping[int, Mapping[str, StockLevel]] = field(default_factory=dict)
    part_names: Mapping[str, str] = field(default_factory=dict)
    part_prices: Mapping[str, Decimal | None] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class BookingRequest:
    """The risk and the customer as booking sees them; segment is carried for segment-aware ranking."""

    kind: RiskKind
    severity: str
    predicted_date: date | None
    home_lat: float
    home_lon: float
    preferred_center_id: int | None
    segment: str
    # The owner's "another time" (owner page): later earliest day, part of day, the preferred center or nearby too.
    preference: OwnerPreference | None = None


@dataclass(frozen=True, slots=True)
class BookingPolicy:
    """Tunables of the booking choice."""

    min_lead: timedelta = timedelta(hours=2)
    slot_step: timedelta = timedelta(minutes=30)
    horizon_days: int = 42
    max_centers: int = 4
    max_options: int = 3
    # The preferred center competes as if it were this much closer: favoured nearby, not across the country.
    preferred_bonus_km: float = 25.0
    # Centers farther than this from the car are not offered, unless none is closer (then the nearest one is).
    max_distance_km: float = 150.0
    # Lead time assumed for a part a center does not stock at all.
    default_restock_days: int = 7
    # "Another time" with nearby centers: those within this distance of the owner's preferred center.
    nearby_km: float = 30.0


@dataclass(frozen=True, slots=True)
class PartLine:
    """One part the job needs and when it is at the center."""

    sku: str
    name: str
    qty: int
    in_stock: bool
    available_on: date


@dataclass(frozen=True, slots=True)
class RankedCenter:
    """A center that can do the job, its distance and its qualified technicians."""

    center: Center
    distance_km: float
    technicians: tuple[Technician, ...]
    preferred: bool


@dataclass(frozen=True, slots=True)
class BookingOption:
    """One concrete offer: center, technician, UTC slot, parts, and a '+'-joined machine reason."""

    rank: int
    center: Center
    technician: Technician
    slot_start: datetime
    slot_end: datetime
    deadline: date | None
    distance_km: float
    parts: tuple[PartLine, ...]
    reason: str
    estimate: Estimate | None = None  # the price shown to the owner; None when a price is missing

    @property
    def after_deadline(self) -> bool:
        """Return True when the slot does not finish before the predicted date."""
        return "after_deadline" in self.reason.split("+")


def rank_centers(
    request: BookingRequest, *, candidates: Candidates, policy: BookingPolicy
) -> list[RankedCenter]:
    """Return the nearest centers with a technician skilled for the job, best first."""
    skill = JOBS[request.kind].skill
    by_center: dict[int, list[Technician]] = {}
    for tech in candidates.technicians:
        if skill in tech.skills:
            by_center.setdefault(tech.center_id, []).append(tech)
    ranked = [
        RankedCenter(
            center=c,
            distance_km=haversine_km(request.home_lat, request.home_lon, c.lat, c.lon),
            technicians=tuple(sorted(by_center[c.id], key=lambda t: t.id)),
            preferred=c.id == request.preferred_center_id,
        )
        for c in candidates.centers
        if c.id in by_center
    ]
    if not ranked:
        return []
    if request.preference is not None:
        chosen = _preferred_area(ranked, preference=request.preference, policy=policy)
        if chosen is not None:
            return chosen
    reach = max(policy.max_distance_km, min(r.distance_km for r in ranked))
    ranked = [r for r in ranked if r.distance_km <= reach]
    ranked.sort(
        key=lambda r: (r.distance_km - (policy.preferred_bonus_km if r.preferred else 0.0), r.center.id)
    )
    return ranked[: policy.max_centers]


def _preferred_area(
    ranked: Sequence[RankedCenter], *, preference: OwnerPreference, policy: BookingPolicy
) -> list[RankedCenter] | None:
    """The centers of an owner's "another time": the preferred one only, or it first and then the centers within
    `policy.nearby_km` of it (nearest to the car first); None when the owner has no preferred center able to do
    the job (the usual choice then applies)."""
    home = next((r for r in ranked if r.preferred), None)
    if home is None:
        return None
    if not preference.nearby:
        return [home]
    near = [
        r
        for r in ranked
        if not r.preferred
        and haversine_km(home.center.lat, home.center.lon, r.center.lat, r.center.lon) <= policy.nearby_km
    ]
    near.sort(key=lambda r: (r.distance_km, r.center.id))
    return [home, *near][: policy.max_centers]


def parts_for(
    request: BookingRequest, *, center: Center, candidates: Candidates, now: datetime, policy: BookingPolicy
) -> tuple[PartLine, ...]:
    """Return the job's parts at a center: in stock today, or on the restock day."""
    today = now.astimezone(ZoneInfo(center.tz)).date()
    stock = candidates.stock.get(center.id, {})
    lines = []
    for sku, qty in JOBS[request.kind].parts:
        level = stock.get(sku)
        in_stock = level is not None and level.available >= qty
        lead = 0 if in_stock else (level.restock_days if level is not None else policy.default_restock_days)
        arrives = today + timedelta(days=lead)
        if (
            not in_stock
            and level is not None
            and level.restock_date is not None
            and level.restock_date >= today
        ):
            arrives = min(arrives, level.restock_date)  # a delivery already on its way beats a new order
        name = candidates.part_names.get(sku, sku)
        lines.append(PartLine(sku, name, qty, in_stock, arrives))
    return tuple(lines)


def propose(
    request: BookingRequest,
    *,
    candidates: Candidates,
    busy: Mapping[int, Sequence[Interval]],
    calendar: WorkCalendar,
    now: datetime,
    policy: BookingPolicy | None = None,
    center_busy: Mapping[int, Sequence[Interval]] | None = None,
) -> list[BookingOption]:
    """Return up to `policy.max_options` ranked booking options for a risk; `busy` holds each technician's
    booked, offered and absent periods, `center_busy` every job at each center (for its bays)."""
    policy = policy or BookingPolicy()
    found: list[tuple[tuple, BookingOption]] = []
    for center_rank, rc in enumerate(rank_centers(request, candidates=candidates, policy=policy)):
        parts = parts_for(request, center=rc.center, candidates=candidates, now=now, policy=policy)
        price = job_estimate(
            request.kind,
            prices=rc.center.prices,
            part_names=candidates.part_names,
            part_prices=candidates.part_prices,
        )
        tz = ZoneInfo(rc.center.tz)
        bays_full = saturated((center_busy or {}).get(rc.center.id, ()), capacity=rc.center.bays)
        center_calendar = (
            CenterCalendar(calendar, rc.center.calendar_days) if rc.center.calendar_days else calendar
        )
        taken_days: set[date] = set()
        # Families first get a search for a weekend slot; everyone then gets the earliest days.
        searches = [True] if request.segment == "family" and request.preference is None else []
        searches += [False] * policy.max_options
        for nth, weekend_only in enumerate(searches):
            best = _best_slot(
                request,
                rc,
                busy,
                first_day=max((p.available_on for p in parts), default=now.astimezone(tz).date()),
                taken_days=taken_days,
                calendar=center_calendar,
                now=now,
                policy=policy,
                weekend_only=weekend_only,
                bays_full=bays_full,
                preference=request.preference,
            )
            if best is None:
                if weekend_only:
                    continue
                break
            slot, tech = best
            taken_days.add(slot.start.astimezone(tz).date())
            late = (
                request.predicted_date is not None
                and slot.end.astimezone(tz).date() >= request.predicted_date
            )
            option = BookingOption(
                rank=0,
                center=rc.center,
                technician=tech,
                slot_start=slot.start,
                slot_end=slot.end,
                deadline=request.predicted_date,
                distance_km=round(rc.distance_km, 1),
                parts=parts,
                reason=_reason(request, rc, parts, late=late, alternative=nth > 0),
                estimate=price,
            )
            weekend = slot.start.astimezone(tz).weekday() >= 5
            found.append(
                (_rank_key(request.segment, rc, late, nth > 0, weekend, center_rank, slot.start), option)
            )
    found.sort(key=lambda item: item[0])
    return [replace(option, rank=i + 1) for i, (_, option) in enumerate(found[: policy.max_options])]


def _rank_key(
    segment: str,
    rc: RankedCenter,
    late: bool,
    alternative: bool,
    weekend: bool,
    center_rank: int,
    start: datetime,
) -> tuple:
    """Sort key of an option: never late before late, then what the segment values most."""
    if segment == "business":
        return (late, start, center_rank)
    if segment == "family":
        return (late, not weekend, alternative, center_rank, start)
    if segment == "premium":
        return (late, not rc.preferred, alternative, center_rank, start)
    return (late, alternative, center_rank, start)


def _best_slot(
    request: BookingRequest,
    rc: RankedCenter,
    busy: Mapping[int, Sequence[Interval]],
    *,
    first_day: date,
    taken_days: set[date],
    calendar: WorkCalendar,
    now: datetime,
    policy: BookingPolicy,
    weekend_only: bool = False,
    bays_full: Sequence[Interval] = (),
    preference: OwnerPreference | None = None,
) -> tuple[Interval, Technician] | None:
    """Earliest free slot over the center's qualified technicians on a day not yet offered, outside the periods
    the center's bays are all taken and fitting the owner's preference, if any; ties go to the technician with the
    fewest bookings."""
    tz = ZoneInfo(rc.center.tz)
    if preference is not None and preference.earliest is not None:
        first_day = max(first_day, preference.earliest)
    last_day = now.astimezone(tz).date() + timedelta(days=policy.horizon_days)
    best: tuple[tuple[datetime, int, int], Interval, Technician] | None = None
    for tech in rc.technicians:
        tech_busy = busy.get(tech.id, ())
        slots = free_slots(
            tz,
            rc.center.opening_hours,
            [*tech_busy, *bays_full] if bays_full else tech_busy,
            first_day=first_day,
            earliest=now + policy.min_lead,
            last_day=last_day,
            duration=JOBS[request.kind].duration,
            step=policy.slot_step,
            calendar=calendar,
            shifts=tech.shifts,
        )
        slot = next(
            (
                s
                for s in slots
                if (day := s.start.astimezone(tz).date()) not in taken_days
                and (not weekend_only or day.weekday() >= 5)
                and (preference is None or preference.fits(s.start.astimezone(tz)))
            ),
            None,
        )
        if slot is not None and (best is None or (slot.start, len(tech_busy), tech.id) < best[0]):
            best = ((slot.start, len(tech_busy), tech.id), slot, tech)
    return None if best is None else (best[1], best[2])


def _reason(
    request: BookingRequest, rc: RankedCenter, parts: Sequence[PartLine], *, late: bool, alternative: bool
) -> str:
    tags = [
        "no_deadline" if request.predicted_date is None else "after_deadline" if late else "before_deadline"
    ]
    tags.append("parts_in_stock" if all(p.in_stock for p in parts) else "parts_on_order")
    if rc.preferred:
        tags.append("preferred_center")
    if alternative:
        tags.append("alternative_day")
    return "+".join(tags)
