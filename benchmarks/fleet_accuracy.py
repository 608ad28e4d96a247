"""Fleet accuracy against the plant's truth: the issue's shrinkage figures
(capacity RMSE of the individual and the shrunk estimate on the first two
days and late, coverage of the 90 % intervals) and what lies behind them,
the own twins' capacity error per day (its mean is an error every twin
shares, its spread what pooling can remove) against their stated std, and
the figures of the cars charged every evening and of those run low apart.

    .venv/bin/python benchmarks/fleet_accuracy.py                                # 12 vehicles x 10 days, seed 11
    .venv/bin/python benchmarks/fleet_accuracy.py --vehicles 8 --days 6 --seeds 21,22 --workers 2
    .venv/bin/python benchmarks/fleet_accuracy.py --table results/fleet/fleet.parquet   # a run already made
    .venv/bin/python benchmarks/fleet_accuracy.py --table results/fleet/fleet.parquet --workshop-share 0.5
    .venv/bin/python benchmarks/fleet_accuracy.py --table A/fleet.parquet --table B/fleet.parquet --replay --validate
    .venv/bin/python benchmarks/fleet_accuracy.py --table A/fleet.parquet --replay --plot DIR   # the README's plot

With ``--replay`` the cloud's nights are replayed over the table's own
estimates by the code as it is now, and with ``--workshop-share`` with that
share of the vehicles checked at a workshop (the own twins never see the
fleet, so their estimates stand and every figure here is what a run of the
same days gives; the edge twins' columns are left as they were run, and so
are the days: the owner decides to charge from the edge twin's SOC, which
the cloud's prior moves, so a run with other constants may charge on
another evening).

``--validate`` prints what the cloud takes as validated constants of the own
twins (``vehicle_day.QUANTITIES``), from a table whose truth is known: the
pull on a day's end (``first_day_pull``, ``end_pull`` and, after the first
day, by the kind of day ``kind_pull_*``: a charge after each drive cycle;
on a day without a charge the evidence's own bias ``kind_evidence_bias_rest``),
the evidence's std scale, the share of the law's change it shows
(``evidence_law_share``),
the error of the SEI law's predicted aging between days (``aging_error_std``)
and, after the nights, the individual estimates' shared error per day
(``twin_error_std``, its trend and day-to-day drift), their std scale and
the error each vehicle keeps from day to day (``vehicle_error_std``), and the
bias every vehicle's rate beyond the law still shares (a check).

Each run goes into a fresh temporary folder; the seeds of the tests are 0, 3 and 7."""
from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np

from btwin.models.population import day_evidence
from btwin.scenarios.fleet.cloud import NO_CHARGE, row_kind
from btwin.scenarios.fleet.draws import CYCLES
from btwin.scenarios.fleet.fleet import run
from btwin.scenarios.fleet.summary import HABITS, Z_90, charge_below, columns, rmse

QUANTITIES = ("capacity", "resistance_factor")


def own_errors(rows: list[dict], quantity: str = "capacity") -> dict:
    """The own twins' error per day: mean, spread between vehicles, mean
    stated std; and the share of the shrunk 90 % intervals that hold the
    truth, per day."""
    c = columns(rows, ("day", f"true_{quantity}", f"individual_{quantity}", f"individual_{quantity}_std",
                       f"shrunk_{quantity}", f"shrunk_{quantity}_std"))
    error = c[f"individual_{quantity}"] - c[f"true_{quantity}"]
    inside = np.abs(c[f"shrunk_{quantity}"] - c[f"true_{quantity}"]) <= Z_90 * c[f"shrunk_{quantity}_std"]
    days = np.unique(c["day"]).astype(int)
    return {
        "mean_error_by_day": [round(float(np.mean(error[c["day"] == d])), 4) for d in days],
        "error_spread_by_day": [round(float(np.std(error[c["day"] == d])), 4) for d in days],
        "coverage_by_day": [round(float(np.mean(inside[c["day"] == d])), 2) for d in days],
        "mean_std": round(float(np.mean(c[f"individual_{quantity}_std"])), 4),
        "z_within_1_645": round(float(np.mean(np.abs(error / c[f"individual_{quantity}_std"]) <= 1.645)), 3),
    }


def evidence_errors(rows: list[dict], quantity: str = "capacity") -> dict:
    """The own twins' day evidence against the truth, and the SEI law's
    predicted aging between two days against the plant's."""
    names = tuple(f"{k}_{quantity}{tail}" for k, tail in (("true", ""), ("own", ""), ("own", "_std"),
                                                           ("own", "_prior"), ("own", "_prior_std"), ("own", "_aging")))
    c = columns(rows, ("day", "vehicle", *names))
    evidence, variance = day_evidence(c[names[1]], c[names[2]] ** 2, c[names[3]], c[names[4]] ** 2)
    error = evidence - c[names[0]]
    told = np.isfinite(error)
    # a pull p on the day's end is p s_L^2/s^2 in its evidence: p by weighted least squares, on the first day
    # (the own twin's SOC not yet its own) and on the others
    amplification = variance / c[names[2]] ** 2
    kinds = np.array([row_kind(row) for row in rows if not row.get("error")])

    def pull(days):
        return float(np.sum((error * amplification / variance)[days]) / np.sum((amplification**2 / variance)[days])) \
            if days.any() else float("nan")

    later = told & (c["day"] > 0)
    charged = later & (kinds != NO_CHARGE)
    pulls = {"first_day_pull": pull(told & (c["day"] == 0)), "end_pull": pull(charged),
             # after the first day by the kind of day (``Quantity.kind_pull``): a charge after each drive cycle
             **{f"kind_pull_{cycle}": pull(later & (kinds == cycle)) for cycle in CYCLES}}
    for cycle in CYCLES:
        error = np.where(later & (kinds == cycle), error - pulls[f"kind_pull_{cycle}"] * amplification, error)
    # a day without a charge: a bias of the evidence itself (``Quantity.kind_evidence_bias``), its weighted mean
    rests = later & (kinds == NO_CHARGE)
    rest_bias = float(np.sum((error / variance)[rests]) / np.sum((1.0 / variance)[rests])) if rests.any() \
        else float("nan")
    pulls[f"kind_evidence_bias_{NO_CHARGE}"] = rest_bias
    error = np.where(rests, error - rest_bias, error)
    first = told & (c["day"] == 0)
    error = np.where(first, error - pulls["first_day_pull"] * amplification, error)
    # the share of the law's change since the first day that the evidence shows (``Quantity.evidence_law_share``):
    # one plus the weighted slope of the later days' errors on that change, within each vehicle (each about its own
    # weighted mean: a vehicle's lasting error is not the law's), every vehicle's law its aging predicted for each
    # night before
    law, centred_error = np.zeros(error.size), np.zeros(error.size)
    fit = later & np.isfinite(error)
    for vehicle in np.unique(c["vehicle"]):
        mine = np.flatnonzero(c["vehicle"] == vehicle)
        mine = mine[np.argsort(c["day"][mine])]
        law[mine] = np.concatenate([[0.0], np.cumsum(np.nan_to_num(c[names[5]][mine][:-1]))])
        used = mine[fit[mine]]
        if used.size:
            w = 1.0 / variance[used]
            law[used] -= w @ law[used] / w.sum()
            centred_error[used] = error[used] - w @ error[used] / w.sum()
    if fit.any():
        w = 1.0 / variance[fit]
        pulls["evidence_law_share"] = 1.0 + float(np.sum(w * law[fit] * centred_error[fit]) / np.sum(w * law[fit] ** 2))
    bias = float(np.mean(error[told]))
    by_vehicle_day = {(int(v), int(d)): i for i, (v, d) in enumerate(zip(c["vehicle"], c["day"]))}
    aging_error = [c[names[0]][j] - c[names[0]][i] - c[names[5]][i] for (v, d), i in by_vehicle_day.items()
                   if (j := by_vehicle_day.get((v, d + 1))) is not None]
    days = np.unique(c["day"]).astype(int)
    return {**{name: round(pull, 5) for name, pull in pulls.items()}, "evidence_bias_left": round(bias, 4),
            "evidence_std_scale": round(float(np.sqrt(np.mean(error[told] ** 2 / variance[told]))), 3),
            "evidence_error_by_day": [round(float(np.mean(error[told & (c["day"] == d)])), 4) for d in days],
            "evidence_rms_by_day": [round(float(np.sqrt(np.mean(error[told & (c["day"] == d)] ** 2))), 4)
                                    for d in days],
            "evidence_mean_std": round(float(np.mean(np.sqrt(variance[told]))), 4),
            "days_without_evidence": int((~told).sum()),
            "aging_error_mean": round(float(np.mean(aging_error)), 5) if aging_error else float("nan"),
            "aging_error_std": round(float(np.std(aging_error)), 5) if aging_error else float("nan")}


def shared_error(rows: list[dict], quantity: str = "capacity") -> dict:
    """The individual estimates' error shared by the fleet (its mean per day:
    RMS, trend, day-to-day change about the trend, the RMS and the change
    each less what the vehicles' own errors put into a mean of a few), their
    scatter about it over their stated std, and the error each vehicle keeps
    from day to day
    (``vehicle_error_std``: on the vehicle-days whose own record is narrower
    than twice production's spread, the residuals' mean square less the
    records' own variance; the days cannot average it away)."""
    from btwin.scenarios.fleet.vehicle_day import QUANTITIES as QUANTITIES_RUN

    c = columns(rows, ("day", "vehicle", f"true_{quantity}", f"individual_{quantity}",
                       f"individual_{quantity}_std"))
    error = c[f"individual_{quantity}"] - c[f"true_{quantity}"]
    days = np.unique(c["day"]).astype(int)
    mean = np.array([np.mean(error[c["day"] == d]) for d in days])
    trend = float(np.polyfit(days, mean, 1)[0]) if days.size > 1 else 0.0
    steps = np.diff(mean - trend * days)
    # a day's mean, and its change from the day before, hold the vehicles' own errors (changes) averaged too,
    # var/(n-1) by their scatter: not shared, taken out
    by_day = np.full((int(c["vehicle"].max()) + 1, days.size), np.nan)
    by_day[c["vehicle"].astype(int), np.searchsorted(days, c["day"].astype(int))] = error
    sampled, sampled_steps = (np.array([np.nanvar(x) / max(np.sum(np.isfinite(x)) - 1, 1) for x in matrix.T])
                              for matrix in (by_day, np.diff(by_day, axis=1)))
    residual = error - mean[np.searchsorted(days, c["day"].astype(int))]
    scatter = residual / c[f"individual_{quantity}_std"]
    run = next(q for q in QUANTITIES_RUN if q.name == quantity)
    record_variance = c[f"individual_{quantity}_std"] ** 2 - run.vehicle_error_std**2  # the record's own
    informed = record_variance < (2.0 * run.production_spread) ** 2
    kept = float(np.mean(residual[informed] ** 2) - np.mean(record_variance[informed])) if informed.any() else 0.0
    return {"twin_error_std": round(float(np.sqrt(max(np.mean(mean**2 - sampled), 0.0))), 4),
            "twin_error_rate": round(trend, 5),
            "twin_error_drift_std": round(float(np.sqrt(max(np.mean(steps**2 - sampled_steps), 0.0))), 5)
            if steps.size else float("nan"),
            "twin_std_scale": round(float(np.sqrt(np.mean(scatter**2))), 3),
            "vehicle_error_std": round(float(np.sqrt(max(kept, 0.0))), 4), "vehicle_error_days": int(informed.sum())}


def rate_bias(rows: list[dict], quantity: str = "capacity") -> dict:
    """The bias every vehicle's own rate beyond the law shares, a check of the
    evidence's corrections (``Quantity.evidence_law_share``): on the last
    night, each vehicle's slope over all its days less the plant's rate over
    the same days, their mean weighted by the slopes' precision."""
    stem = f"{quantity}_rate_beyond_law"
    c = columns(rows, ("day", f"individual_{stem}", f"individual_{stem}_std", f"true_{stem}"))
    last = (c["day"] == c["day"].max()) & np.isfinite(c[f"individual_{stem}"]) & np.isfinite(c[f"true_{stem}"])
    if not last.any():
        return {"rate_bias": float("nan"), "vehicles": 0}
    error = c[f"individual_{stem}"][last] - c[f"true_{stem}"][last]
    weight = 1.0 / c[f"individual_{stem}_std"][last] ** 2
    return {"rate_bias": round(float(weight @ error / weight.sum()), 6), "vehicles": int(last.sum())}


WINDOW_DAYS = 10  # days per window of ``by_habit``


def by_habit(rows: list[dict], quantity: str = "capacity") -> dict:
    """For the cars charged every evening and for those run low before a
    charge (``summary.HABITS``, whose last quarter of the days the summary's
    ``data_rich_by_habit`` gives): per ``WINDOW_DAYS`` days the individual
    RMSE and the shrunk 90 % intervals' coverage."""
    c = columns(rows, ("day", "vehicle_charge_below", f"true_{quantity}", f"individual_{quantity}",
                       f"shrunk_{quantity}", f"shrunk_{quantity}_std"))
    day, truth, individual, below = c["day"], c[f"true_{quantity}"], c[f"individual_{quantity}"], charge_below(c)
    days = int(day.max()) + 1
    inside = np.abs(c[f"shrunk_{quantity}"] - truth) <= Z_90 * c[f"shrunk_{quantity}_std"]
    figures = {}
    for name, habit in HABITS.items():
        group = habit(below)
        if not group.any():
            continue
        windows = {f"{start}-{min(start + WINDOW_DAYS, days) - 1}": group & (day >= start) & (day < start + WINDOW_DAYS)
                   for start in range(0, days, WINDOW_DAYS)}
        figures[name] = {"individual_rmse_by_window": {span: round(rmse(individual[in_window], truth[in_window]), 4)
                                                       for span, in_window in windows.items()},
                         "coverage_by_window": {span: round(float(np.mean(inside[in_window])), 2)
                                                for span, in_window in windows.items()}}
    return figures


def report(summary: dict, rows: list[dict]) -> None:
    for quantity in QUANTITIES:
        figures = summary["quantities"][quantity]
        sparse, rich = figures["sparse_data"], figures["data_rich"]
        print(f"  {quantity}: sparse RMSE individual {sparse[f'{quantity}_rmse_individual']:.4f}, "
              f"shrunk {sparse[f'{quantity}_rmse_shrunk']:.4f} "
              f"({1.0 - sparse[f'{quantity}_rmse_shrunk'] / sparse[f'{quantity}_rmse_individual']:+.0%} lower); "
              f"data-rich individual {rich[f'{quantity}_rmse_individual']:.4f}, "
              f"shrunk {rich[f'{quantity}_rmse_shrunk']:.4f}; coverage_90 {figures['coverage_90']:.3f}")
        own_data = figures["data_rich_by_shrinkage"]
        print(f"    data rich by shrinkage (B <= 0.5, {own_data['vehicle_days']} vehicle-days): individual "
              f"{own_data[f'{quantity}_rmse_individual']:.4f}, shrunk {own_data[f'{quantity}_rmse_shrunk']:.4f}")
        rate = figures["rate_beyond_law"]
        print(f"    rate beyond the law [per day]: early RMSE individual {rate['early']['rmse_individual']:.5f}, shrunk "
              f"{rate['early']['rmse_shrunk']:.5f}; late individual {rate['late']['rmse_individual']:.5f}, shrunk "
              f"{rate['late']['rmse_shrunk']:.5f}; coverage_90 {rate['coverage_90']:.3f}")
        twin = figures.get("twin_after_last_night", {})
        print(f"    pooling alone (no workshop correction): sparse shrunk "
              f"{sparse.get(f'{quantity}_rmse_shrunk_uncorrected', float('nan')):.4f}, data-rich "
              f"{rich.get(f'{quantity}_rmse_shrunk_uncorrected', float('nan')):.4f}; after the last night "
              f"{twin.get('workshop_checks', 0):.0f} checks: twin bias {twin.get('twin_bias', float('nan')):+.4f}, "
              f"its std {twin.get('twin_error_std', float('nan')):.4f}, "
              f"std scale {twin.get('twin_error_scale', 1.0):.2f}")
        own = own_errors(rows, quantity)
        print(f"    own twin: mean error by day {own['mean_error_by_day']}")
        print(f"              spread by day     {own['error_spread_by_day']}")
        print(f"    shrunk 90 % intervals holding the truth, by day {own['coverage_by_day']}")
        print(f"              mean stated std {own['mean_std']}, |error| <= 1.645 std: {own['z_within_1_645']}")
        for name, habit in by_habit(rows, quantity).items():
            late = figures["data_rich_by_habit"][name]
            print(f"    cars {name.replace('_', ' ')}: last quarter shrunk {late[f'{quantity}_rmse_shrunk']:.4f}, "
                  f"individual {late[f'{quantity}_rmse_individual']:.4f}; by {WINDOW_DAYS} days individual RMSE "
                  f"{habit['individual_rmse_by_window']}, coverage {habit['coverage_by_window']}")


def replay_nights(table: Path, rows: list[dict], days: int, workshop_share: float | None) -> list[dict]:
    """The table's nights again, by the code as it is now, with the run's share of workshop checks or another."""
    import json
    from btwin.scenarios.fleet.draws import WORKSHOP_SHARE, draw_fleet
    from btwin.scenarios.fleet.runner import SETTINGS, FleetSettings, _replay
    from btwin.scenarios.fleet.vehicle_day import QUANTITIES as QUANTITIES_RUN

    recorded = json.loads((table.parent / SETTINGS).read_text(encoding="utf-8"))
    share = recorded.get("workshop_share", WORKSHOP_SHARE) if workshop_share is None else workshop_share
    settings = FleetSettings(vehicles=recorded["vehicles"], days=recorded["days"], seed=recorded["seed"],
                             quantities=QUANTITIES_RUN, workshop_share=share)
    state = _replay(settings, draw_fleet(settings.seed, settings.vehicles), [])
    replayed = []
    for day in range(days):
        replayed += state.night(sorted((dict(row) for row in rows if row["day"] == day),
                                       key=lambda row: row["vehicle"]))
    return replayed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vehicles", type=int, default=12)
    parser.add_argument("--days", type=int, default=10)
    parser.add_argument("--seeds", default="11", help="comma-separated")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--table", action="append", default=None,
                        help="report on this fleet.parquet instead of running (repeat for several)")
    parser.add_argument("--replay", action="store_true", help="with --table: replay the nights by the code as it is")
    parser.add_argument("--workshop-share", type=float, default=None,
                        help="with --table: replay the nights with this share of the vehicles checked")
    parser.add_argument("--validate", action="store_true",
                        help="with --table: the own twins' constants the cloud takes as validated (with several "
                             "tables, the day evidence's also over all of them at once)")
    parser.add_argument("--plot", type=Path, default=None,
                        help="with --table: the fleet's plots of each table (as replayed) into this folder")
    args = parser.parse_args()
    if args.table:
        import pyarrow.parquet as pq
        from btwin.scenarios.fleet.summary import summarise
        every = []
        for number, table in enumerate(args.table):
            rows = pq.read_table(table).to_pylist()
            days = int(max(row["day"] for row in rows)) + 1
            if args.replay or args.workshop_share is not None:
                rows = replay_nights(Path(table), rows, days, args.workshop_share)
            print(f"{table}:")
            report(summarise(rows, days, QUANTITIES, {"workers": 0, "wall_time_s": 0.0, "vehicle_days_run": 0}), rows)
            if args.plot is not None:
                from btwin.scenarios.fleet.plots import plot
                folder = args.plot / str(number) if len(args.table) > 1 else args.plot
                folder.mkdir(parents=True, exist_ok=True)
                print(f"  plots: {', '.join(str(path) for path in plot(rows, folder))}")
            if args.validate:
                for quantity in QUANTITIES:
                    print(f"  {quantity} validated: {evidence_errors(rows, quantity)}")
                    print(f"    individual estimates' shared error: {shared_error(rows, quantity)}")
                    print(f"    their rates' shared bias: {rate_bias(rows, quantity)}")
            # the tables' vehicles kept apart (a vehicle-day names its table's vehicle)
            every += [{**row, "vehicle": row["vehicle"] + 1_000_000 * number} for row in rows]
        if args.validate and len(args.table) > 1:
            for quantity in QUANTITIES:
                print(f"  {quantity} validated over all {len(args.table)} tables: {evidence_errors(every, quantity)}")
        return
    for seed in (int(s) for s in args.seeds.split(",")):
        with tempfile.TemporaryDirectory(prefix="btwin-fleet-accuracy-") as out:
            summary = run(Path(out), vehicles=args.vehicles, days=args.days, seed=seed, workers=args.workers)
            import pyarrow.parquet as pq
            rows = pq.read_table(Path(out) / "fleet.parquet").to_pylist()
        print(f"seed {seed}: {args.vehicles} vehicles x {args.days} days, {summary['failed_vehicle_days']} failed, "
              f"{summary['wall_time_s']:.0f} s on {summary['workers']} worker(s)")
        report(summary, rows)


if __name__ == "__main__":
    main()
