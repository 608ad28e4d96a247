"""What a fleet run showed, from ``fleet.parquet`` alone: the individual and
the shrunk estimates against the plant's truth, early (sparse data) and late
(data rich), and how often the 90 % credible intervals hold the truth. Late
is not the same as data rich: a car topped up every evening learns little of
its capacity in a day, one run down to a third and charged full learns much,
so ``data_rich_by_shrinkage`` takes the vehicle-days (after the first two)
whose own record outweighs the fleet in their posterior (shrinkage factor
B_i <= 0.5, ``shrinkage.shrink``), and ``data_rich_by_habit`` splits the
late window by charging habit (``HABITS``)."""
from __future__ import annotations

import numpy as np

SPARSE_DAYS = 2  # "few observations": a vehicle's first two days
OWN_DATA_OUTWEIGHS = 0.5  # shrinkage factor B at most this: the vehicle's own data weigh at least as much as the fleet
Z_90 = 1.6448536269514722  # standard normal quantile of 0.95: a central 90 % interval
# the owners' charging habits (``draws.CHARGING_HABITS``) by the SOC below which they charge (1: every evening)
HABITS = {"charged_every_evening": lambda below: below >= 1.0, "run_low_before_a_charge": lambda below: below < 1.0}


def charge_below(rows_columns: dict[str, np.ndarray]) -> np.ndarray:
    """Each vehicle-day's charging habit (a table written before habits were drawn charged every evening)."""
    below = rows_columns["vehicle_charge_below"]
    return np.where(np.isnan(below), 1.0, below)


def columns(rows: list[dict], names: tuple[str, ...]) -> dict[str, np.ndarray]:
    """The named columns over the vehicle-days that ran (no error)."""
    ok = [row for row in rows if not row.get("error")]
    return {name: np.array([row.get(name, np.nan) for row in ok], dtype=float) for name in names}


def rmse(estimate: np.ndarray, truth: np.ndarray) -> float:
    keep = np.isfinite(estimate) & np.isfinite(truth)
    return float(np.sqrt(np.mean((estimate[keep] - truth[keep]) ** 2))) if keep.any() else float("nan")


def quantity_summary(rows: list[dict], quantity: str, days: int) -> dict:
    c = columns(rows, ("day", f"true_{quantity}", f"individual_{quantity}", f"shrunk_{quantity}",
                       f"shrunk_{quantity}_std", f"shrunk_{quantity}_uncorrected", f"twin_bias_{quantity}",
                       f"twin_error_std_{quantity}", f"twin_error_scale_{quantity}", f"workshop_checks_{quantity}",
                       f"shrinkage_{quantity}", "vehicle_charge_below"))
    day, truth = c["day"], c[f"true_{quantity}"]
    individual, shrunk, std = c[f"individual_{quantity}"], c[f"shrunk_{quantity}"], c[f"shrunk_{quantity}_std"]
    sparse = day < SPARSE_DAYS
    rich = day >= max(SPARSE_DAYS, days - max(1, days // 4))
    judged = np.isfinite(std) & np.isfinite(truth)
    inside = np.abs(shrunk - truth) <= Z_90 * std

    def window(mask):
        both = mask & np.isfinite(individual)
        return {f"{quantity}_rmse_individual": rmse(individual[both], truth[both]),
                f"{quantity}_rmse_shrunk": rmse(shrunk[both], truth[both]),
                # pooling alone: the raw own estimates shrunk, without the workshop checks' bias correction
                f"{quantity}_rmse_shrunk_uncorrected": rmse(c[f"shrunk_{quantity}_uncorrected"][both], truth[both]),
                "vehicle_days": int(both.sum())}

    last = day == day.max() if day.size else day.astype(bool)
    rate = rate_summary(rows, quantity, days)
    twin = {name: float(c[f"{name}_{quantity}"][last][0]) if last.any() else float("nan")
            for name in ("twin_bias", "twin_error_std", "twin_error_scale", "workshop_checks")}
    # data rich by what the vehicle's own record holds rather than by the day: its shrinkage factor B_i
    own_data = (day >= SPARSE_DAYS) & (c[f"shrinkage_{quantity}"] <= OWN_DATA_OUTWEIGHS)
    habit = charge_below(c)
    return {"sparse_data": window(sparse), "data_rich": window(rich), "data_rich_by_shrinkage": window(own_data),
            "data_rich_by_habit": {name: window(rich & owners(habit)) for name, owners in HABITS.items()},
            "coverage_90": float(np.mean(inside[judged])) if judged.any() else float("nan"),
            "twin_after_last_night": twin, "rate_beyond_law": rate}


def rate_summary(rows: list[dict], quantity: str, days: int) -> dict:
    """The aging rates beyond the law, individual and shrunk, against the
    plant's own (``runner._true_rate``): on the first nights with a rate (up
    to day ``SPARSE_DAYS``: from day 2, ``cloud.rates_from_second_day``) and
    on the last quarter of the days, and how often the shrunk rate's 90 %
    interval holds the plant's."""
    stem = f"{quantity}_rate_beyond_law"
    names = ("day", f"true_{stem}", f"individual_{stem}", f"shrunk_{stem}", f"shrunk_{stem}_std")
    c = columns(rows, names)
    day, truth, individual, shrunk, std = (c[name] for name in names)
    judged = np.isfinite(std) & np.isfinite(truth) & np.isfinite(individual)

    def window(mask):
        both = mask & judged
        return {"rmse_individual": rmse(individual[both], truth[both]), "rmse_shrunk": rmse(shrunk[both], truth[both]),
                "vehicle_days": int(both.sum())}

    inside = np.abs(shrunk - truth) <= Z_90 * std
    return {"early": window((day >= 1) & (day <= SPARSE_DAYS)),
            "late": window(day >= max(SPARSE_DAYS, days - max(1, days // 4))),
            "coverage_90": float(np.mean(inside[judged])) if judged.any() else float("nan")}


def summarise(rows: list[dict], days: int, quantities: tuple[str, ...], run: dict) -> dict:
    """The summary.json of a fleet run: capacity at the top level (the
    issue's figures), every pooled quantity under its name, and the run."""
    per_quantity = {q: quantity_summary(rows, q, days) for q in quantities}
    capacity = per_quantity.get("capacity", {})
    failed = [row for row in rows if row.get("error")]
    fade = columns(rows, ("day", "true_capacity"))
    first = fade["true_capacity"][fade["day"] == 0]
    last = fade["true_capacity"][fade["day"] == fade["day"].max()] if fade["day"].size else first
    return {
        "sparse_data": capacity.get("sparse_data", {}),
        "data_rich": capacity.get("data_rich", {}),
        # the vehicle-days whose own data outweigh the fleet's (shrinkage factor <= OWN_DATA_OUTWEIGHS)
        "data_rich_by_shrinkage": capacity.get("data_rich_by_shrinkage", {}),
        # the late window for the cars charged every evening and for those run low before a charge
        "data_rich_by_habit": capacity.get("data_rich_by_habit", {}),
        "coverage_90": capacity.get("coverage_90", float("nan")),
        # the twins' shared capacity bias and its std after the last night, from the workshop checks so far
        "twin_bias_capacity": capacity.get("twin_after_last_night", {}).get("twin_bias", float("nan")),
        "twin_error_std_capacity": capacity.get("twin_after_last_night", {}).get("twin_error_std", float("nan")),
        # the capacity's fade rate beyond the law [A.h per day], individual and shrunk against the plant's
        "aging_rate": capacity.get("rate_beyond_law", {}),
        "quantities": per_quantity,
        "fleet": {"true_capacity_first_day_mean": float(np.mean(first)) if first.size else float("nan"),
                  "true_capacity_last_day_mean": float(np.mean(last)) if last.size else float("nan")},
        "vehicle_days": len(rows),
        "failed_vehicle_days": len(failed),
        "first_failure": failed[0]["error"] if failed else "",
        "workers": run["workers"],
        "wall_time_s": run["wall_time_s"],
        "vehicle_days_this_run": run["vehicle_days_run"],
    }
