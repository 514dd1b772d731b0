"""Advisor accounts over HTTP against a real `python -m api`: login, one-time links, roles, the team page, logout
everywhere, the center boundary, and sessions that outlive the process."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import psycopg
import pytest

from core.advisors import invite
from tests.advisor_login import PASSWORD, csrf, csrf_of, log_in, login, make_advisor
from tests.api.conftest import add_center, add_customer, add_risk, add_suggestion, add_vehicle, vin_for
from tests.api_server import serve_api
from tests.conftest import RUN_ID, _admin, _db_url

SECRET = "test-secret-for-advisor-sessions-0123456789"
ENV = {
    "CARECAST_API__COOKIE_SECURE": "false",
    "CARECAST_LOG__LEVEL": "WARNING",
    "CARECAST_API__SECRET": SECRET,
}


@dataclass(frozen=True)
class Centers:
    """Two centers, A with an admin and an advisor, B with an advisor and a suggested booking."""

    db_url: str
    url: str
    center_a: int
    center_b: int
    admin_a: str
    advisor_a: str
    advisor_b: str
    booking_b: int


@pytest.fixture(scope="module")
def db_url(template_db: str) -> Iterator[str]:
    """One migrated database for this module (the API server serves it for every test here)."""
    name = f"carecast_t_{RUN_ID}_{uuid.uuid4().hex[:6]}"
    _admin(f'CREATE DATABASE "{name}" TEMPLATE "{template_db}"')
    try:
        yield _db_url(name)
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def centers(db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Centers]:
    with psycopg.connect(db_url, autocommit=True) as conn:
        center_a, _ = add_center(conn, code="HRB01")
        center_b, tech_b = add_center(conn, code="SHA01")
        customer_b = add_customer(conn, name="Zhang Wei", center_id=center_b)
        vehicle_b = add_vehicle(conn, vin=vin_for(2), customer_id=customer_b)
        risk_b = add_risk(conn, vehicle_id=vehicle_b)
        booking_b = add_suggestion(
            conn, risk_id=risk_b, vehicle_id=vehicle_b, center_id=center_b, technician_id=tech_b, rank=1,
            created_at=datetime.now(UTC),
        )  # fmt: skip
        conn.execute(
            "UPDATE booking_suggestion SET slot_start = now() + interval '2 days', "
            "slot_end = now() + interval '2 days 50 minutes'"
        )
        make_advisor(
            conn, center_id=center_a, email="admin.a@example.com", role="center_admin", name="Admin A"
        )
        make_advisor(conn, center_id=center_a, email="advisor.a@example.com", name="Advisor A")
        make_advisor(conn, center_id=center_b, email="advisor.b@example.com", name="Advisor B")
    log = tmp_path_factory.mktemp("advisor-accounts") / "api.log"
    with serve_api(db_url, log=log, env=ENV) as api:
        yield Centers(
            db_url=db_url,
            url=api.url,
            center_a=center_a,
            center_b=center_b,
            admin_a="admin.a@example.com",
            advisor_a="advisor.a@example.com",
            advisor_b="advisor.b@example.com",
            booking_b=booking_b,
        )


@pytest.fixture
def db(centers: Centers) -> Iterator[psycopg.Connection]:
    with psycopg.connect(centers.db_url, autocommit=True) as conn:
        yield conn


def _client(centers: Centers) -> httpx.Client:
    return httpx.Client(base_url=centers.url, follow_redirects=False, timeout=30)


def _team(client: httpx.Client) -> str:
    page = client.get("/advisor/team")
    assert page.status_code == 200, page.text
    # audit times in the center's zone, the zone named (never bare UTC)
    audit = page.text[page.text.index('id="audit"') :]
    assert re.search(r"<td>\d{4}-\d{2}-\d{2} \d{2}:\d{2} \S+ \([A-Za-z_]+/[A-Za-z_]+\)</td>", audit), audit[
        :400
    ]
    return page.text


def _link_in(html: str) -> str:
    found = re.search(r'<code id="one-time-link">[^<]*(/advisor/invite/[^<]+)</code>', html)
    assert found, "no one-time link on the page"
    return found.group(1)


def _login_status(centers: Centers, email: str, password: str = PASSWORD) -> int:
    with _client(centers) as client:
        return log_in(client, email, password).status_code


def _advisor_id(db: psycopg.Connection, email: str) -> int:
    return db.execute("SELECT id FROM advisor WHERE lower(login_email) = lower(%s)", (email,)).fetchone()[0]


def test_login_by_email_and_password(centers):
    with _client(centers) as client:
        assert log_in(client, centers.advisor_a, "wrong-password").status_code == 401
        assert log_in(client, "nobody@example.com").status_code == 401
        ok = log_in(client, centers.advisor_a.upper())
        assert (ok.status_code, ok.headers["location"]) == (303, "/advisor")
        cookie = next(h for h in ok.headers.get_list("set-cookie") if h.startswith("cc_session="))
        assert "httponly" in cookie.lower() and PASSWORD not in cookie
        assert client.get("/advisor").status_code == 200
        page = client.get("/advisor/login?lang=en").text
        assert 'name="email"' in page and 'name="password"' in page and "api_key" not in page


def test_an_inactive_advisor_cannot_log_in(centers, db):
    make_advisor(db, center_id=centers.center_a, email="gone@example.com")
    db.execute("UPDATE advisor SET active = false WHERE login_email = 'gone@example.com'")
    with _client(centers) as client:
        assert log_in(client, "gone@example.com").status_code == 401


def test_logins_are_rate_limited_per_email(centers, db):
    make_advisor(db, center_id=centers.center_a, email="guessed@example.com")
    with _client(centers) as client:
        answers = [log_in(client, "guessed@example.com", f"guess-{i}").status_code for i in range(11)]
        assert answers[:10] == [401] * 10 and answers[10] == 429
        assert log_in(client, "guessed@example.com").status_code == 429  # even the right password, for now
        assert log_in(client, centers.advisor_a).status_code == 303  # other accounts are unaffected


def test_an_admin_invites_and_the_link_sets_a_password_once(centers, db):
    with login(centers.url, centers.admin_a) as admin:
        token = csrf_of(_team(admin))
        page = admin.post(
            "/advisor/team/invite?lang=en",
            data={
                "csrf_token": token,
                "name": "Chen Jing",
                "email": "chen.jing@example.com",
                "role": "advisor",
            },
        )
        assert page.status_code == 200 and "shown only now" in page.text
        link = _link_in(page.text)
        assert link not in _team(admin)  # shown once
        assert "Chen Jing" in _team(admin)
    with _client(centers) as newcomer:
        form = newcomer.get(link)
        assert form.status_code == 200 and "chen.jing@example.com" in form.text
        short = newcomer.post(
            link, data={"csrf_token": csrf_of(form.text), "password": "short", "password_again": "short"}
        )
        assert short.status_code == 400
        form = newcomer.get(link)
        data = {
            "csrf_token": csrf_of(form.text),
            "password": "a-good-password",
            "password_again": "a-good-password",
        }
        done = newcomer.post(link, data=data)
        assert (done.status_code, done.headers["location"]) == (303, "/advisor")
        assert newcomer.get("/advisor").status_code == 200
        # used: the link is dead, and cannot set the password again
        assert newcomer.get(link).status_code == 410
        again = {**data, "password": "another-password", "password_again": "another-password"}
        assert newcomer.post(link, data=again).status_code == 410
    with login(centers.url, "chen.jing@example.com", "a-good-password"):
        pass
    actions = [
        r[0] for r in db.execute("SELECT action FROM advisor_audit WHERE center_id = %s", (centers.center_a,))
    ]
    assert "team.invite" in actions and "account.invite_accepted" in actions


def test_an_expired_invitation_is_refused(centers, db):
    invitation = invite(
        db, center_id=centers.center_a, email="late@example.com", name="Late", role="advisor", by=None,
        now=datetime.now(UTC) - timedelta(days=8),
    )  # fmt: skip
    with _client(centers) as client:
        assert client.get(f"/advisor/invite/{invitation.token}").status_code == 410
        assert client.get("/advisor/invite/ai_unknown").status_code == 410


def test_a_non_admin_cannot_see_the_team_or_invite(centers):
    with login(centers.url, centers.advisor_a) as advisor:
        token = csrf(advisor)
        assert advisor.get("/advisor/team").status_code == 403
        data = {"csrf_token": token, "name": "Sneaky", "email": "sneaky@example.com", "role": "center_admin"}
        assert advisor.post("/advisor/team/invite", data=data).status_code == 403
    with _client(centers) as anonymous:
        assert anonymous.get("/advisor/team").headers["location"] == "/advisor/login"


def test_an_advisor_cannot_act_for_another_center(centers, db):
    with login(centers.url, centers.advisor_a) as advisor:
        answer = advisor.post(
            f"/advisor/bookings/{centers.booking_b}/accept", data={"csrf_token": csrf(advisor)}
        )
        assert answer.status_code == 303 and "refused=not_found" in answer.headers["location"]
    status = db.execute(
        "SELECT status FROM booking_suggestion WHERE id = %s", (centers.booking_b,)
    ).fetchone()[0]
    assert status == "suggested"
    # The team page of an admin lists only their own center's advisors.
    with login(centers.url, centers.admin_a) as admin:
        team = _team(admin)
        assert "Advisor A" in team and "Advisor B" not in team


def test_log_out_everywhere_ends_every_session_of_the_advisor(centers, db):
    make_advisor(db, center_id=centers.center_a, email="two.phones@example.com")
    other = login(centers.url, centers.admin_a)
    with (
        login(centers.url, "two.phones@example.com") as laptop,
        login(centers.url, "two.phones@example.com") as phone,
    ):
        ended = laptop.post("/advisor/logout-everywhere", data={"csrf_token": csrf(laptop)})
        assert (ended.status_code, ended.headers["location"]) == (303, "/advisor/login")
        assert phone.get("/advisor").headers["location"] == "/advisor/login"
        assert laptop.get("/advisor").headers["location"] == "/advisor/login"
    assert other.get("/advisor").status_code == 200  # someone else's session lives on
    other.close()
    advisor_id = _advisor_id(db, "two.phones@example.com")
    row = db.execute(
        "SELECT detail FROM advisor_audit WHERE action = 'account.logout_everywhere' AND advisor_id = %s",
        (advisor_id,),
    ).fetchone()
    assert row == ({"sessions": 2},)


def test_the_admin_changes_a_role_deactivates_and_issues_a_reset_link(centers, db):
    make_advisor(db, center_id=centers.center_a, email="moving@example.com", name="Moving On")
    make_advisor(db, center_id=centers.center_a, email="forgetful@example.com", name="Forgetful")
    moving, forgetful = _advisor_id(db, "moving@example.com"), _advisor_id(db, "forgetful@example.com")
    customer = add_customer(db, name="Customer of Moving", center_id=centers.center_a)
    db.execute("UPDATE customer SET advisor_id = %s WHERE id = %s", (moving, customer))
    moving_session = login(centers.url, "moving@example.com")
    forgetful_session = login(centers.url, "forgetful@example.com")
    with login(centers.url, centers.admin_a) as admin:
        token = csrf_of(_team(admin))
        me = _advisor_id(db, centers.admin_a)
        assert admin.post(f"/advisor/team/{me}/deactivate", data={"csrf_token": token}).status_code == 400
        assert (
            admin.post(f"/advisor/team/{moving}/role", data={"csrf_token": token, "role": "boss"}).status_code
            == 400
        )
        assert admin.post(f"/advisor/team/{moving}/fire", data={"csrf_token": token}).status_code == 404
        assert (
            admin.post(
                f"/advisor/team/{moving}/role", data={"csrf_token": "x", "role": "advisor"}
            ).status_code
            == 403
        )
        promoted = admin.post(
            f"/advisor/team/{forgetful}/role", data={"csrf_token": token, "role": "center_admin"}
        )
        assert promoted.status_code == 303
        assert admin.post(f"/advisor/team/{moving}/deactivate", data={"csrf_token": token}).status_code == 303
        assert moving_session.get("/advisor").headers["location"] == "/advisor/login"
        assert _login_status(centers, "moving@example.com") == 401
        new_owner = db.execute("SELECT advisor_id FROM customer WHERE id = %s", (customer,)).fetchone()[0]
        assert new_owner not in (None, moving)
        reset = admin.post(f"/advisor/team/{forgetful}/reset?lang=en", data={"csrf_token": token})
        assert reset.status_code == 200 and "password-reset" in reset.text
        link = _link_in(reset.text)
        audit = _team(admin)
        moving_row = audit[audit.index(f'data-advisor="{moving}"') :]
        assert "invite the same e-mail to bring the account back" in moving_row[: moving_row.index("</tr>")]
    assert forgetful_session.get("/advisor/team").status_code == 200  # now an admin
    with _client(centers) as client:
        form = client.get(link)
        data = {
            "csrf_token": csrf_of(form.text),
            "password": "a-new-password",
            "password_again": "a-new-password",
        }
        assert client.post(link, data=data).status_code == 303
    assert (
        forgetful_session.get("/advisor").headers["location"] == "/advisor/login"
    )  # a new password ends sessions
    assert _login_status(centers, "forgetful@example.com") == 401
    assert _login_status(centers, "forgetful@example.com", "a-new-password") == 303
    rows = db.execute(
        "SELECT action, subject FROM advisor_audit WHERE center_id = %s AND advisor_id = %s",
        (centers.center_a, _advisor_id(db, centers.admin_a)),
    ).fetchall()
    assert {("team.role", f"advisor:{forgetful}"), ("team.deactivate", f"advisor:{moving}"),
            ("team.reset_link", f"advisor:{forgetful}")} <= set(rows)  # fmt: skip
    assert "Deactivated an advisor · Moving On" in audit and "advisor:" not in audit
    # Inviting the same e-mail brings the same account back, its old password ended.
    with login(centers.url, centers.admin_a) as admin:
        data = {
            "csrf_token": csrf_of(_team(admin)),
            "name": "Moving",
            "email": "moving@example.com",
            "role": "advisor",
        }
        page = admin.post("/advisor/team/invite?lang=en", data=data)
        assert page.status_code == 200 and "shown only now" in page.text
    assert _advisor_id(db, "moving@example.com") == moving
    assert _login_status(centers, "moving@example.com") == 401
    moving_session.close()
    forgetful_session.close()


def test_sessions_survive_an_api_restart(centers, tmp_path):
    """Two processes one after the other on the same database and secret: the first one's cookie works on the
    second."""
    with serve_api(centers.db_url, log=tmp_path / "api-1.log", env=ENV) as first, _client(centers) as client:
        client.base_url = httpx.URL(first.url)
        assert log_in(client, centers.advisor_b).status_code == 303
        cookies = httpx.Cookies(client.cookies)
    with serve_api(centers.db_url, log=tmp_path / "api-2.log", env=ENV) as second:
        restarted = httpx.Client(base_url=second.url, follow_redirects=False, timeout=30, cookies=cookies)
        with restarted:
            assert restarted.get("/advisor").status_code == 200
