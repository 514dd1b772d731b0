"""Response models of the manager's numbers: rule precision and lead time, center response times."""

from __future__ import annotations

from pydantic import BaseModel, Field

from api.schemas.common import UtcDateTime
from api.schemas.feedback_loop import FeedbackMetrics
from domain.vocabulary import RiskKind


class RuleOutcome(BaseModel):
    """How one detection rule fared at the workshop."""

    rule_id: str = Field(examples=["battery_12v.crank_dip"])
    rule_version: int
    kind: RiskKind
    confirmed: int = Field(ge=0, description="Cases where the workshop confirmed the fault")
    no_fault_found: int = Field(ge=0)
    precision: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description="confirmed / (confirmed + no_fault_found); null without outcomes",
    )
    lead_days_median: float | None = Field(
        default=None, description="Confirmed cases: days from the first warning to the predicted failure day"
    )
    days_to_service_median: float | None = Field(
        default=None, description="Days from the first warning to the workshop visit"
    )


class Satisfaction(BaseModel):
    """What owners said in after-visit surveys answered in the window (scores 1-5)."""

    answered: int = Field(ge=0)
    mean_score: float | None = Field(default=None, examples=[4.3])
    low_scores: int = Field(ge=0, description="Surveys with a score of 2 or less")


class CenterResponse(BaseModel):
    """How a center answered the suggestions it got in the window."""

    center_id: int
    code: str
    name: str
    suggested: int
    accepted: int
    declined: int
    expired: int
    pending: int
    accept_hours_median: float | None = Field(default=None, description="From suggestion to acceptance")
    accept_hours_p90: float | None = None
    booked_to_check_in_hours_median: float | None = None
    satisfaction: Satisfaction
    feedback: FeedbackMetrics = Field(
        description="The closed feedback loop: alert response times, recovery, NPS, repeat visits, dimensions, advisors"
    )


class ManagerReport(BaseModel):
    """Rule precision and lead time from workshop outcomes; response times and satisfaction per center."""

    since: UtcDateTime
    rules: list[RuleOutcome]
    centers: list[CenterResponse]
