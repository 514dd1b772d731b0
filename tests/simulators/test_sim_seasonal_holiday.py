"""Holiday-trip ground truth: an item due on the break's first day, or due in the run-up and fixed before it."""

from __future__ import annotations

from datetime import date, timedelta

from simulators.climate import Weather
from tests.simulators.test_sim_seasonal import parts

SPRING = date(2026, 2, 16)  # 2026 Spring Festival break


def trip(
    p, wipers: list[float], temps: list[float] | None = None, start: date = SPRING - timedelta(days=20)
) -> list:
    for i, w in enumerate(wipers):
        t = 20.0 if temps is None else temps[i]
        p.step(start + timedelta(days=i), Weather(t, t - 4, t + 4, 0.0), wiper=w, pads=[10.0] * 4)
    return [e[1:] for e in p.finish() if e[0].value == "holiday_trip"]


def test_an_item_due_on_the_first_day_of_the_break():
    assert trip(parts(240.0), [85.0] * 21) == [("wipers", None, SPRING, None)]


def test_an_item_fixed_in_the_run_up_was_a_check_the_car_needed():
    # blades at 85 % from 20 days before, changed 8 days before the break: due from the run-up's first day
    events = trip(parts(240.0), [85.0] * 12 + [0.0] * 9)
    assert events == [("wipers", None, SPRING - timedelta(days=14), SPRING - timedelta(days=8))]


def test_a_tyre_back_only_because_the_weather_warmed_is_no_event():
    # 230 kPa at 20 C reads 212 kPa at 5 C in the run-up and 230 kPa again on the break's first day: no fill
    assert trip(parts(230.0), [10.0] * 21, temps=[5.0] * 14 + [20.0] * 7) == []
