"""The owner page (/o/<token>): the link opens one customer's car only; revoked, expired and unknown links are
refused with a page; one tap books; cancel within the cutoff; the survey answers through the owner API's rules."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import structlog

from api.keys import main as keys_main
from api.routes.owner_page import form_token
from api.settings import KeysSettings
from api.views import owner_charts
from api.views.owner_text import reading_lines, threshold_of
from core import owner_links
from core.settings import OwnerLinkSettings
from notify.channels import InAppChannel
from notify.outbox import run_outbox
from tests.api.browser import future_slots  # noqa: F401 (fixture)
from tests.api.conftest import (
    AFTERCARE_NOW,
    add_customer,
    add_risk,
    add_vehicle,
    run_aftercare,
    serviced,
    vin_for,
)

NOW = datetime.now(UTC)


def _mint(conn, world, *, ttl=timedelta(days=30), now=None, customer_id=None, vehicle_id=None, risk_id=None):
    return owner_links.mint(
        conn,
        customer_id=customer_id or world.customer_a,
        vehicle_id=vehicle_id or world.vehicle_a,
        risk_id=world.risk_a if risk_id is None else risk_id,
        created_by="support",
        now=now or datetime.now(UTC),
        ttl=ttl,
    )


def _form_token(html: str) -> str:
    match = re.search(r'name="form_token" value="([0-9a-f]+)"', html)
    assert match, html
    return match.group(1)


def test_link_opens_the_finding_in_plain_words_with_slots(client, conn, world, future_slots):  # noqa: F811
    token = _mint(conn, world)
    page = client.get(f"/o/{token}")
    assert page.status_code == 200
    html = page.text
    assert "12V 蓄电池状态变差" in html and "如果置之不理" in html
    assert "Vehicle." not in html and "high_internal_resistance" not in html
    assert html.count('class="book"') == 3  # the three offers of this risk, not the brake risk's
    assert page.headers["referrer-policy"] == "no-referrer"
    en = client.get(f"/o/{token}?lang=en").text
    assert "Your 12V battery is getting weak" in en
    chart = client.get(f"/o/{token}/chart.svg?lang=zh-CN")
    assert chart.status_code == 200 and chart.headers["content-type"].startswith("image/svg+xml")
    assert "判定阈值" in chart.text and "<script" not in chart.text


def test_one_tap_books_then_cancel_within_the_cutoff(client, conn, world, future_slots):  # noqa: F811
    token = _mint(conn, world)
    html = client.get(f"/o/{token}").text
    option = world.suggestions_a[0]
    refused = client.post(f"/o/{token}/book", data={"form_token": "0" * 32, "option": option})
    assert "refused=invalid_form" in refused.headers.get("location", "") or "表单已过期" in refused.text
    booked = client.post(f"/o/{token}/book", data={"form_token": _form_token(html), "option": option})
    assert booked.status_code == 200 and "预约成功" in booked.text
    status = conn.execute(
        "SELECT status, accepted_by FROM booking_suggestion WHERE id = %s", (option,)
    ).fetchone()
    assert status == ("accepted", "owner")
    assert 'id="progress"' in booked.text
    cancelled = client.post(
        f"/o/{token}/cancel", data={"form_token": _form_token(booked.text), "option": option}
    )
    assert "预约已取消" in cancelled.text
    assert (
        conn.execute("SELECT status FROM booking_suggestion WHERE id = %s", (option,)).fetchone()[0]
        == "declined"
    )


def test_cancel_refused_after_the_cutoff(make_client, conn, world, future_slots):  # noqa: F811
    client = make_client()
    client.app.state.carecast.settings.owner_links.change_cutoff_hours = 24 * 30
    token = _mint(conn, world)
    html = client.get(f"/o/{token}").text
    option = world.suggestions_a[0]
    booked = client.post(f"/o/{token}/book", data={"form_token": _form_token(html), "option": option})
    assert 'id="cancel"' not in booked.text
    late = client.post(f"/o/{token}/cancel", data={"form_token": _form_token(html), "option": option})
    assert "不能在线更改" in late.text
    assert (
        conn.execute("SELECT status FROM booking_suggestion WHERE id = %s", (option,)).fetchone()[0]
        == "accepted"
    )


@pytest.mark.parametrize("case", ["revoked", "expired", "unknown"])
def test_revoked_expired_and_unknown_links_are_refused_with_a_page(client, conn, world, case):
    if case == "unknown":
        token, status = "ol_" + "x" * 43, 401
    elif case == "expired":
        token, status = _mint(conn, world, now=NOW - timedelta(days=31), ttl=timedelta(days=30)), 410
    else:
        token, status = _mint(conn, world), 410
        assert owner_links.revoke(conn, customer_id=world.customer_a, now=datetime.now(UTC)) == 1
    for path in ("", "/chart.svg"):
        page = client.get(f"/o/{token}{path}")
        assert page.status_code == status, path
        assert "此链接" in page.text or "无法识别" in page.text
    posted = client.post(f"/o/{token}/book", data={"form_token": "x", "option": world.suggestions_a[0]})
    assert posted.status_code == status
    assert (
        conn.execute(
            "SELECT status FROM booking_suggestion WHERE id = %s", (world.suggestions_a[0],)
        ).fetchone()[0]
        == "suggested"
    )


def test_another_owners_link_cannot_reach_this_car(client, conn, world, future_slots):  # noqa: F811
    other = add_customer(conn, name="Wang Fang", center_id=world.center_a)
    other_vehicle = add_vehicle(conn, vin=vin_for(9), customer_id=other)
    with pytest.raises(owner_links.OwnerLinkError):
        _mint(conn, world, customer_id=other, vehicle_id=world.vehicle_a)
    # The other owner's link, even naming A's risk, shows only their own car and cannot book A's option.
    token = _mint(conn, world, customer_id=other, vehicle_id=other_vehicle, risk_id=world.risk_a)
    html = client.get(f"/o/{token}").text
    assert world.vin_a[-6:] not in html and "Li Na" not in html
    assert 'class="book"' not in html
    link = owner_links.resolve(conn, token=token, now=datetime.now(UTC))
    assert isinstance(link, owner_links.OwnerLink)
    form = {"form_token": form_token(token, link), "option": world.suggestions_a[0]}
    assert (
        "refused=not_found"
        in client.post(f"/o/{token}/book", data=form, follow_redirects=False).headers["location"]
    )
    assert (
        conn.execute(
            "SELECT status FROM booking_suggestion WHERE id = %s", (world.suggestions_a[0],)
        ).fetchone()[0]
        == "suggested"
    )
    own_risk = add_risk(conn, vehicle_id=other_vehicle)
    assert (
        "12V"
        in client.get(
            f"/o/{_mint(conn, world, customer_id=other, vehicle_id=other_vehicle, risk_id=own_risk)}"
        ).text
    )


def test_a_resale_cuts_the_previous_owners_link_off(client, conn, world):
    token = _mint(conn, world)
    buyer = add_customer(conn, name="Buyer", center_id=world.center_a)
    conn.execute("UPDATE vehicle SET customer_id = %s WHERE id = %s", (buyer, world.vehicle_a))
    assert client.get(f"/o/{token}").status_code == 410


def test_progress_and_survey_after_the_visit(client, conn, world, future_slots):  # noqa: F811
    token = _mint(conn, world)
    serviced(client, world)
    html = client.get(f"/o/{token}").text
    assert html.count('class="reached') == 4  # booked, checked in, work started, ready
    assert run_aftercare(conn, now=AFTERCARE_NOW, log=structlog.get_logger()).surveys == 1
    html = client.get(f"/o/{token}").text
    assert 'id="survey"' in html
    questions = re.findall(r'name="(q_[a-z_]+)" value="1"', html)
    assert questions
    answers = {q: "5" for q in questions} | {"form_token": _form_token(html)}
    done = client.post(f"/o/{token}/survey", data=answers)
    assert "感谢您的反馈" in done.text and 'id="survey-thanks"' in done.text


def test_support_mints_a_link_with_the_cli(client, conn, world, database, capsys):
    conn.execute("UPDATE customer SET ref = 'C-LI-NA' WHERE id = %s", (world.customer_a,))
    settings = KeysSettings(
        database=database, owner_links=OwnerLinkSettings(public_url="https://cc.example.com/")
    )
    assert keys_main(["owner-link", "--customer", "C-LI-NA", "--vin", world.vin_a], settings=settings) == 0
    url = capsys.readouterr().out.strip()
    assert re.fullmatch(r"https://cc\.example\.com/o/ol_[A-Za-z0-9_-]{43}", url), url
    page = client.get(url.removeprefix("https://cc.example.com"))
    assert (
        page.status_code == 200 and "刹车片" in page.text
    )  # the most urgent open risk, newest first on a tie
    assert keys_main(["owner-link", "--customer", "C-LI-NA", "--vin", world.vin_b], settings=settings) != 0


def test_chart_and_words_are_localized_and_free_of_vss_paths():
    series = owner_charts.SERIES["brake_pads"]
    days = [(date(2026, 11, 1) + timedelta(days=i), 60.0 + i) for i in range(10)]
    zh = owner_charts.chart(series, days, threshold=80.0, locale="zh-CN")
    en = owner_charts.chart(series, days, threshold=80.0, locale="en")
    assert "判定阈值 80 %" in zh and "每日读数" in zh and "刹车片磨损" in zh
    assert "limit the check used 80 %" in en and "Brake pad wear" in en
    assert "暂无读数" in owner_charts.chart(series, [], threshold=None, locale="zh-CN")
    evidence = {"readings": [{"signal": "Vehicle.Chassis.Axle.*.Wheel.*.Brake.PadWear", "day": "2026-11-20",
                              "value": 82.5, "threshold": 80, "op": ">="}]}  # fmt: skip
    [line] = reading_lines("brake_pads", evidence, locale="zh-CN")
    assert line.crossed and "Vehicle" not in line.text and "不低于 80 %" in line.text
    assert threshold_of("brake_pads", evidence) == 80.0


def test_the_delivered_message_carries_a_link_that_opens_this_case(client, conn, world, future_slots):  # noqa: F811
    noon = datetime.now(ZoneInfo("Asia/Shanghai")).replace(hour=12, minute=0, second=0, microsecond=0)
    links = OwnerLinkSettings(public_url="https://cc.example.com", ttl_days=7)
    run_outbox(
        conn,
        channels={"in_app": InAppChannel(conn)},
        now=noon.astimezone(UTC),
        log=structlog.get_logger(),
        links=links,
    )
    body = conn.execute("SELECT body FROM inbox_item WHERE customer_id = %s", (world.customer_a,)).fetchone()[
        0
    ]
    found = re.search(
        r"查看检测图表、一键预约或改约：https://cc\.example\.com(/o/ol_[A-Za-z0-9_-]{43})", body
    )
    assert found, body
    row = conn.execute("SELECT created_by, risk_id, expires_at - created_at FROM owner_link").fetchone()
    assert row == ("notify", world.risk_a, timedelta(days=7))
    page = client.get(found.group(1))
    assert page.status_code == 200 and "12V 蓄电池状态变差" in page.text
