"""Which advisor a new customer gets: the active advisor of the customer's center with the fewest customers, ties
to the lowest id (pure; the I/O is core/advisors.py). A DMS-given advisor is never passed here: it always wins."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Unassigned:
    """A customer without an advisor, and the center whose advisors may take them (None: no preferred center)."""

    customer_id: int
    center_id: int | None


@dataclass(frozen=True, slots=True)
class AdvisorLoad:
    """An active advisor of a center and how many customers they have now."""

    advisor_id: int
    center_id: int
    customers: int


def assign(customers: Sequence[Unassigned], loads: Sequence[AdvisorLoad]) -> Mapping[int, int]:
    """Return customer id → advisor id for each customer whose center has an active advisor.

    Customers are taken in id order and each choice counts towards the next, so a batch spreads evenly."""
    counts: dict[int, dict[int, int]] = {}
    for a in loads:
        counts.setdefault(a.center_id, {})[a.advisor_id] = a.customers
    chosen: dict[int, int] = {}
    for c in sorted(customers, key=lambda c: c.customer_id):
        team = counts.get(c.center_id) if c.center_id is not None else None
        if not team:
            continue
        advisor_id = min(team, key=lambda a: (team[a], a))
        team[advisor_id] += 1
        chosen[c.customer_id] = advisor_id
    return chosen
