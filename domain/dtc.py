"""Diagnostic trouble codes: the catalogue of common codes and the reported form of a code with its status.

The catalogue (``dtc_catalogue.json`` beside this module, SAE J2012 generic codes across the four systems P/C/B/U)
says per code how urgent it is, what it means in plain words (zh-CN and en), which technician skill the job needs
(the skills booking matches: general, brakes, electrical, high_voltage), the likely parts and whether the car is
still safe to drive. ``self_clearing`` marks codes known to come and go with conditions (a loose fuel cap).

A car reports its codes as VSS ``Vehicle.Diagnostics.DTCList`` (string[]). Each entry is the code, optionally with
its ISO 14229-1 status byte in hex after a colon (``"P0300:88"``): bit 0x04 *pending* (the fault was seen in the
current or last drive cycle, not yet matured), 0x08 *confirmed* (it matured, stored), 0x80 *warning indicator
requested* (the MIL, the check-engine light, is on). A bare code is a confirmed one with the MIL state unknown (off).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from types import MappingProxyType

from domain.vocabulary import LOCALES, Locale, Severity

CODE_PATTERN = re.compile(r"^[PCBU][0-3][0-9A-F]{3}$")
PENDING = 0x04
CONFIRMED = 0x08
MIL = 0x80
SYSTEMS: Mapping[str, str] = MappingProxyType(
    {"P": "powertrain", "C": "chassis", "B": "body", "U": "network"}
)
# The technician skills booking matches a job against (notify/jobs.py, the centers' technicians).
SKILLS: tuple[str, ...] = ("general", "brakes", "electrical", "high_voltage")


@dataclass(frozen=True, slots=True)
class DtcEntry:
    """One catalogue code: urgency, meaning per locale, the job's skill, likely parts, and whether to drive on."""

    code: str
    severity: Severity
    drivable: bool
    skill: str
    parts: tuple[str, ...]
    self_clearing: bool
    title: Mapping[Locale, str]
    explanation: Mapping[Locale, str]

    @property
    def system(self) -> str:
        """Return the system the code belongs to: powertrain, chassis, body or network."""
        return SYSTEMS[self.code[0]]


@dataclass(frozen=True, slots=True)
class DtcReport:
    """One entry of a car's DTC list: the code and its status bits."""

    code: str
    pending: bool
    confirmed: bool
    mil: bool

    def encode(self) -> str:
        """Return the entry as the car reports it (``CODE:SS``)."""
        status = PENDING * self.pending | CONFIRMED * self.confirmed | MIL * self.mil
        return f"{self.code}:{status:02X}"


def parse_report(text: str) -> DtcReport | None:
    """Return the code and status of one reported entry, or None when it is not a well-formed code."""
    code, _, status = text.strip().upper().partition(":")
    if not CODE_PATTERN.match(code):
        return None
    if not status:
        return DtcReport(code, pending=False, confirmed=True, mil=False)
    try:
        bits = int(status, 16)
    except ValueError:
        return None
    if not 0 <= bits <= 0xFF:
        return None
    return DtcReport(
        code, pending=bool(bits & PENDING), confirmed=bool(bits & CONFIRMED), mil=bool(bits & MIL)
    )


def parse_list(entries: Iterable[str]) -> tuple[DtcReport, ...]:
    """Return the well-formed entries of a reported list, one per code (the strongest status wins)."""
    out: dict[str, DtcReport] = {}
    for text in entries:
        report = parse_report(text)
        if report is None:
            continue
        seen = out.get(report.code)
        if seen is not None:
            report = DtcReport(report.code, report.pending or seen.pending, report.confirmed or seen.confirmed,
                               report.mil or seen.mil)  # fmt: skip
        out[report.code] = report
    return tuple(out[c] for c in sorted(out))


@cache
def catalogue() -> Mapping[str, DtcEntry]:
    """Return the catalogue keyed by code."""
    raw = json.loads(resources.files("domain").joinpath("dtc_catalogue.json").read_text("utf-8"))
    entries = {}
    for item in raw["codes"]:
        entries[item["code"]] = DtcEntry(
            code=item["code"],
            severity=Severity(item["severity"]),
            drivable=bool(item["drivable"]),
            skill=item["skill"],
            parts=tuple(item["parts"]),
            self_clearing=bool(item["self_clearing"]),
            title=MappingProxyType({loc: item[loc]["title"] for loc in LOCALES}),
            explanation=MappingProxyType({loc: item[loc]["explanation"] for loc in LOCALES}),
        )
    return MappingProxyType(entries)


@cache
def part_names() -> Mapping[str, str]:
    """Return the English name of every part SKU the catalogue names."""
    raw = json.loads(resources.files("domain").joinpath("dtc_catalogue.json").read_text("utf-8"))
    return MappingProxyType(dict(raw["parts"]))


def describe(code: str) -> DtcEntry:
    """Return the catalogue entry of `code`, or a generic one (medium, general, drivable) for a code not in it."""
    entry = catalogue().get(code)
    if entry is not None:
        return entry
    return DtcEntry(
        code=code, severity=Severity.MEDIUM, drivable=True, skill="general", parts=(), self_clearing=False,
        title=MappingProxyType({"en": f"Diagnostic trouble code {code}", "zh-CN": f"故障码 {code}"}),
        explanation=MappingProxyType({
            "en": "The car stored a fault code that needs a workshop's diagnosis.",
            "zh-CN": "车辆存储了一个需要维修站诊断的故障码。",
        }),
    )  # fmt: skip
