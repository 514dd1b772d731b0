"""Progress of long commands (demo, simulate, evaluate) as a rich bar on stderr, on a terminal only.

Logs and pipes never see a bar: when stderr is not a terminal every call here does nothing, so the loops that
report progress stay the same code either way. The bar is transient: it disappears when the work ends.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class Progress:
    """One bar at a time: `phase` starts a named step (with a total, or a spinner without), `advance` moves it."""

    def __init__(self, bar: Any = None) -> None:
        self._bar = bar
        self._task: Any = None
        self._total: float | None = None
        self._done: float = 0

    def phase(self, description: str, *, total: float | None = None) -> None:
        """Finish the current step (if any) and show a new one."""
        if self._bar is None:
            return
        if self._task is not None:
            self._bar.update(self._task, visible=False)
        self._task = self._bar.add_task(description, total=total, count="")
        self._total, self._done = total, 0
        self._show()

    def advance(self, steps: float = 1) -> None:
        """Move the current step forward."""
        if self._bar is not None and self._task is not None:
            self._done += steps
            self._show()

    def set(self, completed: float) -> None:
        """Set how much of the current step is done."""
        if self._bar is not None and self._task is not None:
            self._done = completed
            self._show()

    def _show(self) -> None:
        count = f"{self._done:,.0f}/{self._total:,.0f}" if self._total is not None else ""
        self._bar.update(self._task, completed=self._done, count=count)


@contextmanager
def progress(*, enabled: bool | None = None) -> Iterator[Progress]:
    """Yield a `Progress` that draws on stderr when it is a terminal (or when `enabled` says so), else does nothing."""
    if not (sys.stderr.isatty() if enabled is None else enabled):
        yield Progress()
        return
    from rich.console import Console
    from rich.progress import BarColumn, SpinnerColumn, TextColumn, TimeElapsedColumn
    from rich.progress import Progress as RichProgress

    # "done/total" only for steps that have a total; a step without one shows the spinner and the time.
    count = TextColumn("{task.fields[count]}")
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), count, TimeElapsedColumn())
    with RichProgress(*columns, console=Console(stderr=True), transient=True) as bar:
        yield Progress(bar)
