"""Models of the closed feedback loop: negative-feedback alerts and their steps, outreach outcomes, the loop's
metrics per center and per advisor, and webhook ping and secret rotation."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.common import RequestModel, UtcDateTime
from domain.feedback import AlertAction, AlertStatus, Dimension, GoodwillKind, OutreachOutcome, Resolution


class AlertAnswer(BaseModel):
    """One answer of the survey behind an alert, with its question in both languages."""

    question_id: str
    dimension: Dimension | None
    type: str
    en: str
    zh_cn: str = Field(serialization_alias="zh-CN")
    value: int | str
    negative: bool


class FeedbackAlert(BaseModel):
    """A negative survey answer, tracked: who it is assigned to and each step with when and by whom."""

    id: int
    status: AlertStatus
    advisor_id: int | None
    advisor_name: str | None
    customer_name: str
    vin: str
    model: str
    plate: str | None = None
    risk_id: int
    survey_id: int
    answers: list[AlertAnswer]
    created_at: UtcDateTime
    acknowledged_at: UtcDateTime | None = None
    acknowledged_by: str | None = None
    contacted_at: UtcDateTime | None = None
    contacted_by: str | None = None
    resolved_at: UtcDateTime | None = None
    resolved_by: str | None = None
    resolution: Resolution | None = None
    note: str | None = None
    goodwill_kind: GoodwillKind | None = None
    goodwill_amount: float | None = None
    goodwill_note: str | None = None
    goodwill_at: UtcDateTime | None = None


class FeedbackAlertPage(BaseModel):
    """The center's alerts, newest first."""

    items: list[FeedbackAlert]


class AlertStep(RequestModel):
    """Move an alert one step: acknowledge (open), contact (acknowledged), resolve (contacted, with a resolution)."""

    model_config = ConfigDict(extra="forbid")

    action: AlertAction
    advisor_id: int | None = Field(
        default=None,
        ge=1,
        le=2**63 - 1,
        description="Who did it (an advisor of the center); null: the center",
    )
    resolution: Resolution | None = None
    note: str | None = Field(default=None, max_length=2000)


class GoodwillGesture(RequestModel):
    """A coupon (value in the center's currency) or loyalty points given to the customer."""

    model_config = ConfigDict(extra="forbid")

    kind: GoodwillKind
    amount: Decimal = Field(gt=0, le=1_000_000, max_digits=12, decimal_places=2)
    advisor_id: int | None = Field(default=None, ge=1, le=2**63 - 1)
    note: str | None = Field(default=None, max_length=2000)


class OutreachTask(BaseModel):
    """An open outreach task: a silent customer to call."""

    id: int
    reason: str
    detail: dict[str, Any]
    created_at: UtcDateTime
    customer_name: str
    phone: str | None = None
    advisor_id: int | None = None
    advisor_name: str | None = None
    vin: str
    model: str
    plate: str | None = None


class OutreachPage(BaseModel):
    """The center's open outreach tasks, oldest first."""

    items: list[OutreachTask]


class OutreachClose(RequestModel):
    """How the call ended; every outcome closes the task."""

    model_config = ConfigDict(extra="forbid")

    outcome: OutreachOutcome
    advisor_id: int | None = Field(default=None, ge=1, le=2**63 - 1)
    note: str | None = Field(default=None, max_length=2000)


class OutreachClosed(BaseModel):
    """The closed task."""

    id: int
    outcome: OutreachOutcome
    outcome_note: str | None = None
    closed_at: UtcDateTime


class LoopFiguresOut(BaseModel):
    """Alerts, response times and recovery (domain/feedback.py has the definitions)."""

    alerts: int = Field(ge=0)
    open: int = Field(ge=0, description="Not resolved yet")
    resolved: int = Field(ge=0)
    ack_hours_median: float | None = Field(default=None, description="Alert created to acknowledged")
    contact_hours_median: float | None = Field(
        default=None, description="Alert created to customer contacted"
    )
    recovery_rate: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description="Resolved alerts whose customer came back after: a visit, or a survey with no negative answer",
    )


class AdvisorFigures(LoopFiguresOut):
    """One advisor's alerts (advisor_id null: customers without an advisor)."""

    advisor_id: int | None


class QuestionFigures(BaseModel):
    """How one survey question was answered."""

    question_id: str
    dimension: Dimension | None
    answered: int
    mean: float | None
    negative: int


class FeedbackMetrics(BaseModel):
    """A center's feedback loop over the window."""

    loop: LoopFiguresOut
    nps: float | None = Field(
        default=None, ge=-100, le=100, description="% promoters (9-10) - % detractors (0-6)"
    )
    recommend_answers: int = Field(ge=0)
    repeat_visit_rate: float | None = Field(
        default=None, ge=0, le=1, description="Customers with a visit in the window who had two or more"
    )
    dimensions: dict[Dimension, float | None] = Field(description="Mean 1-5 score per dimension")
    questions: list[QuestionFigures]
    advisors: list[AdvisorFigures]


class CenterFeedbackMetrics(FeedbackMetrics):
    """The loop's numbers of one center since a time."""

    center_id: int
    since: UtcDateTime


class WebhookPinged(BaseModel):
    """The ping event written; notify delivers it to the one subscription within seconds."""

    event_id: str


class SecretRotate(RequestModel):
    """How long the previous secret keeps signing alongside the new one."""

    model_config = ConfigDict(extra="forbid")

    grace_hours: float = Field(default=24, ge=0, le=168)


class SecretRotated(BaseModel):
    """The new signing secret: shown only in this answer, keep it."""

    id: int
    secret: str = Field(description="The new HMAC-SHA256 key; shown only once")
    previous_secret_until: UtcDateTime | None = Field(
        description="Until then each push carries a second signature made with the previous secret"
    )


class AlertStepDone(BaseModel):
    """The alert after the step."""

    id: int
    status: AlertStatus
    resolution: Resolution | None = None
