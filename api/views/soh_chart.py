"""A small server-rendered SVG chart: SOH readings, the fitted trend and its forecast band (pure, no I/O).

The trend is the EV battery rule's (``domain.soh_trend`` through ``api.views.soh_forecast``): its line crosses the
threshold line on the date the risk predicts."""

from __future__ import annotations

from datetime import date, timedelta
from xml.sax.saxutils import escape, quoteattr

from api.views.soh_forecast import SohForecast

WIDTH, HEIGHT = 560, 260
_LEFT, _RIGHT, _TOP, _BOTTOM = 48, 16, 28, 34


def _scale(lo: float, hi: float, out_lo: float, out_hi: float):
    span = (hi - lo) or 1.0
    return lambda v: out_lo + (v - lo) * (out_hi - out_lo) / span


def _points(pairs: list[tuple[float, float]]) -> str:
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in pairs)


def soh_chart(
    points: list[tuple[date, float]],
    *,
    forecast: SohForecast | None,
    threshold: float,
    title: str,
) -> str:
    """Return an SVG document: daily SOH dots, the trend line, the forecast band and the threshold line."""
    if not points:
        body = (
            f'<text x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle">no state-of-health readings</text>'
        )
        return _document(title, body)
    first, last = points[0][0], points[-1][0]
    end = last + timedelta(days=forecast.horizon_days) if forecast else last
    values = [v for _, v in points] + [threshold]
    if forecast:
        values += [forecast.low, forecast.high]
    lo, hi = min(values) - 1.0, max(values) + 1.0
    sx = _scale(0, max(1, (end - first).days), _LEFT, WIDTH - _RIGHT)
    sy = _scale(lo, hi, HEIGHT - _BOTTOM, _TOP)
    parts = [
        f'<line class="axis" x1="{_LEFT}" y1="{HEIGHT - _BOTTOM}" x2="{WIDTH - _RIGHT}" y2="{HEIGHT - _BOTTOM}"'
        ' stroke="#888"/>',
        f'<line class="axis" x1="{_LEFT}" y1="{_TOP}" x2="{_LEFT}" y2="{HEIGHT - _BOTTOM}" stroke="#888"/>',
    ]
    for value in (lo, (lo + hi) / 2, hi):
        parts.append(
            f'<text x="{_LEFT - 4}" y="{sy(value) + 4:.1f}" text-anchor="end" font-size="11">{value:.0f}%</text>'
        )
    for day in (first, end):
        parts.append(
            f'<text x="{sx((day - first).days):.1f}" y="{HEIGHT - 12}" text-anchor="middle" font-size="11">'
            f"{day.isoformat()}</text>"
        )
    ty = sy(threshold)
    parts.append(
        f'<line class="threshold" x1="{_LEFT}" y1="{ty:.1f}" x2="{WIDTH - _RIGHT}" y2="{ty:.1f}" '
        'stroke="#c0392b" stroke-dasharray="4 3"/>'
    )
    if forecast:
        offset = (last - first).days
        steps = [forecast.horizon_days * i / 12 for i in range(13)]
        upper = [(sx(offset + d), sy(forecast.at(d)[2])) for d in steps]
        lower = [(sx(offset + d), sy(forecast.at(d)[1])) for d in reversed(steps)]
        parts.append(
            f'<polygon class="band" points="{_points(upper + lower)}" fill="#3498db" opacity="0.2"/>'
        )
        # the forecast is a curve (domain.soh_trend, "Combination"): drawn through 25 of its points
        days = [-offset * (1 - i / 12) for i in range(12)] + steps
        line = [(sx(offset + d), sy(forecast.at(d)[0])) for d in days]
        parts.append(f'<polyline class="trend" points="{_points(line)}" fill="none" stroke="#2471a3"/>')
    for day, value in points:
        parts.append(
            f'<circle class="reading" cx="{sx((day - first).days):.1f}" cy="{sy(value):.1f}" r="1.8" '
            'fill="#1b2631"/>'
        )
    return _document(title, "".join(parts))


def _document(title: str, body: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label={quoteattr(title)}>'
        f"<title>{escape(title)}</title>"
        f'<text x="{_LEFT}" y="18" font-size="13">{escape(title)}</text>{body}</svg>'
    )
