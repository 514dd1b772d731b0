"""Fleet-relative anomaly scores over 12 V battery and brake features: evidence for the rules, outliers for review.

Per vehicle, from the last `window_days` of the daily rollup: the cranking dip (median daily minimum voltage), the
resting voltage, the dip's trend (V per 30 days), the pad wear rate (% per 1,000 km) and the lowest brake fluid level.
Each group (battery, brakes) is scored on its own:

- always, without any model: a robust z-score per feature (distance from the fleet median in units of 1.4826 x MAD)
  in the direction that means trouble (a lower dip, a falling trend, faster wear, less fluid);
- when the fleet has at least `min_fleet` vehicles with the group's features: an IsolationForest fitted on this
  fleet at this pass (no model file, fixed random state, so a pass is reproducible), whose score says how isolated
  the vehicle's combination of features is.

A vehicle is an outlier when a feature's robust z exceeds `z_limit`: that decision needs no model. The isolation
score is attached as evidence (and ranks the review list) but does not gate: on simulated fleets (seeds 404 and 405,
400 vehicles, 90 days) gating by it lost more true faults than false alarms it removed (docs/detection.md). Scores
are fleet-relative, so they are computed on full passes only (an incremental pass sees a handful of cars).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd
from sklearn.ensemble import IsolationForest

from detection.flags import RuleResult
from detection.frame import known_until, today
from domain.evidence import Anomaly
from domain.vocabulary import RiskKind

# feature -> +1 when high values mean trouble, -1 when low values do
GROUPS: dict[str, dict[str, int]] = {
    "battery": {"crank_v": -1, "rest_v": -1, "crank_trend_v_30d": -1},
    "brakes": {"pad_wear_per_1000km": 1, "brake_fluid_pct": -1},
}
SCORE_COLUMNS = ("vehicle_id", "group", "z", "isolation", "outlier", "features")


@dataclass(frozen=True, slots=True)
class Params:
    window_days: int = 28
    min_days: int = 10
    z_limit: float = 4.0
    min_fleet: int = 50
    trees: int = 64
    seed: int = 0


def features(frame: pd.DataFrame, *, now: datetime, params: Params) -> pd.DataFrame:
    """Return one row per vehicle with the battery and brake features (NaN where the car lacks the signal)."""
    start = pd.Timestamp(today(now)) - pd.Timedelta(days=params.window_days - 1)
    rows = known_until(frame, now)
    rows = rows[rows["day"] >= start]
    if rows.empty:
        return pd.DataFrame(columns=["vehicle_id", *[f for g in GROUPS.values() for f in g]])
    by = rows.groupby("vehicle_id")
    out = pd.DataFrame(
        {
            "crank_v": by["lv_v_min"].median(),
            "rest_v": by["lv_v_rest_avg"].median(),
            "brake_fluid_pct": by["brake_fluid_min"].min(),
        }
    )
    out["crank_trend_v_30d"] = _slope(rows, "lv_v_min") * 30.0
    km = (by["odometer_max_m"].max() - by["odometer_min_m"].min()) / 1000.0
    wear = by["pad_wear_max"].max() - by["pad_wear_max"].min()
    out["pad_wear_per_1000km"] = (wear / km.where(km >= 300.0)) * 1000.0
    # A battery-electric car never cranks an engine: its 12 V minimum is not a cranking dip.
    ev = by["powertrain"].first() == "EV"
    out.loc[ev | (by["lv_v_min"].count() < params.min_days), list(GROUPS["battery"])] = np.nan
    return out.reset_index()


def _slope(rows: pd.DataFrame, column: str) -> pd.Series:
    """Least-squares slope per vehicle of `column` against the day number, from grouped sums (no per-car loop)."""
    y = rows[column]
    ok = y.notna()
    x = (rows["day"] - pd.Timestamp("2000-01-01")) / pd.Timedelta(days=1)
    parts = pd.DataFrame({"vehicle_id": rows["vehicle_id"], "x": x.where(ok), "y": y.where(ok)})
    parts["xx"], parts["xy"] = parts["x"] ** 2, parts["x"] * parts["y"]
    s = parts.groupby("vehicle_id")[["x", "y", "xx", "xy"]].sum(min_count=1)
    n = parts.groupby("vehicle_id")["y"].count()
    var = s["xx"] - s["x"] ** 2 / n
    return ((s["xy"] - s["x"] * s["y"] / n) / var.where(var > 0)).where(n >= 3)


def robust_z(values: pd.DataFrame, directions: dict[str, int]) -> pd.DataFrame:
    """Return, per feature, how far each value lies from the median towards trouble, in robust standard units."""
    out = {}
    for name, sign in directions.items():
        col = values[name]
        med = col.median()
        mad = (col - med).abs().median() * 1.4826
        scale = mad if mad > 0 else (col.std() or 1.0)
        out[name] = sign * (col - med) / scale
    return pd.DataFrame(out, index=values.index)


def score(frame: pd.DataFrame, *, now: datetime, params: Params | None = None) -> pd.DataFrame:
    """Return one row per vehicle and group: the worst robust z, the isolation score (NaN below `min_fleet`),
    whether it is an outlier, and the features behind it."""
    params = params or Params()
    feats = features(frame, now=now, params=params)
    parts = []
    for group, directions in GROUPS.items():
        cols = list(directions)
        have = feats.dropna(subset=cols).reset_index(drop=True)
        if have.empty:
            continue
        z = robust_z(have, directions).max(axis=1)
        isolation = pd.Series(np.nan, index=have.index)
        if len(have) >= params.min_fleet:
            forest = IsolationForest(n_estimators=params.trees, random_state=params.seed)
            values = have[cols].to_numpy(dtype="float64")
            isolation = pd.Series(-forest.fit(values).score_samples(values), index=have.index)
        parts.append(
            pd.DataFrame(
                {
                    "vehicle_id": have["vehicle_id"].astype("int64"),
                    "group": group,
                    "z": z.round(2),
                    "isolation": isolation.round(3),
                    "outlier": z > params.z_limit,
                    "features": have[cols].astype("float64").round(3).to_dict("records"),
                }
            )  # fmt: skip
        )
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=list(SCORE_COLUMNS))


# Which anomaly group backs which risk kind's evidence.
KIND_GROUP = {RiskKind.BATTERY_12V: "battery", RiskKind.BRAKE_PADS: "brakes"}


def annotate(result: RuleResult, scores: pd.DataFrame) -> RuleResult:
    """Return `result` with each flag's evidence carrying its vehicle's anomaly score (kinds with a feature group)."""
    group = KIND_GROUP.get(result.kind)
    if group is None or scores.empty or not result.flags:
        return result
    mine = scores[scores["group"] == group].set_index("vehicle_id")
    flags = []
    for flag in result.flags:
        if flag.vehicle_id in mine.index:
            row = mine.loc[flag.vehicle_id]
            extra = Anomaly(group=group, z=_num(row["z"]), isolation=_num(row["isolation"]),
                            outlier=bool(row["outlier"]))  # fmt: skip
            flag = dataclasses.replace(flag, evidence=flag.evidence.model_copy(update={"anomaly": extra}))
        flags.append(flag)
    return dataclasses.replace(result, flags=tuple(flags))


def review_issues(scores: pd.DataFrame, *, now: datetime) -> pd.DataFrame:
    """Return the outliers as data-quality issues (``anomaly_battery`` / ``anomaly_brakes``) dated today."""
    out = scores[scores["outlier"].astype(bool)] if not scores.empty else scores
    day = pd.Timestamp(today(now))
    return pd.DataFrame({
        "vehicle_id": out["vehicle_id"].to_numpy(dtype="int64"), "day": day,
        "issue": ["anomaly_" + g for g in out["group"]],
        "detail": [{"z": _num(z), "isolation": _num(i), "features": f}
                   for z, i, f in zip(out["z"], out["isolation"], out["features"], strict=True)],
    })  # fmt: skip


def _num(value: object) -> float | None:
    v = float(value)  # type: ignore[arg-type]
    return None if np.isnan(v) else v
