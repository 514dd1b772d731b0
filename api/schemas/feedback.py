"""Models of after-visit surveys and the service center's feed."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from api.schemas.common import RequestModel, UtcDateTime


class SurveyQuestion(BaseModel):
    """One question: a 1-5 score, a 0-10 recommend answer (nps) or free text, in both locales."""

    id: str
    type: Literal["score", "nps", "text"]
    en: str
    zh_cn: str = Field(alias="zh-CN", serialization_alias="zh-CN")


class Survey(BaseModel):
    """The questions asked after a visit and, once given, the answers."""

    id: int
    risk_id: int
    questions: list[SurveyQuestion]
    answers: dict[str, Any] | None = None
    sent_at: UtcDateTime
    answered_at: UtcDateTime | None = None


class SurveyList(BaseModel):
    """The surveys of one car, newest first."""

    items: list[Survey]


class SurveyAnswers(RequestModel):
    """Answers by question id: an integer 1-5 for scores, 0-10 for the recommend question, text for the free one."""

    answers: dict[str, int | str] = Field(examples=[{"q_explained": 4, "q_comment": "Quick and friendly."}])


class FeedItem(BaseModel):
    """Something the center's advisors should act on."""

    id: int
    # booking_conflict: an accepted booking the dealer's data now rules out (detail.booking_id; reason why)
    # owner_reply: the owner answered a care message by e-mail or SMS (detail.text, detail.channel, detail.from)
    kind: Literal["low_feedback", "outreach", "booking_conflict", "owner_reply"]
    reason: str = Field(examples=["due_for_maintenance"])
    detail: dict[str, Any]
    status: Literal["open", "done"]
    created_at: UtcDateTime
    risk_id: int | None = None
    vin: str
    model: str
    customer_name: str
    phone: str | None = None


class FeedPage(BaseModel):
    """One page of the feed; pass ``next_cursor`` back as ``cursor`` until it is null."""

    items: list[FeedItem]
    next_cursor: str | None = None
