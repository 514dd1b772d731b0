"""The advisor's day in a real headless Chromium (Debian's package) driven by Playwright, against a real uvicorn:
log in, find the customer by plate, accept the offer, check the car in, start, complete with parts, see the owner's
negative survey arrive, acknowledge, contact and resolve it. Once per viewport and language (one browser session
each); no raw codes or VSS paths visible on any page, no horizontal scroll on a phone. Screenshots go to
docs/advisor/ (linked from docs/advisor.md)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import structlog

from notify.aftercare import run_aftercare
from tests.advisor_login import PASSWORD, make_advisor
from tests.api.browser import CHROMIUM, CHROMIUM_ARGS, api_url, future_slots  # noqa: F401 (fixtures)

playwright_sync = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed (pip install -e '.[dev]')"
)
if not Path(CHROMIUM).exists():
    pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)", allow_module_level=True)

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "advisor"
PLATE = "黑A12345"
# What an advisor must never read: a VSS path, a risk kind's or a diagnosis's code, a lifecycle code.
RAW = re.compile(
    r"Vehicle\.|\b(battery_12v|brake_pads|ev_battery_soh|maintenance_due|owner_request|high_internal_resistance"
    r"|pads_near_limit|checked_in|fault_confirmed|no_fault_found)\b"
)
WORDS = {
    "en": {"accepted": "Booking accepted.", "completed": "Visit completed.", "kind": "12 V battery weak"},
    "zh-CN": {"accepted": "预约已接受。", "completed": "已完工。", "kind": "12V蓄电池电量不足"},
}


def _setup(conn, world) -> str:
    """An advisor of A with A's customer assigned, a phone, a plate and the battery on the shelf; return the
    login e-mail."""
    email = "desk.a@example.com"
    advisor_id = make_advisor(conn, center_id=world.center_a, email=email, name="Zhao Min")
    conn.execute(
        'UPDATE customer SET advisor_id = %s, channels = \'{"phone": "+86 138 0000 0001"}\' WHERE id = %s',
        (advisor_id, world.customer_a),
    )
    conn.execute("UPDATE vehicle SET plate = %s WHERE id = %s", (PLATE, world.vehicle_a))
    part = conn.execute(
        "INSERT INTO part (sku, name, price) VALUES ('BAT-12V-AGM70', '12V AGM battery 70Ah', 899) RETURNING id"
    ).fetchone()[0]
    conn.execute(
        "INSERT INTO part_stock (center_id, part_id, on_hand, reserved) VALUES (%s, %s, 5, 0)",
        (world.center_a, part),
    )
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    for i in range(30):  # a month of readings for the charts: the 12 V dip sinking, the pads wearing
        conn.execute(
            "INSERT INTO telemetry_daily (vehicle_id, day, samples, lv_v_min, lv_v_rest_avg, pad_wear_max) "
            "VALUES (%s, %s, 6, %s, 12.4, %s)",
            (world.vehicle_a, today - timedelta(days=29 - i), round(10.4 - 0.035 * i, 2), 60 + 0.4 * i),
        )
    conn.commit()
    return email


def _check(page, *, width: int) -> None:
    """No raw code or VSS path in the visible text; on a phone, nothing wider than the screen."""
    text = page.inner_text("body")
    found = RAW.search(text)
    assert found is None, f"raw code {found.group(0)!r} visible on {page.url}"
    if width < 600:
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), page.url


def _negative_survey(conn, world, api: str) -> None:
    """The owner gets the survey after the visit and answers it badly through the owner API."""
    assert run_aftercare(conn, now=datetime.now(UTC), log=structlog.get_logger()).surveys == 1
    conn.commit()
    auth = {"Authorization": f"Bearer {world.owner_a}"}
    survey = httpx.get(f"{api}/v1/vehicles/{world.vin_a}/surveys", headers=auth, timeout=10).json()["items"][
        0
    ]
    low = {"score": 1, "nps": 2}  # a 1 of 5, a detractor's 2 of 10; text questions get a complaint
    answers = {q["id"]: low.get(q["type"], "Waited two hours, nobody called") for q in survey["questions"]}
    url = f"{api}/v1/vehicles/{world.vin_a}/surveys/{survey['id']}/answers"
    assert httpx.post(url, headers=auth, json={"answers": answers}, timeout=10).status_code == 200


@pytest.mark.parametrize(("width", "locale"), [(1366, "en"), (390, "zh-CN")])
def test_an_advisors_day_from_login_to_a_resolved_complaint(
    api_url,  # noqa: F811 (fixture)
    world,
    future_slots,  # noqa: F811 (fixture)
    conn,
    width,
    locale,
):
    email = _setup(conn, world)
    words = WORDS[locale]
    target = world.suggestions_a[0]
    shot = f"{width}-{locale}"
    SHOTS.mkdir(parents=True, exist_ok=True)
    with playwright_sync.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            context = browser.new_context(locale=locale, viewport={"width": width, "height": 900})
            page = context.new_page()
            page.goto(f"{api_url}/advisor?lang={locale}")
            assert page.url.endswith("/advisor/login")
            page.fill("#email", email)
            page.fill("#password", PASSWORD)
            page.click("#login")
            page.wait_for_url(f"{api_url}/advisor")

            # Find the customer by plate (typed as people type it) and open their page.
            page.click("#nav-customers")
            page.fill("#q", PLATE.lower().replace("a", "a "))
            page.click("#search-go")
            page.click("#results a.customer")
            page.wait_for_selector("#customer-name")
            assert page.locator("#cars svg").count() == 2  # 12 V and pads
            assert words["kind"] in page.inner_text("#risks")
            _check(page, width=width)
            page.screenshot(path=str(SHOTS / f"1-customer-{shot}.png"), full_page=True)

            # The worklist: one card for the battery case with its three offered slots; accept the first.
            page.click("#nav-worklist")
            card = page.locator(f'article[data-case="{world.risk_a}"]')
            assert card.locator(".offer").count() == 3
            assert "CST (Asia/Shanghai)" in card.inner_text() and "tel:+8613800000001" in card.inner_html()
            _check(page, width=width)
            page.screenshot(path=str(SHOTS / f"2-worklist-{shot}.png"), full_page=True)
            card.locator(f'.offer[data-booking="{target}"] button.accept').click()
            page.wait_for_selector("p.flash")
            assert words["accepted"] in page.inner_text("p.flash")

            # Check in, start, complete with the battery from the shelf.
            booked = page.locator(f'#booked article[data-case="{world.risk_a}"]')
            booked.locator("button.check_in").click()
            page.wait_for_selector(f'#booked article[data-case="{world.risk_a}"] button.start')
            page.locator(f'#booked article[data-case="{world.risk_a}"] button.start').click()
            form = page.locator(f'#booked article[data-case="{world.risk_a}"] form.complete')
            form.wait_for()
            form.locator('select[name="outcome"]').select_option("fault_confirmed")
            form.locator('select[name="part_1"]').select_option("BAT-12V-AGM70")
            _check(page, width=width)
            page.locator(f'#booked article[data-case="{world.risk_a}"]').screenshot(
                path=str(SHOTS / f"3-complete-{shot}.png")
            )
            form.locator("button.complete").click()
            page.wait_for_selector("p.flash")
            assert words["completed"] in page.inner_text("p.flash")

            # The owner answers the survey badly; the alert is on the feedback page at once.
            _negative_survey(conn, world, api_url)
            page.click("#nav-feedback")
            alert = page.locator("#alerts article.alert").first
            alert.wait_for()
            _check(page, width=width)
            page.screenshot(path=str(SHOTS / f"4-feedback-{shot}.png"), full_page=True)
            alert.locator("button.acknowledge").click()
            page.locator("#alerts article.alert button.contact").first.click()
            page.locator("#alerts article.alert button.resolve").first.click()
            page.wait_for_selector("#flash")
            _check(page, width=width)
        finally:
            browser.close()
    stage, parts = conn.execute(
        "SELECT stage, parts_used FROM care_case WHERE risk_id = %s", (world.risk_a,)
    ).fetchone()
    assert stage == "serviced" and parts == [{"sku": "BAT-12V-AGM70", "qty": 1}]
    actions = [a for (a,) in conn.execute("SELECT action FROM advisor_audit ORDER BY id").fetchall()]
    assert [a for a in actions if a.startswith("booking.")] == [
        "booking.accept",
        "booking.check_in",
        "booking.start",
        "booking.complete",
    ]
    status = conn.execute("SELECT status FROM feedback_alert").fetchone()[0]
    assert status == "resolved"
