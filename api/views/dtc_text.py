"""A stored trouble code in plain words for the owner page and the advisor desk (pure): each code of a dtc risk's
evidence with its catalogue title (domain/dtc.py), whether it is confirmed, the warning lamp and whether to drive."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from domain.dtc import describe
from domain.evidence import DtcEvidence, parse_evidence
from domain.vocabulary import RiskKind


def code_lines(evidence: Mapping[str, Any], *, locale: str) -> list[str]:
    """Return one line per stored code, worst first: "P0301 Cylinder 1 misfire detected: confirmed, lamp on"."""
    typed = parse_evidence(RiskKind.DTC, evidence)
    assert isinstance(typed, DtcEvidence)
    zh = locale == "zh-CN"
    lines = []
    for c in typed.codes:
        title = describe(c.code).title["zh-CN" if zh else "en"]
        state = (
            ("已确认" if zh else "confirmed")
            if c.confirmed
            else ("反复出现，尚未确认" if zh else "recurring, pending")
        )
        if c.mil:
            state += "，故障灯亮" if zh else ", warning lamp on"
        lines.append(f"{c.code} {title}{'：' if zh else ': '}{state}")
    if typed.drivable is False:
        lines.append("请勿远距离驾驶，仅开往维修站" if zh else "Drive only gently and only to the workshop")
    return lines
