"""The owner's journey in a real headless Chromium at 390 px, zh-CN: open the link from a delivered message, read
the finding and its chart, book an offered time with one tap, follow the visit while the center checks the car in
and completes it (through the real API), answer the survey. Screenshots go to docs/owner/ (docs/owner.md)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
import structlog
from psycopg.types.json import Jsonb

from core.settings import OwnerLinkSettings
from domain.pricing import CenterPrices
from domain.vocabulary import RiskKind
from notify.channels import InAppChannel
from notify.jobs import job_estimate
from notify.outbox import run_outbox
from notify.progress import run_progress
from tests.api.browser import CHROMIUM, CHROMIUM_ARGS, api_url, future_slots  # noqa: F401
from tests.api.conftest import AFTERCARE_NOW, run_aftercare

playwright_sync = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
if not Path(CHROMIUM).exists():
    pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)", allow_module_level=True)

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "owner"
LOG = structlog.get_logger()
LINK = re.compile(r"https?://\S+/o/ol_[A-Za-z0-9_-]+")


def _noon_in_shanghai() -> datetime:
    """Return the next 12:00 in Shanghai: the owner's quiet hours never hold the message back."""
    local = datetime.now(ZoneInfo("Asia/Shanghai"))
    noon = local.replace(hour=12, minute=0, second=0, microsecond=0)
    return (noon if noon > local else noon + timedelta(days=1)).astimezone(UTC)


def _price_the_offers(conn, world) -> None:
    """Give center A a labour rate (13 % VAT included) and the battery a price, then price A's offers with the
    product's job table (notify/jobs.py), as notify does when it plans them."""
    conn.execute(
        "UPDATE service_center SET hourly_rate = 300, tax_rate = 0.13, prices_include_tax = true WHERE id = %s",
        (world.center_a,),
    )
    conn.execute("UPDATE part SET price = 1280 WHERE sku = 'BAT-12V-AGM70'")
    estimate = job_estimate(
        RiskKind.BATTERY_12V,
        prices=CenterPrices(hourly_rate=Decimal(300), tax_rate=Decimal("0.13"), tax_included=True),
        part_names={"BAT-12V-AGM70": "12V AGM battery 70 Ah"},
        part_prices={"BAT-12V-AGM70": Decimal(1280)},
    )
    assert estimate is not None
    conn.execute(
        "UPDATE booking_suggestion SET estimate = %s WHERE id = ANY(%s)",
        (Jsonb(estimate.model_dump(mode="json")), world.suggestions_a),
    )


def _deliver(conn, *, links: OwnerLinkSettings) -> int:
    """Queue the progress messages of the workshop's steps so far and deliver everything queued (in-app)."""
    run_progress(conn, now=datetime.now(UTC), log=LOG)
    report = run_outbox(
        conn, channels={"in_app": InAppChannel(conn)}, now=_noon_in_shanghai(), log=LOG, links=links
    )
    return report.delivered


@pytest.fixture
def delivered_link(conn, world, future_slots, api_url):  # noqa: F811
    """Deliver A's queued care message (its offers priced) through the outbox (in-app) and return the owner link
    it carries."""
    _price_the_offers(conn, world)
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    for i in range(30):  # the 12V battery's daily lowest voltage sinking below the rule's 9.6 V
        conn.execute(
            "INSERT INTO telemetry_daily (vehicle_id, day, samples, lv_v_min, lv_v_rest_avg) "
            "VALUES (%s, %s, 6, %s, 12.4)",
            (world.vehicle_a, today - timedelta(days=29 - i), round(10.4 - 0.035 * i, 2)),
        )
    links = OwnerLinkSettings(public_url=api_url)
    report = run_outbox(
        conn, channels={"in_app": InAppChannel(conn)}, now=_noon_in_shanghai(), log=LOG, links=links
    )
    assert report.delivered == 1
    body = conn.execute("SELECT body FROM inbox_item WHERE customer_id = %s", (world.customer_a,)).fetchone()[
        0
    ]
    found = LINK.search(body)
    assert found, body
    return found.group(0)


def _browser(pw):
    return pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)


def _no_sideways_scroll(page) -> None:
    width = page.evaluate("() => [document.scrollingElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], width


def test_owner_opens_the_link_books_follows_the_visit_and_answers_the_survey(
    delivered_link,
    api_url,  # noqa: F811
    world,
    conn,
):
    SHOTS.mkdir(parents=True, exist_ok=True)
    center = httpx.Client(base_url=api_url, headers={"Authorization": f"Bearer {world.key_a}"}, timeout=10)
    with playwright_sync.sync_playwright() as pw:
        browser = _browser(pw)
        try:
            context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
            page = context.new_page()
            page.goto(delivered_link)
            # 1. The finding in plain words.
            assert "12V 蓄电池状态变差" in page.locator("#finding").inner_text()
            assert "如果置之不理" in page.locator("#finding").inner_text()
            assert "Vehicle." not in page.content()
            page.screenshot(path=str(SHOTS / "1-finding.png"))
            # 2. Its chart: localized, with the threshold the rule used.
            chart = page.locator("#chart img")
            chart.scroll_into_view_if_needed()
            assert page.evaluate("() => document.querySelector('#chart img').naturalWidth") > 0
            svg = httpx.get(api_url + chart.get_attribute("src"), timeout=10).text
            assert "判定阈值 9.6 V" in svg and "每日读数" in svg
            page.locator("#chart").screenshot(path=str(SHOTS / "2-chart.png"))
            # 3. The offered times with their price; 4. one tap books.
            offers = page.locator("#slots form.slot")
            assert offers.count() == 3
            assert "预估价格: ¥" in offers.first.inner_text()
            first = int(offers.first.get_attribute("data-option"))
            page.locator("#slots").scroll_into_view_if_needed()
            page.locator("#slots").screenshot(path=str(SHOTS / "3-slots.png"))
            _no_sideways_scroll(page)
            offers.first.locator("button.book").click()
            page.wait_for_selector("#flash")
            assert "预约成功" in page.locator("#flash").inner_text()
            assert page.locator("#progress li.current").inner_text() == "已预约"
            page.screenshot(path=str(SHOTS / "4-booked.png"), full_page=True)
            status = conn.execute(
                "SELECT status, accepted_by FROM booking_suggestion WHERE id = %s", (first,)
            )
            assert status.fetchone() == ("accepted", "owner")
            # 5. The center checks the car in, starts, then completes the work: the page follows, and the
            # progress messages notify sends arrive on it.
            links = OwnerLinkSettings(public_url=api_url)
            base = f"/v1/service-centers/{world.center_a}/bookings/{first}"
            assert center.post(f"{base}/check-in").status_code == 200
            assert _deliver(conn, links=links) == 1
            page.reload()
            assert page.locator("#progress li.current").inner_text() == "已到店"
            assert "已在" in page.locator("#messages details[open] summary").inner_text()  # 已在…登记接车
            page.locator("#visit").screenshot(path=str(SHOTS / "5-checked-in.png"))
            assert center.post(f"{base}/start").status_code == 200
            page.reload()
            assert page.locator("#progress li.current").inner_text() == "维修中"
            assert center.post(f"{base}/complete", json={"outcome": "fault_confirmed"}).status_code == 200
            assert _deliver(conn, links=links) == 1
            page.reload()
            assert page.locator("#progress li.current").inner_text() == "可取车"
            assert "可到" in page.locator("#messages details[open] summary").inner_text()  # 已完工，可到…取车
            page.locator("#visit").screenshot(path=str(SHOTS / "6-ready.png"))
            page.locator("#messages").screenshot(path=str(SHOTS / "6b-messages.png"))
            # 7. The survey afterwards.
            assert run_aftercare(conn, now=AFTERCARE_NOW, log=LOG).surveys == 1
            page.reload()
            form = page.locator("#survey form")
            for name in set(form.locator("input[type=radio]").evaluate_all("els => els.map(e => e.name)")):
                form.locator(f'input[name="{name}"][value="5"]').check()
            for area in form.locator("textarea").all():
                area.fill("技师讲解得很清楚。")
            page.locator("#survey").screenshot(path=str(SHOTS / "7-survey.png"))
            page.locator("#survey-send").click()
            page.wait_for_selector("#survey-thanks")
            page.locator("#survey").screenshot(path=str(SHOTS / "8-thanks.png"))
            _no_sideways_scroll(page)
        finally:
            browser.close()
            center.close()
    answered = conn.execute("SELECT answers FROM survey WHERE risk_id = %s", (world.risk_a,)).fetchone()[0]
    assert set(answered.values()) >= {5}
    for shot in SHOTS.glob("*.png"):
        assert shot.stat().st_size > 5_000, shot


def test_no_sideways_scroll_at_360_px_in_both_languages(delivered_link):
    with playwright_sync.sync_playwright() as pw:
        browser = _browser(pw)
        try:
            page = browser.new_context(locale="zh-CN", viewport={"width": 360, "height": 740}).new_page()
            page.goto(delivered_link)
            _no_sideways_scroll(page)
            page.keyboard.press("Tab")  # the language switch is the first stop, and it is visible
            assert page.evaluate("() => document.activeElement.id") == "lang-switch"
            page.keyboard.press("Enter")
            page.wait_for_selector("text=Your 12V battery is getting weak")
            _no_sideways_scroll(page)
        finally:
            browser.close()


def test_revoked_link_shows_a_friendly_page_in_the_browser(delivered_link, conn, world):
    conn.execute("UPDATE owner_link SET revoked_at = now() WHERE customer_id = %s", (world.customer_a,))
    with playwright_sync.sync_playwright() as pw:
        browser = _browser(pw)
        try:
            page = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}).new_page()
            response = page.goto(delivered_link)
            assert response is not None and response.status == 410
            assert "此链接已被撤回" in page.locator("#gone").inner_text()
            _no_sideways_scroll(page)
        finally:
            browser.close()
