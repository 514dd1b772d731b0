"""What Linux /proc says about a process's memory, for the benchmarks (0 where /proc cannot tell)."""

from __future__ import annotations

import os


def _kib(path: str, field: str) -> int:
    try:
        with open(path) as f:
            return next((int(line.split()[1]) for line in f if line.startswith(field)), 0)
    except OSError:
        return 0


def vm_hwm_kib(pid: int) -> int:
    """Return the process's peak resident set size (VmHWM) so far, in KiB."""
    return _kib(f"/proc/{pid}/status", "VmHWM:")


def pss_kib(pid: int) -> int:
    """Return the process's proportional set size now (shared pages divided among their processes), in KiB."""
    return _kib(f"/proc/{pid}/smaps_rollup", "Pss:")


def process_tree(pid: int) -> list[int]:
    """Return `pid` and every process below it."""
    parents: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat") as f:
                    stat = f.read()
            except OSError:
                continue
            parents.setdefault(int(stat[stat.rindex(")") + 2 :].split()[1]), []).append(int(name))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(parents.get(p, []))
    return out
