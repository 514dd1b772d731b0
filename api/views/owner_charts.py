"""The owner page's charts as SVG (pure, no I/O): one daily series of the finding's signal (SOH, brake pad wear,
12 V battery voltage) with the threshold the rule used, localized axis labels and a legend; no scripts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from xml.sax.saxutils import escape, quoteattr

WIDTH, HEIGHT = 360, 220
_LEFT, _RIGHT, _TOP, _BOTTOM = 44, 12, 30, 58


@dataclass(frozen=True, slots=True)
class Series:
    """What a chart draws for one risk kind: the rollup column, its unit and its name in each locale."""

    column: str
    unit: str
    en: str
    zh: str


# risk kind -> the daily rollup column the owner sees (api/sql/vehicle_daily.sql)
SERIES: dict[str, Series] = {
    "ev_battery_soh": Series("hv_soh_avg", "%", "Traction battery state of health", "动力电池健康度"),
    "brake_pads": Series(
        "pad_wear_max", "%", "Brake pad wear (most worn wheel)", "刹车片磨损（磨损最多的车轮）"
    ),
    "battery_12v": Series(
        "lv_v_min", "V", "12V battery: lowest voltage of the day", "12V 蓄电池：当日最低电压"
    ),
}
_WORDS = {
    "en": {"readings": "daily readings", "threshold": "limit the check used", "none": "no readings yet"},
    "zh-CN": {"readings": "每日读数", "threshold": "判定阈值", "none": "暂无读数"},
}


def points_of(series: Series, rows: list[dict[str, Any]]) -> list[tuple[date, float]]:
    """Return the (day, value) pairs of the rollup rows that have the series' column."""
    return [(row["day"], float(row[series.column])) for row in rows if row.get(series.column) is not None]


def _fmt(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def chart(series: Series, points: list[tuple[date, float]], *, threshold: float | None, locale: str) -> str:
    """Return an SVG document: the daily values as a line with dots, the threshold as a dashed red line, a legend."""
    words = _WORDS["zh-CN" if locale == "zh-CN" else "en"]
    title = series.zh if locale == "zh-CN" else series.en
    legend = _legend(words, series, threshold)
    if not points:
        body = f'<text x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle" font-size="13">{escape(words["none"])}</text>'
        return _document(title, body + legend)
    values = [v for _, v in points] + ([threshold] if threshold is not None else [])
    pad = max(0.5, (max(values) - min(values)) * 0.1)
    lo, hi = min(values) - pad, max(values) + pad
    first, last = points[0][0], points[-1][0]
    days = max(1, (last - first).days)

    def sx(day: date) -> float:
        return _LEFT + (day - first).days * (WIDTH - _LEFT - _RIGHT) / days

    def sy(value: float) -> float:
        return HEIGHT - _BOTTOM - (value - lo) * (HEIGHT - _BOTTOM - _TOP) / ((hi - lo) or 1.0)

    parts = [
        f'<line x1="{_LEFT}" y1="{HEIGHT - _BOTTOM}" x2="{WIDTH - _RIGHT}" y2="{HEIGHT - _BOTTOM}" stroke="#666"/>',
        f'<line x1="{_LEFT}" y1="{_TOP}" x2="{_LEFT}" y2="{HEIGHT - _BOTTOM}" stroke="#666"/>',
    ]
    for value in (lo, hi):
        parts.append(
            f'<text x="{_LEFT - 4}" y="{sy(value) + 4:.1f}" text-anchor="end" font-size="11">'
            f"{_fmt(value)} {escape(series.unit)}</text>"
        )
    for day, anchor in ((first, "start"), (last, "end")):
        parts.append(
            f'<text x="{sx(day):.1f}" y="{HEIGHT - _BOTTOM + 16}" text-anchor="{anchor}" font-size="11">'
            f"{day.isoformat()}</text>"
        )
    if threshold is not None:
        ty = sy(threshold)
        parts.append(
            f'<line class="threshold" x1="{_LEFT}" y1="{ty:.1f}" x2="{WIDTH - _RIGHT}" y2="{ty:.1f}" '
            'stroke="#b03a2e" stroke-width="2" stroke-dasharray="6 4"/>'
        )
    line = " ".join(f"{sx(d):.1f},{sy(v):.1f}" for d, v in points)
    parts.append(f'<polyline class="series" points="{line}" fill="none" stroke="#1f5f99" stroke-width="2"/>')
    parts.extend(
        f'<circle class="reading" cx="{sx(d):.1f}" cy="{sy(v):.1f}" r="2.5" fill="#1f5f99"/>'
        for d, v in points
    )
    return _document(title, "".join(parts) + legend)


def _legend(words: dict[str, str], series: Series, threshold: float | None) -> str:
    y = HEIGHT - 18
    items = [
        f'<line x1="{_LEFT}" y1="{y}" x2="{_LEFT + 22}" y2="{y}" stroke="#1f5f99" stroke-width="2"/>'
        f'<text x="{_LEFT + 28}" y="{y + 4}" font-size="11">{escape(words["readings"])}</text>'
    ]
    if threshold is not None:
        x = _LEFT + 150
        items.append(
            f'<line x1="{x}" y1="{y}" x2="{x + 22}" y2="{y}" stroke="#b03a2e" stroke-width="2" '
            'stroke-dasharray="6 4"/>'
            f'<text x="{x + 28}" y="{y + 4}" font-size="11">'
            f"{escape(words['threshold'])} {_fmt(threshold)} {escape(series.unit)}</text>"
        )
    return f'<g class="legend">{"".join(items)}</g>'


def _document(title: str, body: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label={quoteattr(title)} font-family="sans-serif">'
        f"<title>{escape(title)}</title>"
        f'<text x="{_LEFT}" y="18" font-size="13">{escape(title)}</text>{body}</svg>'
    )
