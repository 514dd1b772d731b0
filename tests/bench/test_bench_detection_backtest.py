"""The backtest command runs end to end on a small fleet and scores every rule against the ground truth."""

from __future__ import annotations

import json
from datetime import date

from bench.backtest import main
from bench.backtest_score import Episode, Event, Lifecycle, score


def test_small_backtest_prints_figures_per_rule(capsys):
    # seed 7 here; the documented figures are tuned and measured on other seeds
    assert main(["--vehicles", "40", "--days", "150", "--seed", "7", "--step", "10"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    out = json.loads(lines[-1])
    assert set(out["rules"]) == {"battery_12v", "ev_battery_soh", "brake_pads", "winter_prep", "wipers",
                                 "tyre_pressure", "summer_care", "holiday_trip", "maintenance_due", "dtc"}  # fmt: skip
    assert out["rows"] > 40 * 150 * 3 and out["passes"] == 12
    for figures in out["rules"].values():
        assert {"precision", "recall", "lead_days_median", "lead_days_p10"} <= set(figures)
    assert out["rules"]["brake_pads"]["failures"] > 0 and out["rules"]["brake_pads"]["precision"] >= 0.8
    # the service countdown reaches the rule over the whole window, not only the last two weeks
    maintenance = out["rules"]["maintenance_due"]
    assert maintenance["failures"] > 5 and maintenance["recall"] >= 0.8
    assert "rule" in lines[1]


def test_lifecycle_and_scoring_by_hand():
    life = Lifecycle()
    life.apply(kind="brake_pads", day=date(2025, 7, 1), flagged=[1, 2], evaluated=[1, 2, 3])
    life.apply(kind="brake_pads", day=date(2025, 7, 8), flagged=[1], evaluated=[1, 3])  # 2 not judged: stays
    life.apply(kind="brake_pads", day=date(2025, 7, 15), flagged=[], evaluated=[1, 2])  # both cleared
    eps = sorted(life.episodes(), key=lambda e: e.vehicle_id)
    assert [(e.vehicle_id, e.first) for e in eps] == [(1, date(2025, 7, 1)), (2, date(2025, 7, 1))]
    events = [Event(1, "brake_pads", "pad_wear", date(2025, 7, 20), date(2025, 7, 25)),
              Event(3, "brake_pads", "pad_wear", date(2025, 8, 1), None)]  # fmt: skip
    f = score(episodes=eps, events=events, kinds=["brake_pads"], start=date(2025, 6, 1), end=date(2025, 8, 31),
              vehicles=3)  # fmt: skip
    b = f["brake_pads"]
    assert (b["precision"], b["recall"], b["lead_days_median"]) == (0.5, 0.5, 19.0)
    assert isinstance(eps[0], Episode)


def test_a_pack_below_its_limit_stays_a_true_alert_until_replaced():
    # SOH does not recover by itself: an alert months after the crossing (no service) is still true; a winter
    # alert long after the onset is not.
    eps = [Episode(1, "ev_battery_soh", date(2025, 12, 1), date(2026, 1, 1)),
           Episode(2, "winter_prep", date(2025, 12, 1), date(2025, 12, 8))]  # fmt: skip
    events = [Event(1, "ev_battery_soh", "fade", date(2025, 8, 1), None),
              Event(2, "winter_prep", "winter_onset", date(2025, 10, 1), None)]  # fmt: skip
    f = score(episodes=eps, events=events, kinds=["ev_battery_soh", "winter_prep"], start=date(2025, 6, 1),
              end=date(2026, 5, 31), vehicles=2)  # fmt: skip
    assert f["ev_battery_soh"]["precision"] == 1.0 and f["winter_prep"]["precision"] == 0.0
    assert f["ev_battery_soh"]["lead_days_median"] == -122.0


def test_a_maintenance_alert_counts_within_four_weeks_of_the_due_date_until_the_service():
    # due 2025-09-30, serviced 2025-10-05: alerts from 2025-09-02 (28 days before) to the service are true
    # first alerts 14 and 28 days ahead (true), 41 days ahead and after the service (false)
    events = [
        Event(v, "maintenance_due", "distance", date(2025, 9, 30), date(2025, 10, 5)) for v in range(1, 5)
    ]
    firsts = [date(2025, 9, 16), date(2025, 9, 2), date(2025, 8, 20), date(2025, 10, 6)]
    eps = [Episode(v, "maintenance_due", first, date(2025, 10, 8)) for v, first in enumerate(firsts, start=1)]
    f = score(episodes=eps, events=events, kinds=["maintenance_due"], start=date(2025, 6, 1),
              end=date(2026, 5, 31), vehicles=4)["maintenance_due"]  # fmt: skip
    assert (f["alerts"], f["true_alerts"], f["failures"], f["detected"]) == (4, 2, 4, 2)
    assert f["lead_days_median"] == 21.0
