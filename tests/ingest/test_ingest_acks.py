"""InOrderAcks: batches committed out of order by concurrent writers are acked in arrival order."""

from __future__ import annotations

import random
import threading

from ingest.acks import InOrderAcks


def test_a_batch_committed_early_waits_for_the_ones_before_it() -> None:
    sent: list[str] = []
    acks = InOrderAcks(sent.extend)
    assert acks.committed(1, ["c", "d"]) == 0  # batch 0 is still being written
    assert sent == []
    assert acks.committed(0, ["a", "b"]) == 4  # now both are due, in arrival order
    assert sent == ["a", "b", "c", "d"]
    assert acks.committed(2, ["e"]) == 1
    assert sent == ["a", "b", "c", "d", "e"]


def test_a_batch_given_up_stops_every_later_ack() -> None:
    sent: list[str] = []
    acks = InOrderAcks(sent.extend)
    acks.committed(0, ["a"])
    acks.committed(2, ["c"])  # committed, but behind batch 1
    acks.abandoned(1)
    acks.committed(3, ["d"])
    assert sent == ["a"]
    assert acks.halted


def test_concurrent_writers_ack_every_message_once_in_order() -> None:
    sent: list[int] = []
    acks = InOrderAcks(sent.extend)
    batches = [list(range(n * 10, n * 10 + 10)) for n in range(400)]
    order = list(range(len(batches)))
    random.Random(7).shuffle(order)
    lanes = [order[i::4] for i in range(4)]

    def commit(seqs: list[int]) -> None:
        for seq in seqs:
            acks.committed(seq, batches[seq])

    threads = [threading.Thread(target=commit, args=(lane,)) for lane in lanes]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sent == list(range(4000))
