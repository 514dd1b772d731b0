"""What a rule decides: one `RiskFlag` per vehicle it flags, and which vehicles it could judge at all."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from domain.evidence import MODELS, Evidence
from domain.vocabulary import RiskKind, Severity


@dataclass(frozen=True, slots=True)
class RiskFlag:
    """A rule's finding for one vehicle: what is at risk, how urgent, when, and the readings that show it.

    `evidence` is the kind's typed evidence (``domain.evidence``); ``risk.evidence`` stores its `to_json()`.
    """

    vehicle_id: int
    kind: RiskKind
    rule_id: str
    rule_version: int
    severity: Severity
    confidence: float
    diagnosis: str
    evidence: Evidence
    predicted_date: date | None = None
    predicted_low: date | None = None
    predicted_high: date | None = None

    def __post_init__(self) -> None:
        if not 0.0 <= self.confidence <= 1.0:
            raise ValueError(f"confidence must be within 0..1, got {self.confidence}")
        if self.predicted_low and self.predicted_high and self.predicted_low > self.predicted_high:
            raise ValueError("predicted_low is after predicted_high")
        if not isinstance(self.evidence, MODELS[self.kind]):
            raise TypeError(
                f"a {self.kind} flag carries {type(self.evidence).__name__}, not its kind's evidence"
            )


@dataclass(frozen=True, slots=True)
class RuleResult:
    """Flags of one rule run plus the vehicles it had enough data to judge.

    An open risk of this kind whose vehicle is in `evaluated_vehicle_ids` but got no flag is resolved; vehicles
    left out (too little data, or inside a rule's hysteresis band) keep their open risk untouched.
    """

    rule_id: str
    kind: RiskKind
    flags: tuple[RiskFlag, ...] = ()
    evaluated_vehicle_ids: frozenset[int] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        for flag in self.flags:
            if flag.kind is not self.kind:
                raise ValueError(f"rule {self.rule_id} returned a {flag.kind} flag, expected {self.kind}")
        if len({f.vehicle_id for f in self.flags}) != len(self.flags):
            raise ValueError(f"rule {self.rule_id} flagged a vehicle twice")

    @property
    def cleared_vehicle_ids(self) -> frozenset[int]:
        """Vehicles judged healthy this run: evaluated but not flagged."""
        return self.evaluated_vehicle_ids - {f.vehicle_id for f in self.flags}


def result(
    *, rule_id: str, kind: RiskKind, flags: Iterable[RiskFlag], evaluated: Iterable[int]
) -> RuleResult:
    """Return a RuleResult with flags ordered by vehicle id."""
    return RuleResult(
        rule_id=rule_id,
        kind=kind,
        flags=tuple(sorted(flags, key=lambda f: f.vehicle_id)),
        evaluated_vehicle_ids=frozenset(int(v) for v in evaluated),
    )
