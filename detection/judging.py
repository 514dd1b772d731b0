"""Judging the rules over the loaded fleet in forked processes: vehicles cut into blocks, results merged.

Every rule judges each vehicle from that vehicle's rows alone (fleet-relative anomaly scores are computed before),
so blocks of whole vehicles can be judged in parallel and merged into exactly what one process returns. The
database is idle while the rules run, so on a two-core machine the second core halves the pass's rule time.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import time
import traceback
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
import structlog

from detection.flags import RuleResult, result
from detection.rule import ConfiguredRule

# Below this many vehicles per process a fork costs more than it saves (an incremental pass judges a few cars).
MIN_VEHICLES_PER_WORKER = 500
# A child that has not answered this long after the parent finished its own share (and at least this many times the
# parent's time) is killed and its share judged in the parent: a stuck child never stalls the scheduler.
CHILD_GRACE_S = 30.0
CHILD_GRACE_FACTOR = 5.0


def default_workers() -> int:
    """Return how many processes judge the rules by default: two where the machine has two cores or more (the
    database is idle while the rules run), one where ``fork`` is unavailable."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return min(2, os.cpu_count() or 1)


# What judging one rule over some vehicles gives: its result, or the traceback text of its failure.
Outcome = RuleResult | str


def _judge_all(frame: pd.DataFrame, *, now: datetime, rules: Sequence[ConfiguredRule]) -> list[Outcome]:
    """Return every rule's outcome over `frame`, in rule order; a failing rule gives its traceback."""
    out: list[Outcome] = []
    for module, params in rules:
        try:
            out.append(module.evaluate(frame, now=now, params=params))
        except Exception:
            out.append(traceback.format_exc())
    return out


def _split(frame: pd.DataFrame, parts: int) -> list[pd.DataFrame]:
    """Return `frame` cut into `parts` blocks of whole vehicles with about equal rows (positional views)."""
    ids = frame["vehicle_id"].to_numpy()
    if len(ids) and not np.all(ids[1:] >= ids[:-1]):
        frame = frame.sort_values("vehicle_id", kind="stable")
        ids = frame["vehicle_id"].to_numpy()
    # Each cut moves back to the first row of the vehicle it falls in, so no vehicle is split.
    cuts = [int(np.searchsorted(ids, ids[k * len(ids) // parts], side="left")) for k in range(1, parts)]
    bounds = [0, *cuts, len(ids)]
    return [frame.iloc[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)]


def _child(send: Any, frame: pd.DataFrame, now: datetime, rules: Sequence[ConfiguredRule]) -> None:
    """Judge a share of the vehicles in a forked process and send the outcomes back (pickled)."""
    try:
        send.send(_judge_all(frame, now=now, rules=rules))
    finally:
        send.close()


def _collect(proc: Any, recv: Any, *, timeout: float) -> list[Outcome] | None:
    """Return a child's outcomes, or None when it died or did not answer within `timeout` seconds."""
    outcomes = None
    try:
        if recv.poll(timeout):
            outcomes = recv.recv()
    except (EOFError, OSError):
        outcomes = None
    finally:
        recv.close()
    proc.join(timeout=5.0)
    if proc.is_alive():
        proc.kill()
        proc.join()
    return outcomes


def _merge(parts: Sequence[Outcome]) -> Outcome:
    """Return one rule's outcome over the whole fleet from its outcomes over the blocks (a failure anywhere fails it)."""
    failures = [p for p in parts if isinstance(p, str)]
    if failures:
        return failures[0]
    done = [p for p in parts if isinstance(p, RuleResult)]
    return result(
        rule_id=done[0].rule_id, kind=done[0].kind, flags=[f for r in done for f in r.flags],
        evaluated=[v for r in done for v in r.evaluated_vehicle_ids],
    )  # fmt: skip


def judge(
    frame: pd.DataFrame,
    *,
    now: datetime,
    rules: Sequence[ConfiguredRule],
    workers: int,
    min_vehicles_per_worker: int | None = None,
    log: Any = None,
) -> tuple[list[Outcome], int]:
    """Return every rule's outcome over `frame` (in rule order) and how many processes judged it.

    Every rule judges each vehicle from that vehicle's rows alone (fleet-relative anomaly scores are computed
    before), so the vehicles are cut into blocks: forked children judge all blocks but the first, which this process
    judges meanwhile; the results are merged into what one process would have returned. Fork shares the loaded
    frame without copying or pickling it. A child that dies or hangs has its block judged here instead."""
    vehicles = int(frame["vehicle_id"].nunique()) if not frame.empty else 0
    share = MIN_VEHICLES_PER_WORKER if min_vehicles_per_worker is None else min_vehicles_per_worker
    parts = min(workers, vehicles // max(1, share))
    if parts <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return _judge_all(frame, now=now, rules=rules), 1
    blocks = _split(frame, parts)
    ctx = multiprocessing.get_context("fork")
    children = []
    # Frozen objects are skipped by the garbage collector, on both sides of the fork, until the children are done: a
    # collection would write into every object header it inherited and so copy the shared pages (gc.freeze's
    # documented use before fork).
    gc.freeze()
    try:
        for block in blocks[1:]:
            recv, send = ctx.Pipe(duplex=False)
            proc = ctx.Process(
                target=_child, args=(send, block, now, rules), daemon=True, name="detection-rules"
            )
            proc.start()
            send.close()
            children.append((proc, recv, block))
        started = time.monotonic()
        outcomes = [_judge_all(blocks[0], now=now, rules=rules)]
        grace = max(CHILD_GRACE_S, CHILD_GRACE_FACTOR * (time.monotonic() - started))
        for proc, recv, block in children:
            got = _collect(proc, recv, timeout=grace)
            if got is None:
                (log or structlog.get_logger(process="detection")).warning(
                    "detection.worker_failed",
                    exitcode=proc.exitcode,
                    vehicles=int(block["vehicle_id"].nunique()),
                )
                got = _judge_all(block, now=now, rules=rules)
            outcomes.append(got)
    finally:
        gc.unfreeze()
    return [_merge(per_rule) for per_rule in zip(*outcomes, strict=True)], parts
