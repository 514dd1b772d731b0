"""Choosing an advisor for new customers by load (domain/assignment.py)."""

from __future__ import annotations

import pytest

from domain.assignment import AdvisorLoad, Unassigned, assign


def _loads(*rows: tuple[int, int, int]) -> list[AdvisorLoad]:
    return [AdvisorLoad(advisor_id=a, center_id=c, customers=n) for a, c, n in rows]


@pytest.mark.parametrize(
    ("customers", "loads", "expected"),
    [
        # the advisor with fewest customers of the customer's center
        ([(1, 10)], [(5, 10, 3), (6, 10, 1), (7, 20, 0)], {1: 6}),
        # a tie goes to the lowest id
        ([(1, 10)], [(6, 10, 2), (5, 10, 2)], {1: 5}),
        # each choice counts: a batch spreads evenly over the team
        ([(1, 10), (2, 10), (3, 10)], [(5, 10, 0), (6, 10, 1)], {1: 5, 2: 5, 3: 6}),
        # taken in customer-id order, whatever order they come in
        ([(3, 10), (1, 10)], [(5, 10, 0), (6, 10, 0)], {1: 5, 3: 6}),
        # no advisor at the center, or no preferred center: left unassigned
        ([(1, 30), (2, None)], [(5, 10, 0)], {}),
        # nobody to assign
        ([], [(5, 10, 0)], {}),
    ],
)
def test_assign_by_load(customers, loads, expected):
    batch = [Unassigned(customer_id=c, center_id=center) for c, center in customers]
    assert dict(assign(batch, _loads(*loads))) == expected
