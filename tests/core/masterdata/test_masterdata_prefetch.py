"""core/masterdata/prefetch.py: items in order, the producer's exception raised to the consumer, early exit."""

from __future__ import annotations

import itertools
import threading

import pytest

from core.masterdata.prefetch import Prefetch


def test_items_arrive_in_order():
    with Prefetch(iter(range(100)), ahead=3) as ahead:
        assert list(ahead) == list(range(100))


def test_the_producers_exception_is_raised_to_the_consumer():
    def items():
        yield 1
        raise ValueError("bad line")

    with Prefetch(items()) as ahead, pytest.raises(ValueError, match="bad line"):
        list(ahead)


def test_leaving_early_stops_the_producer():
    before = threading.active_count()
    with Prefetch(itertools.count(), ahead=1) as ahead:
        for item in ahead:
            if item == 3:
                break
    assert threading.active_count() == before
