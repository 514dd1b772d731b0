"""After-visit feedback (pure): 2-3 questions drawn from a bank, 1-5 scores plus one free-text question, and the
0-10 "would you recommend us" question (NPS) every time.

The draw is seeded by the case, so a re-run asks the same questions and nothing global is touched.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from domain.feedback import DIMENSIONS


@dataclass(frozen=True, slots=True)
class Question:
    """One question of the bank: a 1-5 score, a 0-10 recommend answer (nps) or free text, in both locales."""

    id: str
    type: str  # score | nps | text
    en: str
    zh: str

    def as_json(self) -> dict[str, str]:
        """Return the question as stored with the survey."""
        return {
            "id": self.id,
            "type": self.type,
            "dimension": DIMENSIONS[self.id],
            "en": self.en,
            "zh-CN": self.zh,
        }


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
# The 0-10 "would you recommend" question (NPS), asked after every visit on top of the drawn ones.
RECOMMEND = Question(
    "q_recommend",
    "nps",
    "How likely are you to recommend us to a friend? (0 = not at all, 10 = certainly)",
    "您向亲友推荐我们的可能性有多大？（0 = 完全不会，10 = 一定会）",
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


def questions_for(seed: int) -> list[Question]:
    """Return a visit's survey: the drawn questions with the 0-10 recommend question (NPS) before the free text."""
    drawn = draw(seed)
    return [*drawn[:-1], RECOMMEND, drawn[-1]]
