"""The advisor page in a real headless Chromium (Debian's package) driven by Playwright, against a real uvicorn."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.api_server import serve_api

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

playwright_sync = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed (pip install -e '.[dev]')"
)
if not Path(CHROMIUM).exists():
    pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)", allow_module_level=True)


@pytest.fixture
def api_url(database, tmp_path):
    """A real `python -m api` on a free port for this test's database; stopped afterwards."""
    env = {"CARECAST_API__COOKIE_SECURE": "false", "CARECAST_LOG__LEVEL": "WARNING"}
    with serve_api(database.url, log=tmp_path / "api.log", env=env) as api:
        yield api.url


@pytest.fixture
def future_slots(conn, world):
    """Move every slot of the world two days ahead of now (one hour apart per booking, so none overlap)."""
    conn.execute(
        "UPDATE booking_suggestion SET slot_start = now() + interval '2 days' + id * interval '1 hour', "
        "slot_end = now() + interval '2 days' + id * interval '1 hour' + interval '50 minutes'"
    )


def test_advisor_logs_in_sees_own_cars_accepts_one_and_sees_it_booked(
    api_url, world, future_slots, conn, tmp_path
):
    assert shutil.which(CHROMIUM)
    target = world.suggestions_a[0]
    with playwright_sync.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_context(locale="en-US").new_page()
            page.goto(f"{api_url}/advisor")
            assert page.url.endswith("/advisor/login")
            page.fill("#api_key", world.key_a)
            page.click("#login")
            page.wait_for_url(f"{api_url}/advisor")
            suggested = page.locator("#suggestions tr[data-booking]")
            assert suggested.count() == len(world.suggestions_a)
            vins = set(
                page.locator("#suggestions tr[data-booking]").evaluate_all(
                    "rows => rows.map(r => r.dataset.vin)"
                )
            )
            assert vins == {world.vin_a}
            assert page.locator("#booked-empty").is_visible()
            page.locator(f'#suggestions tr[data-booking="{target}"] button.accept').click()
            page.wait_for_selector(f'#booked tr[data-booking="{target}"]')
            assert page.locator(f'#suggestions tr[data-booking="{target}"]').count() == 0
            assert "Booking accepted." in page.locator("p.flash").inner_text()
            page.click("#lang-switch")
            page.wait_for_selector("text=已预约")
            page.screenshot(path=str(tmp_path / "advisor.png"), full_page=True)
        finally:
            browser.close()
    status = conn.execute("SELECT status FROM booking_suggestion WHERE id = %s", (target,)).fetchone()[0]
    assert status == "accepted"
    assert (tmp_path / "advisor.png").stat().st_size > 10_000
