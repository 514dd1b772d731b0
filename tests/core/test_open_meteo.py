"""The Open-Meteo adapter against a local HTTP server serving a recorded answer, and weather_forecast's owner."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import structlog

from core import forecasts
from core.open_meteo import ForecastError, OpenMeteo
from core.settings import ForecastSettings
from detection.schedule import refresh_forecasts
from domain.forecast import DayForecast, RegionForecast

RECORDED = (Path(__file__).parent / "data" / "open_meteo_beijing.json").read_bytes()
ISSUED = date(2026, 1, 15)
# what the local server answers per latitude: (status, body)
ANSWERS = {
    "39.904": (200, RECORDED),
    "45.803": (200, json.dumps({"latitude": 45.8, "hourly": {}}).encode()),
    "31.23": (
        400,
        json.dumps({"error": True, "reason": "Cannot initialize WeatherVariable tempeture_2m_max"}).encode(),
    ),
    "23.129": (200, b"<html>gateway timeout</html>"),
    "30.659": (200, RECORDED.replace(b'"\\u00b0C"', b'"\\u00b0F"').replace("°C".encode(), "°F".encode())),
}
REGIONS = {"beijing": (39.904, 116.407), "harbin": (45.803, 126.535), "shanghai": (31.23, 121.474),
           "guangzhou": (23.129, 113.264), "chengdu": (30.659, 104.066)}  # fmt: skip


class _Handler(BaseHTTPRequestHandler):
    seen: list[dict[str, list[str]]] = []

    def do_GET(self) -> None:
        query = parse_qs(urlparse(self.path).query)
        _Handler.seen.append(query)
        status, body = ANSWERS[query["latitude"][0]]
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def provider() -> Iterator[OpenMeteo]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    source = OpenMeteo(
        url=f"http://127.0.0.1:{server.server_port}/v1/forecast", regions=REGIONS, timeout_s=5.0
    )
    try:
        yield source
    finally:
        source.close()
        server.shutdown()
        server.server_close()


def test_the_recorded_answer_gives_the_days_after_the_issue_day(provider):
    got = provider.daily("beijing", issued=ISSUED, horizon_days=7)
    assert got.region == "beijing" and got.issued == ISSUED
    assert [d.day for d in got.days] == [ISSUED + timedelta(days=k) for k in range(1, 8)]
    assert got.days[0] == DayForecast(date(2026, 1, 16), -9.1, 0.4)
    assert got.days[2].mean_c == pytest.approx((-14.0 + -4.6) / 2)
    query = _Handler.seen[-1]
    assert query["daily"] == ["temperature_2m_max,temperature_2m_min"] and query["forecast_days"] == ["8"]
    assert query["longitude"] == ["116.407"]


@pytest.mark.parametrize(
    ("region", "message"),
    [
        ("harbin", "no 'daily' object"),
        ("shanghai", "HTTP 400: Cannot initialize WeatherVariable"),
        ("guangzhou", "not JSON"),
        ("chengdu", "not °C"),
        ("urumqi", "no coordinates configured for region 'urumqi'"),
    ],
)
def test_a_malformed_or_failed_answer_is_one_clear_error(provider, region, message):
    with pytest.raises(ForecastError, match=message):
        provider.daily(region, issued=ISSUED, horizon_days=7)


def test_an_unreachable_provider_is_a_forecast_error():
    source = OpenMeteo(url="http://127.0.0.1:9/v1/forecast", regions=REGIONS, timeout_s=1.0)
    with pytest.raises(ForecastError, match="forecast request for beijing failed"):
        source.daily("beijing", issued=ISSUED, horizon_days=3)
    source.close()


def test_forecasts_are_stored_replaced_on_reissue_and_read_back(conn, provider):
    now = datetime(2026, 1, 15, 2, tzinfo=UTC)
    written = forecasts.fetch(conn, provider=provider, regions=["beijing"], issued=ISSUED, horizon_days=5,
                              source="open-meteo", now=now)  # fmt: skip
    assert written == 5
    again = RegionForecast("beijing", ISSUED, (DayForecast(ISSUED + timedelta(days=1), -1.0, 1.0),))
    forecasts.save(conn, forecasts=[again], source="test", now=now)
    (got,) = forecasts.load(conn, start=ISSUED - timedelta(days=1), end=ISSUED, horizon_days=3)
    assert [d.day for d in got.days] == [ISSUED + timedelta(days=k) for k in (1, 2, 3)]
    assert got.days[0] == DayForecast(ISSUED + timedelta(days=1), -1.0, 1.0)
    assert forecasts.load(conn, start=ISSUED, end=ISSUED + timedelta(days=3), horizon_days=3) == []


def test_the_detection_leaders_refresh_stores_good_regions_and_names_the_failed_ones(
    database, conn, provider
):
    """detection.schedule.refresh_forecasts is what the leader's `forecast` job runs every
    CARECAST_FORECAST__REFRESH_S: one bad region (here four) never stops the good one."""
    settings = ForecastSettings(url=provider.url, regions=REGIONS, horizon_days=5, refresh_s=3600)
    log = structlog.get_logger()
    stored, failed = refresh_forecasts(
        database, settings, now=datetime(2026, 1, 15, 2, tzinfo=UTC), log=log, provider=provider
    )
    assert stored == 5 and sorted(failed) == ["chengdu", "guangzhou", "harbin", "shanghai"]
    (got,) = forecasts.load(conn, start=ISSUED - timedelta(days=1), end=ISSUED, horizon_days=5)
    assert got.region == "beijing" and len(got.days) == 5
