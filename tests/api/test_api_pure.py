"""Pure API modules: token bucket, iCalendar text rules, SOH trend, locale choice, signatures."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from api.auth.ratelimit import RateLimiter, retry_after_header
from api.auth.signing import signed, unsign
from api.views.advisor_text import choose_locale
from api.views.ics import escape_text, fold, utc_stamp
from api.views.soh_forecast import fit_soh


def test_bucket_allows_the_burst_then_refills_at_the_rate():
    limiter = RateLimiter(rate_per_s=2.0, burst=3)
    assert [limiter.take("k", now=0.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.take("k", now=0.0) == pytest.approx(0.5)
    assert limiter.take("other", now=0.0) == 0.0  # buckets are per key
    assert limiter.take("k", now=0.5) == 0.0
    assert limiter.take("k", now=0.5) > 0
    assert limiter.take("k", now=100.0) == 0.0  # refilled, but never above the burst:
    assert [limiter.take("k", now=100.0) for _ in range(3)][-1] > 0


def test_retry_after_is_whole_seconds_at_least_one():
    assert [retry_after_header(w) for w in (0.01, 1.0, 1.2)] == ["1", "1", "2"]


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("a,b;c", "a\\,b\\;c"),
        ("back\\slash", "back\\\\slash"),
        ("two\nlines", "two\\nlines"),
        ("x\r\ny", "x\\ny"),
    ],
)
def test_ics_text_escaping(raw, escaped):
    assert escape_text(raw) == escaped


def test_ics_folding_keeps_utf8_characters_whole_and_lines_short():
    line = "SUMMARY:" + "蓄电池" * 40
    folded = fold(line)
    parts = folded.split("\r\n")
    assert all(len(p.encode()) <= 75 for p in parts)
    assert all(p.startswith(" ") for p in parts[1:])
    assert "".join(p[1:] if i else p for i, p in enumerate(parts)) == line


def test_ics_times_are_utc():
    shanghai = timezone(timedelta(hours=8))
    assert utc_stamp(datetime(2026, 11, 23, 9, 0, tzinfo=shanghai)) == "20261123T010000Z"
    with pytest.raises(ValueError):
        utc_stamp(datetime(2026, 11, 23, 9, 0))


def test_soh_trend_recovers_the_slope_and_brackets_the_forecast():
    start = date(2026, 1, 1)
    points = [
        (start + timedelta(days=i), 95.0 - 3.65 * i / 365 + (0.3 if i % 3 == 0 else -0.15)) for i in range(90)
    ]
    trend = fit_soh(points, now=datetime(2026, 3, 31, 20, tzinfo=UTC))
    assert trend is not None
    assert trend.slope_per_year == pytest.approx(-3.65, abs=0.3)
    assert trend.low < trend.forecast < trend.high
    fit, low, high = trend.at(0)  # the rule's band: the level's error today, widening with the slope's
    assert low <= fit <= high and high - low < trend.high - trend.low


def test_soh_trend_needs_enough_days():
    start, now = date(2026, 1, 1), datetime(2026, 2, 1, tzinfo=UTC)
    assert fit_soh([(start + timedelta(days=i), 90.0) for i in range(10)], now=now) is None
    assert fit_soh([(start, 90.0)] * 20, now=now) is None  # 20 readings, one day: no span


@pytest.mark.parametrize(
    ("requested", "cookie", "header", "expected"),
    [
        ("en", "zh-CN", "zh-CN", "en"),
        (None, "en", "zh-CN", "en"),
        ("fr", None, "en-US,en;q=0.9", "en"),
        (None, None, "de;q=1.0, en;q=0.5, zh;q=0.8", "zh-CN"),
        (None, None, None, "zh-CN"),
        (None, None, "q=bad;;,", "zh-CN"),
    ],
)
def test_locale_choice(requested, cookie, header, expected):
    assert choose_locale(requested=requested, cookie=cookie, accept_language=header) == expected


def test_signed_values_round_trip_only_for_their_purpose_and_secret():
    token = signed("s1", purpose="a", value="42")
    assert unsign("s1", purpose="a", token=token) == "42"
    assert unsign("s1", purpose="b", token=token) is None
    assert unsign("s2", purpose="a", token=token) is None
    assert unsign("s1", purpose="a", token="43" + token[2:]) is None
    assert unsign("s1", purpose="a", token="garbage") is None
    assert unsign("s1", purpose="a", token="42." + "é" * 32) is None  # non-ASCII: refused, not an error
