"""A dtc risk in plain words on the owner page and the advisor desk: each code with its catalogue title, confirmed or
recurring, the warning lamp, and a stop-driving line when a code says so; never the raw status byte."""

from __future__ import annotations

from api.views.advisor_words import reading_lines as advisor_lines
from api.views.owner_text import reading_lines as owner_lines

EVIDENCE = {
    "readings": [
        {"signal": "Vehicle.Diagnostics.DTCList", "aggregate": "daily_last", "day": "2026-01-15", "value": 2}
    ],
    "codes": [{"code": "P0301", "confirmed": True, "mil": True}, {"code": "P0457", "confirmed": False}],
    "drivable": False,
}


def test_owner_and_advisor_read_the_codes_in_their_language():
    owner = [line.text for line in owner_lines("dtc", EVIDENCE, locale="zh-CN")]
    assert owner == ["P0301 1缸失火：已确认，故障灯亮", "P0457 燃油蒸发排放系统泄漏（油箱盖松动/未盖）：反复出现，尚未确认",
                     "请勿远距离驾驶，仅开往维修站"]  # fmt: skip
    advisor = advisor_lines("dtc", EVIDENCE, locale="en")
    assert advisor[0] == "P0301 Cylinder 1 misfire detected: confirmed, warning lamp on"
    assert advisor[1].endswith(": recurring, pending") and advisor[2].startswith("Drive only gently")
    drivable = advisor_lines("dtc", EVIDENCE | {"drivable": True}, locale="en")
    assert len(drivable) == 2 and ":88" not in " ".join(drivable)
