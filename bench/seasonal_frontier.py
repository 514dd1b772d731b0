"""How much lead the weather forecast can buy the seasonal rules, and at what false-alarm cost, over many seeds.

`carecast evaluate` scores a seed's whole fleet in minutes, and a seed holds only six to nine regional winter
onsets: one region's wrong forecast flags its ~50 cars at once, so a seed's figures are a handful of events. This
command replays the winter and summer rules at region level over many seeds in seconds each, to see the trade
between the forecast margin (`forecast_spread_z`) and the lead before a choice is made on two seeds.

A region-level model of the rules, not the rules themselves: each region's cars are taken to read the simulator's
true daily mean (the cars' estimate, ``detection.ambient.day_mean``, is within ±0.11 °C of it for 99 % of weeks:
docs/detection.md "Fleet-day rollup"), so every car of a region is judged alike. The rest is the product's code:
the season's replay and the forecast's decision (``domain.forecast.season_ahead``) with the rule's own `Params`, the
forecast verified against the region's observed days (``domain.forecast.week_errors``) as
``detection.outlook.verification`` does, the simulator's forecast, climate and cold snaps of ``carecast evaluate``'s
window, and its scoring (``bench.backtest_score``: episodes, horizons, false alarms per 1,000 vehicle-months).

    python -m bench.seasonal_frontier --kind winter --seeds 3001-3040 --z 0.6 1.0 1.3
    python -m bench.seasonal_frontier --tiny          # one seed, one z (for tests)
"""

from __future__ import annotations

import json
import statistics
import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from multiprocessing import Pool

import click

from bench.backtest import FIRST, WARMUP_DAYS
from bench.backtest_score import Event, Lifecycle, score
from core.cli import CONTEXT_SETTINGS, run_command
from detection.rules import seasonal, summer
from domain.forecast import MAX_HORIZON_DAYS, season_ahead, week_errors
from simulators.climate import REGIONS, Climate
from simulators.forecast import SimulatedForecast
from simulators.lifecycle import build_lifecycle
from simulators.onsets import Onsets

KINDS = {"winter": "winter_prep", "summer": "summer_care"}
# the days before the window the replay needs: the rules' 90-day lookback plus the verification's 60 + 7 days
_BEFORE = 100
_AFTER = MAX_HORIZON_DAYS + 1
# a seed meets the targets of issue #20 with these (precision and recall at least, false alarms at most, lead)
TARGET_RATIO, TARGET_FA, TARGET_LEAD = 0.9, 5.0, 7.0


@dataclass(frozen=True, slots=True)
class Region:
    """One region's true daily means and the forecasts issued each day (index 0 = `_BEFORE` days before FIRST)."""

    truth: list[float]
    forecasts: list[list[float]]


def _regions(climate: Climate, days: int) -> dict[str, Region]:
    source, first = SimulatedForecast(climate), FIRST - timedelta(days=_BEFORE)
    out = {}
    for code in REGIONS:
        dates = [first + timedelta(days=i) for i in range(_BEFORE + days + _AFTER)]
        out[code] = Region(
            [climate.weather(code, d).mean_c for d in dates],
            [
                [f.mean_c for f in source.daily(code, issued=d, horizon_days=MAX_HORIZON_DAYS).days]
                for d in dates
            ],
        )
    return out


def _onsets(truth: list[float], kind: str) -> list[int]:
    """Return the indices of the season's onsets as the simulator's ground truth dates them, from FIRST on and in
    the days after the window too: those are scored as no failure (``score`` counts failures inside the window) but
    a flag on the window's last days for one is true, as it is on any other day."""
    onsets = Onsets("winter" if kind == "winter" else "summer")
    return [i for i in range(_BEFORE, len(truth)) if onsets.step(truth[i])]


def _verified(region: Region, t: int, params: seasonal.Params | summer.Params) -> list[float]:
    lo = t - params.forecast_verify_days - params.window_days + 1
    observed = region.truth[lo : t + 1]
    return week_errors(observed, region.forecasts[lo : t + 1], window_days=params.window_days,
                       min_issues=params.forecast_min_issues)  # fmt: skip


def _judge(region: Region, t: int, on: bool | None, began: int | None, kind: str, params) -> bool | None:
    """Return the rule's verdict on day `t`: True flag, False judged and not flagged, None not judged."""
    below = kind == "winter"
    if on and not below:
        return True if t - (began or t) < params.onset_days else None
    if on:
        return True
    if on is None:
        return None
    known = region.truth[t - params.window_days + 1 : t + 1]
    threshold = (
        params.threshold_c - params.forecast_margin_c
        if below
        else params.threshold_c + params.forecast_margin_c
    )
    outlook = season_ahead(known, region.forecasts[t], window_days=params.window_days, days=params.forecast_days,
                           threshold_c=threshold, below=below, spread_z=params.forecast_spread_z,
                           week_sd=_verified(region, t, params))  # fmt: skip
    if outlook is not None and outlook.coming:
        return True
    hold = (
        params.threshold_c + params.forecast_hold_c if below else params.threshold_c - params.forecast_hold_c
    )
    if outlook is not None and ((outlook.mean_c < hold) if below else (outlook.mean_c >= hold)):
        return None
    # with a forecast stored the rules skip winter's two-day persistence look-ahead (``seasonal.evaluate``)
    return False


def _replay(region: Region, ids: list[int], kind: str, params, lifecycle: Lifecycle, days: int) -> None:
    """Replay the rule day by day over the window for one region's cars, into `lifecycle`."""
    on: bool | None = None
    began = None
    for t in range(_BEFORE - params.lookback_days, _BEFORE + days):
        week = sum(region.truth[t - params.window_days + 1 : t + 1]) / params.window_days
        if kind == "winter":
            if week < params.threshold_c:
                on = True
            elif week >= params.threshold_c + params.clear_margin_c + params.noise_margin_c:
                on = False
        elif week >= params.threshold_c:
            began, on = (t if on is not True else began), True
        elif week < params.threshold_c - params.clear_margin_c:
            on = False
        if t < _BEFORE + WARMUP_DAYS:
            continue
        verdict = _judge(region, t, on, began, kind, params)
        day = FIRST + timedelta(days=t - _BEFORE)
        lifecycle.apply(kind=KINDS[kind], day=day, flagged=ids if verdict else (),
                        evaluated=ids if verdict is not None else ())  # fmt: skip


def run_seed(seed: int, *, kind: str, params, vehicles: int, days: int) -> dict:
    """Return the rule's figures on one seed (``bench.backtest_score.score``)."""
    # the fleet (its regions) and the cold snaps `carecast evaluate` runs for this seed
    scenario = build_lifecycle(seed, vehicles, FIRST, days)
    ids: dict[str, list[int]] = {code: [] for code in REGIONS}
    for i, vehicle in enumerate(scenario.fleet.vehicles):
        ids[vehicle.region].append(i)
    lifecycle, events = Lifecycle(), []
    for code, region in _regions(Climate(seed, scenario.cold_snaps), days).items():
        if not ids[code]:
            continue
        _replay(region, ids[code], kind, params, lifecycle, days)
        for i in _onsets(region.truth, kind):
            day = FIRST + timedelta(days=i - _BEFORE)
            events += [Event(v, KINDS[kind], f"{kind}_onset", day, None) for v in ids[code]]
    start, end = FIRST + timedelta(days=WARMUP_DAYS), FIRST + timedelta(days=days - 1)
    figures = score(episodes=lifecycle.episodes(), events=events, kinds=[KINDS[kind]], start=start, end=end,
                    vehicles=vehicles)[KINDS[kind]]  # fmt: skip
    return {"seed": seed, **{k: figures[k] for k in ("precision", "recall", "lead_days_median", "alerts", "failures")},
            "false_alarms": figures["false_alarms_per_1000_vehicle_months"]}  # fmt: skip


def _met(row: dict) -> dict[str, bool]:
    ok = lambda v: v is None or v >= TARGET_RATIO  # noqa: E731 - no onset in the window: nothing to miss
    return {
        "ratios": ok(row["precision"]) and ok(row["recall"]),
        "false_alarms": row["false_alarms"] <= TARGET_FA,
        "lead": row["lead_days_median"] is not None and row["lead_days_median"] >= TARGET_LEAD,
    }


def summary(rows: list[dict]) -> dict:
    """Return how many seeds meet each target of issue #20 and all of them, and the median of the seeds' leads."""
    met = [_met(r) for r in rows]
    leads = [r["lead_days_median"] for r in rows if r["lead_days_median"] is not None]
    return {
        "seeds": len(rows),
        **{f"seeds_{k}_met": sum(m[k] for m in met) for k in ("ratios", "false_alarms", "lead")},
        "seeds_all_met": sum(all(m.values()) for m in met),
        "median_lead_days": statistics.median(leads) if leads else None,
    }


def _one(args: tuple) -> dict:
    seed, kind, params, vehicles, days = args
    return run_seed(seed, kind=kind, params=params, vehicles=vehicles, days=days)


def _seeds(text: str) -> list[int]:
    first, _, last = text.partition("-")
    return list(range(int(first), int(last or first) + 1))


@click.command(context_settings=CONTEXT_SETTINGS)
@click.option("--kind", type=click.Choice(sorted(KINDS)), default="winter", show_default=True)
@click.option("--seeds", default="3001-3040", show_default=True, help="A seed or a range FIRST-LAST.")
@click.option("--z", "zs", type=float, multiple=True, help="forecast_spread_z values (default: the rule's).")
@click.option("--forecast-days", type=click.IntRange(1, MAX_HORIZON_DAYS), help="Weeks ending within N days.")
@click.option("--vehicles", type=click.IntRange(min=1), default=300, show_default=True)
@click.option("--days", type=click.IntRange(min=120), default=365, show_default=True)
@click.option("--jobs", type=click.IntRange(min=1), default=2, show_default=True, help="Worker processes.")
@click.option("--tiny", is_flag=True, help="One seed (3001), the rule's z, winter (for tests).")
@click.option("--json", "as_json", is_flag=True, help="Print only the JSON line.")
def command(kind: str, seeds: str, zs: tuple[float, ...], forecast_days: int | None, vehicles: int, days: int,
            jobs: int, tiny: bool, as_json: bool) -> int:  # fmt: skip
    """Replay the winter or summer rule at region level over many seeds, for each forecast margin z: per seed
    precision, recall, false alarms per 1,000 vehicle-months and median lead, and how many seeds meet the targets
    (precision and recall >= 0.9, <= 5 false alarms, lead >= 7 days). Prints a table, then one JSON line."""
    base = seasonal.Params() if kind == "winter" else summer.Params()
    if forecast_days:
        base = replace(base, forecast_days=forecast_days)
    seed_list = [3001] if tiny else _seeds(seeds)
    variants = [replace(base, forecast_spread_z=z) for z in (() if tiny else zs)] or [base]
    out = []
    for params in variants:
        tasks = [(s, kind, params, vehicles, days) for s in seed_list]
        if jobs > 1 and len(tasks) > 1:
            with Pool(min(jobs, len(tasks))) as pool:
                rows = pool.map(_one, tasks)
        else:
            rows = [_one(t) for t in tasks]
        s = summary(rows)
        out.append({"z": params.forecast_spread_z, "forecast_days": params.forecast_days, "summary": s,
                    "seeds": rows})  # fmt: skip
        if not as_json:
            print(f"{kind} z {params.forecast_spread_z} days {params.forecast_days}: {s['seeds']} seeds, "
                  f"precision/recall >= 0.9 on {s['seeds_ratios_met']}, false alarms <= 5 on "
                  f"{s['seeds_false_alarms_met']}, lead >= 7 on {s['seeds_lead_met']}, all on {s['seeds_all_met']}; "
                  f"median lead {s['median_lead_days']}", flush=True)  # fmt: skip
    print(json.dumps({"kind": kind, "vehicles": vehicles, "days": days, "variants": out}, sort_keys=True))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Print the summary lines and the JSON line."""
    return run_command(command, argv)


if __name__ == "__main__":
    sys.exit(main())
