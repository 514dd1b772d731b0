"""After-visit feedback (pure): 2-3 questions drawn from a bank, 1-5 scores plus one free-text question.

The draw is seeded by the case, so a re-run asks the same questions and nothing global is touched.
"""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Question:
    """One question of the bank: a 1-5 score or free text, in both locales."""

    id: str
    type: str  # score | text
    en: str
    zh: str

    def as_json(self) -> dict[str, str]:
        """Return the question as stored with the survey."""
        return {"id": self.id, "type": self.type, "en": self.en, "zh-CN": self.zh}


SCORES = (
    Question(
        "q_explained",
        "score",
        "How well did we explain what was wrong with your car?",
        "我们对车辆问题的解释是否清楚？",
    ),
    Question(
        "q_on_time", "score", "Was your car ready at the time we promised?", "车辆是否按承诺的时间完工？"
    ),
    Question("q_booking", "score", "How easy was it to book the visit?", "预约到店是否方便？"),
    Question(
        "q_advisor", "score", "How friendly and helpful was your service advisor?", "服务顾问是否热情、专业？"
    ),
    Question("q_price", "score", "Was the price what you expected?", "费用是否符合您的预期？"),
)
TEXTS = (
    Question("q_comment", "text", "Anything else you would like to tell us?", "还有什么想对我们说的吗？"),
    Question(
        "q_improve", "text", "What one thing should we do better next time?", "下次我们最应该改进哪一点？"
    ),
)


def draw(seed: int) -> list[Question]:
    """Return 2-3 questions: one or two scores and one free-text question, chosen by `seed`."""
    rng = random.Random(seed)
    scores = rng.sample(SCORES, rng.choice((1, 2)))
    return [*scores, rng.choice(TEXTS)]
