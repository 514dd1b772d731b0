"""iCalendar: one .ics per booking, a subscribable feed per center (token link dies with its key); RFC 5545 form."""

from __future__ import annotations

from api.auth.key_store import revoke


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def _unfold(text: str) -> list[str]:
    assert "\n" not in text.replace("\r\n", "")
    return text.replace("\r\n ", "").split("\r\n")


def test_booking_ics_is_a_tentative_event_in_utc(client, world):
    url = f"/v1/service-centers/{world.center_a}/bookings/{world.suggestions_a[0]}/calendar.ics"
    resp = client.get(url, headers=bearer(world.key_a))
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/calendar")
    lines = _unfold(resp.text)
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-2] == "END:VCALENDAR" and lines[-1] == ""
    assert "VERSION:2.0" in lines
    assert f"UID:booking-{world.suggestions_a[0]}@carecast" in lines
    assert "DTSTART:20261123T010000Z" in lines and "DTEND:20261123T020000Z" in lines
    assert "STATUS:TENTATIVE" in lines
    description = next(line for line in lines if line.startswith("DESCRIPTION:"))
    assert "\\nTechnician: Tech of HRB01" in description and "Li Na" in description
    assert all(len(line.encode()) <= 75 for line in resp.text.split("\r\n"))


def test_center_feed_lists_accepted_bookings_and_link_works_without_a_header(client, world, conn):
    conn.execute(
        "UPDATE booking_suggestion SET status = 'accepted', slot_start = now() + interval '1 day', "
        "slot_end = now() + interval '25 hours' WHERE id = %s",
        (world.suggestions_a[1],),
    )
    feed = client.get(f"/v1/service-centers/{world.center_a}/calendar.ics", headers=bearer(world.key_a))
    lines = _unfold(feed.text)
    assert [line for line in lines if line.startswith("UID:")] == [
        f"UID:booking-{world.suggestions_a[1]}@carecast"
    ]
    assert "STATUS:CONFIRMED" in lines
    link = client.get(
        f"/v1/service-centers/{world.center_a}/calendar-link", headers=bearer(world.key_a)
    ).json()
    assert link["url"].endswith(f"/v1/service-centers/{world.center_a}/calendar.ics?token={link['token']}")
    by_link = client.get(
        f"/v1/service-centers/{world.center_a}/calendar.ics", params={"token": link["token"]}
    )
    assert by_link.status_code == 200
    assert _unfold(by_link.text)[-2] == "END:VCALENDAR"
    # The token is bound to its center: it does not open another one.
    other = client.get(f"/v1/service-centers/{world.center_b}/calendar.ics", params={"token": link["token"]})
    assert other.status_code == 401
    forged = client.get(
        f"/v1/service-centers/{world.center_a}/calendar.ics", params={"token": "1." + "0" * 32}
    )
    assert forged.status_code == 401
    revoke(conn, prefix=world.key_a)
    gone = client.get(f"/v1/service-centers/{world.center_a}/calendar.ics", params={"token": link["token"]})
    assert gone.status_code == 401
