"""Advisor accounts, one-time links, audit and assignment by load (core/advisors.py) on the real PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core import advisors
from core.masterdata.network import write_advisors
from core.masterdata.owners import write_customers
from core.passwords import hash_password, password_ok
from domain.masterdata.customers import Customer
from domain.masterdata.staff import Advisor
from tests.advisor_login import PASSWORD, make_advisor
from tests.conftest import ROOT

NOW = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)


def add_center(conn, *, code: str) -> tuple[int, None]:
    center_id = conn.execute(
        "INSERT INTO service_center (code, name, city, region, lat_deg, lon_deg, tz, opening_hours) "
        "VALUES (%s, %s, 'Harbin', 'harbin', 45.75, 126.65, 'Asia/Shanghai', '{}') RETURNING id",
        (code, f"{code} 4S"),
    ).fetchone()[0]
    return center_id, None


def add_customer(conn, *, name: str, center_id: int) -> int:
    return conn.execute(
        "INSERT INTO customer (name, locale, tz, segment, preferred_center_id) "
        "VALUES (%s, 'zh-CN', 'Asia/Shanghai', 'family', %s) RETURNING id",
        (name, center_id),
    ).fetchone()[0]


def _dms_advisor(conn, *, center_id: int, employee_no: str, email: str | None = None) -> int:
    return conn.execute(
        "INSERT INTO advisor (center_id, employee_no, name, email) VALUES (%s, %s, %s, %s) RETURNING id",
        (center_id, employee_no, f"DMS {employee_no}", email),
    ).fetchone()[0]


def _advisor_of(conn, customer_id: int) -> int | None:
    return conn.execute("SELECT advisor_id FROM customer WHERE id = %s", (customer_id,)).fetchone()[0]


def _audit(conn) -> list[tuple]:
    return conn.execute("SELECT action, advisor_id, subject FROM advisor_audit ORDER BY id").fetchall()


def test_password_hashes_carry_their_parameters_and_a_fresh_salt():
    first, second = hash_password("correct horse"), hash_password("correct horse")
    assert first.startswith("scrypt$16384$8$1$") and first != second
    assert password_ok(first, "correct horse") and password_ok(second, "correct horse")
    assert not password_ok(first, "correct horsE")
    assert (
        not password_ok(None, "x") and not password_ok("scrypt$1$zz", "x") and not password_ok("md5$x", "x")
    )


def test_an_invited_advisor_sets_a_password_once_and_logs_in_by_email_in_any_case(conn):
    center, _ = add_center(conn, code="HRB01")
    invitation = advisors.invite(
        conn,
        center_id=center,
        email="Wang.Fang@example.com",
        name="Wang  Fang",
        role="advisor",
        by=None,
        now=NOW,
    )
    assert (
        advisors.authenticate(conn, email="wang.fang@example.com", password=PASSWORD, now=NOW) is None
    )  # no password yet
    holder = advisors.link_holder(conn, token=invitation.token, now=NOW)
    assert holder is not None and (holder.name, holder.purpose) == ("Wang Fang", "invite")
    with pytest.raises(advisors.AdvisorError, match="too_short"):
        advisors.redeem(conn, token=invitation.token, password="short", now=NOW)
    assert advisors.redeem(conn, token=invitation.token, password=PASSWORD, now=NOW) == (
        invitation.advisor_id,
        center,
    )
    assert (
        advisors.authenticate(conn, email=" WANG.FANG@example.com", password=PASSWORD, now=NOW)
        == invitation.advisor_id
    )
    assert (
        advisors.authenticate(conn, email="wang.fang@example.com", password="wrong-password", now=NOW) is None
    )
    assert advisors.authenticate(conn, email="nobody@example.com", password=PASSWORD, now=NOW) is None
    # used once: the link neither shows nor sets a password again
    assert advisors.link_holder(conn, token=invitation.token, now=NOW) is None
    assert advisors.redeem(conn, token=invitation.token, password="another-password", now=NOW) is None
    assert (
        advisors.authenticate(conn, email="wang.fang@example.com", password=PASSWORD, now=NOW)
        == invitation.advisor_id
    )
    # the token itself is not stored
    stored = conn.execute("SELECT token_hash FROM advisor_token").fetchone()[0]
    assert invitation.token.encode() not in bytes(stored)


def test_links_expire_and_a_new_link_ends_the_old_one(conn):
    center, _ = add_center(conn, code="HRB01")
    invitation = advisors.invite(
        conn, center_id=center, email="li@example.com", name="Li", role="advisor", by=None, now=NOW
    )
    later = invitation.expires_at + timedelta(seconds=1)
    assert advisors.link_holder(conn, token=invitation.token, now=later) is None
    assert advisors.redeem(conn, token=invitation.token, password=PASSWORD, now=later) is None
    reset = advisors.issue_reset(conn, center_id=center, advisor_id=invitation.advisor_id, by=None, now=NOW)
    assert advisors.redeem(conn, token=invitation.token, password=PASSWORD, now=NOW) is None  # superseded
    assert advisors.redeem(conn, token=reset.token, password=PASSWORD, now=NOW) is not None
    assert advisors.redeem(conn, token="ai_" + "x" * 43, password=PASSWORD, now=NOW) is None
    assert advisors.redeem(conn, token="not-a-token", password=PASSWORD, now=NOW) is None


def test_login_emails_are_unique_ignoring_case_and_roles_are_checked(conn):
    center, _ = add_center(conn, code="HRB01")
    make_advisor(conn, center_id=center, email="zhao@example.com")
    with pytest.raises(advisors.AdvisorError) as taken:
        advisors.invite(
            conn, center_id=center, email="ZHAO@example.com", name="Z", role="advisor", by=None, now=NOW
        )
    assert taken.value.code == "email_taken"
    for email, role, code in [
        ("x@example.com", "boss", "bad_role"),
        ("not-an-email", "advisor", "bad_email"),
    ]:
        with pytest.raises(advisors.AdvisorError) as refused:
            advisors.invite(conn, center_id=center, email=email, name="X", role=role, by=None, now=NOW)
        assert refused.value.code == code


def test_an_invitation_claims_the_dms_advisor_with_that_email(conn):
    center, _ = add_center(conn, code="HRB01")
    dms = _dms_advisor(conn, center_id=center, employee_no="E-7", email="Sun@Example.com")
    invitation = advisors.invite(
        conn, center_id=center, email="sun@example.com", name="Sun", role="center_admin", by=None, now=NOW
    )
    assert invitation.advisor_id == dms
    member = next(m for m in advisors.team(conn, center_id=center) if m.id == dms)
    assert (member.employee_no, member.role, member.name, member.has_password) == (
        "E-7",
        "center_admin",
        "DMS E-7",
        False,
    )


def test_role_changes_and_deactivation_are_audited_and_deactivation_reassigns_by_load(conn):
    center, _ = add_center(conn, code="HRB01")
    before = NOW - timedelta(hours=1)  # the accounts exist before the audited steps
    admin = make_advisor(
        conn, center_id=center, email="admin@example.com", role="center_admin", name="Admin", now=before
    )
    leaving = make_advisor(conn, center_id=center, email="leaving@example.com", name="Leaving", now=before)
    staying = make_advisor(conn, center_id=center, email="staying@example.com", name="Staying", now=before)
    customers = [add_customer(conn, name=f"C{i}", center_id=center) for i in range(4)]
    conn.execute("UPDATE customer SET advisor_id = %s WHERE id = ANY(%s)", (leaving, customers[:3]))
    conn.execute("UPDATE customer SET advisor_id = %s WHERE id = %s", (staying, customers[3]))
    conn.execute("UPDATE customer SET advisor_id = %s WHERE id = %s", (admin, customers[3]))

    advisors.set_role(conn, center_id=center, advisor_id=staying, role="center_admin", by=admin, now=NOW)
    with pytest.raises(advisors.AdvisorError, match="no advisor"):
        advisors.set_role(
            conn, center_id=center + 1000, advisor_id=staying, role="advisor", by=admin, now=NOW
        )
    moved = advisors.deactivate(conn, center_id=center, advisor_id=leaving, by=admin, now=NOW)
    assert moved == 3
    assert advisors.authenticate(conn, email="leaving@example.com", password=PASSWORD, now=NOW) is None
    owners = [_advisor_of(conn, c) for c in customers[:3]]
    assert sorted(owners.count(a) for a in (admin, staying)) == [1, 2] and leaving not in owners
    assert owners[0] == staying  # the lesser load first
    with pytest.raises(advisors.AdvisorError):
        advisors.deactivate(conn, center_id=center, advisor_id=leaving, by=admin, now=NOW)
    actions = [(action, by) for action, by, _ in _audit(conn)]
    assert ("team.role", admin) in actions and ("team.deactivate", admin) in actions
    detail = conn.execute("SELECT detail FROM advisor_audit WHERE action = 'team.deactivate'").fetchone()[0]
    assert detail == {"customers_released": 3, "customers_reassigned": 3}
    # newest first; the refused login of the deactivated advisor is audited too
    assert [e.action for e in advisors.recent_audit(conn, center_id=center, limit=3)] == [
        "account.login_failed",
        "team.deactivate",
        "team.role",
    ]


def test_record_audit_writes_one_row(conn):
    center, _ = add_center(conn, code="HRB01")
    advisors.record_audit(
        conn,
        center_id=center,
        advisor_id=None,
        action="booking.accept",
        subject="booking:7",
        detail={"a": 1},
        now=NOW,
    )
    row = conn.execute(
        "SELECT center_id, advisor_id, action, subject, detail, at FROM advisor_audit"
    ).fetchone()
    assert row == (center, None, "booking.accept", "booking:7", {"a": 1}, NOW)


def test_the_import_assigns_new_customers_by_load_and_a_dms_advisor_wins(conn):
    center, _ = add_center(conn, code="HRB01")
    first = make_advisor(conn, center_id=center, email="a1@example.com")
    second = make_advisor(conn, center_id=center, email="a2@example.com")
    dms = _dms_advisor(conn, center_id=center, employee_no="E-9")
    conn.execute("UPDATE advisor SET active = false WHERE id = %s", (dms,))  # the DMS's word wins even so
    rows = [
        (1, Customer(ref="R1", name="One", preferred_center_code="HRB01")),
        (2, Customer(ref="R2", name="Two", preferred_center_code="HRB01", advisor_employee_no="E-9")),
        (3, Customer(ref="R3", name="Three", preferred_center_code="HRB01")),
        (4, Customer(ref="R4", name="Four", preferred_center_code="HRB01")),
        (5, Customer(ref="R5", name="Five")),  # no center: nobody to take them
    ]
    result = write_customers(conn, rows, now=NOW)
    assert not result.errors
    by_ref = dict(conn.execute("SELECT ref, advisor_id FROM customer ORDER BY ref").fetchall())
    assert by_ref == {"R1": first, "R2": dms, "R3": second, "R4": first, "R5": None}
    # A re-import without an advisor keeps Carecast's choice; the DMS naming one changes it.
    again = [(1, Customer(ref="R1", name="One", preferred_center_code="HRB01")),
             (2, Customer(ref="R3", name="Three", preferred_center_code="HRB01", advisor_employee_no="E-9"))]  # fmt: skip
    write_customers(conn, again, now=NOW)
    by_ref = dict(conn.execute("SELECT ref, advisor_id FROM customer ORDER BY ref").fetchall())
    assert (by_ref["R1"], by_ref["R3"]) == (first, dms)


def test_the_cli_invites_with_a_link_under_the_public_url_and_lists_the_team(database, capsys):
    from core.advisors_main import AdvisorsSettings, main
    from core.db import connect
    from core.settings import OwnerLinkSettings

    settings = AdvisorsSettings(
        database=database, owner_links=OwnerLinkSettings(public_url="https://cc.example.com/")
    )
    with connect(database, autocommit=True) as conn:
        add_center(conn, code="HRB01")
    argv = [
        "invite",
        "--center",
        "HRB01",
        "--email",
        "boss@example.com",
        "--name",
        "Boss",
        "--role",
        "center_admin",
    ]
    assert main(argv, settings=settings) == 0
    link = capsys.readouterr().out.strip()
    assert link.startswith("https://cc.example.com/advisor/invite/ai_")
    assert main(argv, settings=settings) == 1  # the e-mail has an account now
    assert "already logs in as boss@example.com" in capsys.readouterr().err
    assert main(["list", "--center", "HRB01"], settings=settings) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split("\t") == ["id", "role", "account", "customers", "email", "name"]
    assert lines[1].split("\t")[1:] == ["center_admin", "invited", "0", "boss@example.com", "Boss"]
    assert main(["list", "--center", "NOPE"], settings=settings) == 1


def test_a_centers_first_advisor_takes_the_customers_waiting_for_one(conn):
    center, _ = add_center(conn, code="HRB01")
    other, _ = add_center(conn, code="SHA01")
    waiting = add_customer(conn, name="Waiting", center_id=center)
    elsewhere = add_customer(conn, name="Elsewhere", center_id=other)
    first = make_advisor(conn, center_id=center, email="first@example.com")
    assert (_advisor_of(conn, waiting), _advisor_of(conn, elsewhere)) == (first, None)


def _dms_says(conn, *rows: tuple[str, bool]) -> None:
    """Import advisors of HRB01 as the DMS lists them: (employee number, active)."""
    batch = [(n, Advisor(employee_no=no, center_code="HRB01", name=f"DMS {no}", email=f"{no.lower()}@example.com",
                         active=active)) for n, (no, active) in enumerate(rows, start=1)]  # fmt: skip
    assert not write_advisors(conn, batch, now=NOW).errors


def _active(conn, advisor_id: int) -> bool:
    return conn.execute("SELECT active FROM advisor WHERE id = %s", (advisor_id,)).fetchone()[0]


def test_a_lagging_dms_does_not_give_a_leaver_their_login_back_and_an_invitation_does(conn):
    center, _ = add_center(conn, code="HRB01")
    _dms_says(conn, ("E-1", True), ("E-2", True))
    leaver = advisors.invite(conn, center_id=center, email="e-1@example.com", name="x", role="advisor", by=None,
                             now=NOW)  # fmt: skip
    advisors.redeem(conn, token=leaver.token, password=PASSWORD, now=NOW)
    advisors.deactivate(conn, center_id=center, advisor_id=leaver.advisor_id, by=None, now=NOW)

    _dms_says(conn, ("E-1", True), ("E-2", False))  # the DMS has not heard yet; it deactivates someone else
    assert not _active(conn, leaver.advisor_id)
    assert advisors.authenticate(conn, email="e-1@example.com", password=PASSWORD, now=NOW) is None
    e2 = conn.execute("SELECT id FROM advisor WHERE employee_no = 'E-2'").fetchone()[0]
    assert not _active(conn, e2)
    _dms_says(conn, ("E-2", True))  # what the DMS deactivated, the DMS brings back
    assert _active(conn, e2)

    # The center invites the leaver again: the same account, active, the old password gone until the new link.
    again = advisors.invite(conn, center_id=center, email="E-1@example.com", name="x", role="advisor", by=None,
                            now=NOW)  # fmt: skip
    assert again.advisor_id == leaver.advisor_id and _active(conn, leaver.advisor_id)
    assert advisors.authenticate(conn, email="e-1@example.com", password=PASSWORD, now=NOW) is None
    advisors.redeem(conn, token=again.token, password="a-new-password", now=NOW)
    assert (
        advisors.authenticate(conn, email="e-1@example.com", password="a-new-password", now=NOW)
        == again.advisor_id
    )
    _dms_says(conn, ("E-1", False))  # and the DMS's own word counts again
    assert not _active(conn, leaver.advisor_id)
    with pytest.raises(advisors.AdvisorError, match="already logs in"):  # not the center's to undo
        advisors.invite(
            conn, center_id=center, email="e-1@example.com", name="x", role="advisor", by=None, now=NOW
        )


def test_migration_0044_holds_the_deactivations_made_before_it(conn):
    center, _ = add_center(conn, code="HRB01")
    _dms_says(conn, ("E-1", True), ("E-2", True))
    e1, e2 = (
        conn.execute("SELECT id FROM advisor WHERE employee_no = %s", (no,)).fetchone()[0]
        for no in ("E-1", "E-2")
    )
    for advisor_id in (e1, e2):
        advisors.deactivate(conn, center_id=center, advisor_id=advisor_id, by=None, now=NOW)
    _dms_says(conn, ("E-2", True))
    conn.execute(
        "UPDATE advisor SET deactivated_at = NULL, active = id = %s", (e2,)
    )  # as before 0044: E-2 back
    migration = (ROOT / "core/migrations/0044_advisor_deactivated.sql").read_text()
    backfill = next(s for s in migration.split(";") if "UPDATE advisor a SET deactivated_at" in s)
    conn.execute(backfill)
    held = conn.execute("SELECT employee_no, deactivated_at FROM advisor ORDER BY employee_no").fetchall()
    assert held == [("E-1", NOW), ("E-2", None)]  # an advisor active again was not deactivated after all
