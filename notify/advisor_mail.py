"""The e-mail that tells an advisor about a negative survey answer (pure): who, which car, the questions and the
answers in words, in zh-CN and en (advisors read both; the account has no language of its own), and the link to
the advisor page's feedback section."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from domain.feedback import is_negative

_SCALE = {"score": 5, "nps": 10}


@dataclass(frozen=True, slots=True)
class AlertMail:
    """Subject and plain-text body of one alert e-mail."""

    subject: str
    body: str


def _answer_lines(
    questions: Sequence[Mapping[str, Any]], answers: Mapping[str, Any], locale: str
) -> list[str]:
    lines = []
    for q in questions:
        value = answers.get(q["id"])
        if value is None or q["type"] not in _SCALE:
            continue
        text = q.get(locale) or q.get("en") or q["id"]
        mark = " !" if is_negative(q["type"], value) else ""
        lines.append(f"- {text} {value}/{_SCALE[q['type']]}{mark}")
    return lines


def compose_alert_mail(
    *,
    advisor: str,
    customer: str,
    phone: str | None,
    model: str,
    plate: str | None,
    vin: str,
    questions: Sequence[Mapping[str, Any]],
    answers: Mapping[str, Any],
    page_url: str,
) -> AlertMail:
    """Return the e-mail of one negative-feedback alert (the owner's free text stays on the advisor page)."""
    car = f"{model} {plate or '…' + vin[-6:]}"
    subject = f"差评提醒 / Negative feedback: {customer}, {car}"
    zh = [
        f"{advisor}，您好：",
        "",
        f"您负责的客户 {customer}（{car}）在回访问卷中给出了差评，请尽快联系客户。",
        *_answer_lines(questions, answers, "zh-CN"),
        f"电话：{phone}" if phone else "电话：未登记",
        f"处理：{page_url}",
    ]
    en = [
        f"Hello {advisor},",
        "",
        f"Your customer {customer} ({car}) gave negative feedback after the visit. Please get in touch soon.",
        *_answer_lines(questions, answers, "en"),
        f"Phone: {phone}" if phone else "Phone: not on file",
        f"Act on it: {page_url}",
    ]
    return AlertMail(subject, "\n".join([*zh, "", "—", "", *en, ""]))
