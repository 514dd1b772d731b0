"""How a detection rule fared at the workshop (pure): the counts of confirmed faults and no-fault-found visits
behind its precision, and its median lead times. Read by `carecast report rules` and the manager API."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RuleOutcome:
    """Workshop outcomes of one rule version (from core/outcomes.py)."""

    rule_id: str
    rule_version: int
    kind: str
    confirmed: int
    no_fault_found: int
    verified: int
    # Median days from the first warning to the predicted failure day (confirmed faults with a date).
    lead_days_median: float | None
    # Median days from the first warning to the workshop visit.
    days_to_service_median: float | None

    @property
    def precision(self) -> float | None:
        """Return confirmed / (confirmed + no fault found), None before any outcome."""
        judged = self.confirmed + self.no_fault_found
        return self.confirmed / judged if judged else None
