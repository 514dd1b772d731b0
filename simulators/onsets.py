"""When the simulator's ground truth says a season begins: the 7-day mean of the car's daily mean temperature
crosses the season's threshold, and the season re-arms once the week is back past its re-arm level. One definition
for the simulated cars (`simulators.history` for winter, `simulators.seasonal` for summer) and for
`bench.seasonal_frontier`'s region-level replay."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

WINTER_MEAN_C = 7.0  # detection's winter-preparation threshold
WINTER_REARM_C = WINTER_MEAN_C + 4.0
SUMMER_MEAN_C, SUMMER_REARM_C = 26.0, 22.0


@dataclass(slots=True)
class Onsets:
    """A season's onsets over successive daily means: `step` says whether one begins on the day just added."""

    kind: Literal["winter", "summer"]
    week: list[float] = field(default_factory=list)
    open: bool = False

    def step(self, mean_c: float) -> bool:
        self.week = (self.week + [mean_c])[-7:]
        mean = sum(self.week) / len(self.week)
        if self.kind == "winter":
            begins, rearms = mean < WINTER_MEAN_C, mean > WINTER_REARM_C
        else:
            begins, rearms = mean >= SUMMER_MEAN_C, mean < SUMMER_REARM_C
        if len(self.week) == 7 and begins and not self.open:
            self.open = True
            return True
        if rearms:
            self.open = False
        return False
