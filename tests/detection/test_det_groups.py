"""Per-vehicle numpy views: the same rows, days and day offsets as the pandas helpers in detection.frame."""

from __future__ import annotations

from datetime import timedelta

import numpy as np

from detection.frame import by_vehicle, days_before, known_until, last_days
from detection.groups import cars


def test_cars_match_the_pandas_slices(daily, concat, now):
    frame = concat(
        daily(5, days=40, lv_v_min=lambda i: 10.0 + i / 100),
        daily(2, days=10, end=now + timedelta(days=2), lv_v_min=9.5),  # two days in the future: not known yet
        daily(9, days=3, end=now - timedelta(days=20), lv_v_min=11.0),
    ).sample(frac=1.0, random_state=3)  # any row order
    got = list(cars(frame, now=now, columns=("lv_v_min",)))
    want = list(by_vehicle(known_until(frame, now)))
    assert [c.vehicle_id for c in got] == [vid for vid, _ in want] == [2, 5, 9]
    for car, (_, rows) in zip(got, want, strict=True):
        assert np.array_equal(car["lv_v_min"], rows["lv_v_min"].to_numpy())
        assert np.array_equal(car.x, days_before(rows["day"], now))
        for n in (1, 7, 30):
            assert (car.age < n).sum() == len(last_days(rows, now, n))
        assert car.rows()["vehicle_id"].eq(car.vehicle_id).all() and len(car.rows()) == len(rows)


def test_an_empty_frame_has_no_cars(daily, now):
    assert list(cars(daily(1, days=5).iloc[:0], now=now, columns=("lv_v_min",))) == []
