"""The real weather-forecast provider: Open-Meteo's forecast API (https://open-meteo.com/en/docs), behind
``domain.forecast.Forecast``.

One GET per region: ``{url}?latitude=..&longitude=..&daily=temperature_2m_max,temperature_2m_min&timezone=auto
&forecast_days=N``. The documented answer holds ``daily.time`` (local ISO dates, today first) and the two
temperature arrays of the same length, in ``daily_units`` (``°C`` by default); an error is HTTP 400 with
``{"error": true, "reason": "..."}``. Everything httpx or the JSON can throw becomes `ForecastError` here, with what
went wrong in its message; callers (the fetch job) log it and detection keeps its telemetry-only behaviour.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

import httpx

from domain.errors import CarecastError
from domain.forecast import DayForecast, RegionForecast

DAILY = "temperature_2m_max,temperature_2m_min"


class ForecastError(CarecastError):
    """The forecast provider could not be reached or answered something we cannot read."""


class OpenMeteo:
    """Daily min/max temperature forecasts of the configured regions from an Open-Meteo compatible endpoint."""

    def __init__(
        self,
        *,
        url: str,
        regions: Mapping[str, tuple[float, float]],
        timeout_s: float = 10.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.url = url
        self.regions = dict(regions)
        self.client = httpx.Client(timeout=timeout_s, transport=transport)

    def close(self) -> None:
        """Close the HTTP client."""
        self.client.close()

    def daily(self, region: str, *, issued: date, horizon_days: int) -> RegionForecast:
        """Return `region`'s forecast for the `horizon_days` days after `issued` (raises `ForecastError`)."""
        if region not in self.regions:
            raise ForecastError(
                f"no coordinates configured for region {region!r} (CARECAST_FORECAST__REGIONS)"
            )
        lat, lon = self.regions[region]
        params: dict[str, str | int | float] = {"latitude": lat, "longitude": lon, "daily": DAILY,
                                                "timezone": "auto", "forecast_days": horizon_days + 1}  # fmt: skip
        try:
            response = self.client.get(self.url, params=params)
            body = response.json()
        except httpx.HTTPError as exc:
            raise ForecastError(f"forecast request for {region} failed: {exc}") from exc
        except ValueError as exc:
            raise ForecastError(f"forecast for {region}: the answer is not JSON ({exc})") from exc
        if response.status_code != 200:
            reason = body.get("reason") if isinstance(body, dict) else None
            raise ForecastError(
                f"forecast for {region}: HTTP {response.status_code}: {reason or 'no reason given'}"
            )
        return parse(body, region=region, issued=issued, horizon_days=horizon_days)


def parse(body: Any, *, region: str, issued: date, horizon_days: int) -> RegionForecast:
    """Return the days after `issued` of an Open-Meteo daily answer (raises `ForecastError` when malformed)."""
    daily = body.get("daily") if isinstance(body, dict) else None
    if not isinstance(daily, dict):
        raise ForecastError(f"forecast for {region}: no 'daily' object in the answer")
    units = body.get("daily_units") or {}
    for name in ("temperature_2m_max", "temperature_2m_min"):
        if units.get(name, "°C") != "°C":
            raise ForecastError(f"forecast for {region}: {name} is in {units[name]!r}, not °C")
    times, highs, lows = (daily.get(k) for k in ("time", "temperature_2m_max", "temperature_2m_min"))
    if not (isinstance(times, list) and isinstance(highs, list) and isinstance(lows, list)):
        raise ForecastError(
            f"forecast for {region}: daily time/temperature_2m_max/temperature_2m_min missing"
        )
    if not len(times) == len(highs) == len(lows):
        raise ForecastError(f"forecast for {region}: daily arrays differ in length")
    wanted = {issued + timedelta(days=k) for k in range(1, horizon_days + 1)}
    days = []
    for t, high, low in zip(times, highs, lows, strict=True):
        try:
            day = date.fromisoformat(t)
        except (TypeError, ValueError) as exc:
            raise ForecastError(f"forecast for {region}: {t!r} is not an ISO date") from exc
        if day not in wanted:
            continue
        if low is None or high is None:
            break  # the model's range ends: keep the days before
        if not (isinstance(low, int | float) and isinstance(high, int | float)) or low > high:
            raise ForecastError(f"forecast for {region}: bad temperatures {low!r}/{high!r} on {day}")
        days.append(DayForecast(day, float(low), float(high)))
    days.sort(key=lambda d: d.day)
    try:
        return RegionForecast(region, issued, tuple(days))
    except ValueError as exc:
        raise ForecastError(f"forecast for {region}: {exc}") from exc
