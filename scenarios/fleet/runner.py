"""A fleet, day by day, on Dask: the edge twins' vehicle-days in parallel on
the workers, the cloud's night on the client.

Each day the vehicles are cut into batches (a task is a batch, a few per
worker and day: many tasks would keep the scheduler busy for nothing, few
would leave workers idle while the day's last batch runs). A batch runs its
vehicle-days one after the other in a worker process; a vehicle-day that
fails is returned as a row with its error and does not stop the fleet; a
worker that dies loses the batch it was running, which Dask runs again
elsewhere (finished batches are released as soon as their rows are read, so
none is computed twice). The FMU archives go to the workers once (a Dask
scatter), but the scheduler's memory manager keeps a single copy of
scattered data once no task waits for it, so a dying worker can take the
archives with it; the batches that needed them come back cancelled, and the
archives are sent again with those batches (``RESENDS`` times at most). When every batch of the day is back the night
runs (``cloud.night``), the rows are added to ``fleet.parquet`` (rewritten
whole, then renamed over the old one, so it is never half written) and the
priors go into the next day's specs.

Determinism: every random draw is seeded by (seed, vehicle, day), every
vehicle-day is computed in one process from its spec alone, rows are ordered
by vehicle, and the night is a deterministic function of the rows. So the
same settings give the same table whatever the number of workers, the
scheduler or the batching; and a run restarted on the same ``--out`` reads
the days already written, replays their nights and carries on.
"""
from __future__ import annotations

import importlib
import json
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from .cloud import Belief, OwnDay, Quantity, night, rates_from_second_day, row_kind
from .draws import (WORKSHOP_CAPACITY_STD, WORKSHOP_SHARE, Vehicle, daily_distance_km, draw_fleet,
                    workshop_capacity, workshop_day)
from .worker_fmus import unpacked

TABLE = "fleet.parquet"
SETTINGS = "fleet.json"
SIMULATE = "btwin.scenarios.fleet.vehicle_day:simulate"
BATCHES_PER_WORKER = 4  # tasks per worker and day, unless --batch-size says otherwise
RESENDS = 3  # times a batch whose archives were lost with a worker is sent again


class FleetError(RuntimeError):
    """A fleet run that cannot start or go on (bad settings, an --out of another run)."""


@dataclass(frozen=True)
class FleetSettings:
    vehicles: int
    days: int
    seed: int = 0
    aging_acceleration: float = 30.0  # simulated calendar days of SEI growth per day driven
    batch_size: int = 0  # vehicle-days per task; 0: chosen from the fleet and the workers
    simulate: str = SIMULATE  # "module:function" run on the workers for one vehicle-day
    quantities: tuple[Quantity, ...] = field(default=())
    workshop_share: float = WORKSHOP_SHARE  # of the vehicles whose capacity a workshop checks once

    def check(self) -> None:
        if self.vehicles < 1 or self.days < 1:
            raise FleetError(f"--vehicles and --days must be >= 1, got {self.vehicles} and {self.days}")
        if self.aging_acceleration < 1.0:
            raise FleetError(f"the aging acceleration must be >= 1, got {self.aging_acceleration}")

    def identity(self) -> dict:
        """What makes two runs the same run (a restart must match it)."""
        data = asdict(self)
        data.pop("batch_size")
        return json.loads(json.dumps(data))


def run_fleet(settings: FleetSettings, out: Path, client, archives: dict[str, Path],
              progress: bool = False, after_day=None) -> dict:
    """Run (or resume) the fleet into ``out``; return every row and the run's
    bookkeeping (vehicle-days computed now, workers, batch size, wall time).
    ``archives``: FMU name -> .fmu path; ``after_day(day, client)``, if
    given, is called after each night (a benchmark samples memory there)."""
    from concurrent.futures import CancelledError

    from distributed import as_completed

    settings.check()
    out.mkdir(parents=True, exist_ok=True)
    _claim(out, settings)
    vehicles = draw_fleet(settings.seed, settings.vehicles)
    rows = _read_rows(out / TABLE)
    state = _replay(settings, vehicles, rows)
    shipped = _ship(client, archives)
    workers = max(1, len(client.scheduler_info().get("workers", {})))
    batches = _batches(settings.vehicles, settings.batch_size, workers)
    started = time.perf_counter()
    bar = _bar(settings, state.day, progress)
    resumed_at = len(rows)
    for day in range(state.day, settings.days):
        specs = [state.spec(vehicle, day) for vehicle in vehicles]

        def submit(part: range, archives_sent: dict):
            return client.submit(run_batch, settings.simulate, specs[part.start:part.stop], archives_sent, pure=False,
                                 retries=2, key=f"fleet-{settings.seed}-d{day}-v{part.start}-{_token()}")

        pending = {}  # a batch's future -> (its vehicles, times resent, the archives it was sent with)
        for part in batches:
            pending[submit(part, shipped)] = (part, 0, shipped)
        completed = as_completed(list(pending))
        day_rows = []
        for future in completed:
            part, resent, archives_sent = pending.pop(future)
            try:
                batch_rows = future.result()
            except CancelledError:  # its archives were lost with a worker (module docstring): send them again
                if resent >= RESENDS:
                    raise FleetError(f"day {day}, vehicles {part.start}-{part.stop - 1}: the batch was cancelled "
                                     f"{resent + 1} times, its FMU archives lost with the workers each time")
                if archives_sent is shipped:  # the first of the day's batches to find them lost ships them again
                    shipped = _ship(client, archives)
                again = submit(part, shipped)
                pending[again] = (part, resent + 1, shipped)
                completed.add(again)
                continue
            future.release()  # the client holds the rows now: a worker lost later need not recompute them
            day_rows += batch_rows
            if bar is not None:
                bar.update(len(batch_rows))
        day_rows.sort(key=lambda row: row["vehicle"])
        rows += state.night(day_rows)
        _write_rows(out / TABLE, rows)
        if after_day is not None:
            after_day(day, client)
    if bar is not None:
        bar.close()
    return {"rows": rows, "vehicle_days_run": len(rows) - resumed_at, "workers": workers,
            "batch_size": max(len(part) for part in batches), "wall_time_s": round(time.perf_counter() - started, 3)}


def _ship(client, archives: dict[str, Path]) -> dict:
    """Every FMU archive to every worker (a Dask scatter: no shared file system needed)."""
    return {name: client.scatter(Path(path).read_bytes(), broadcast=True, hash=False)
            for name, path in archives.items()}


def _batches(vehicles: int, batch_size: int, workers: int) -> list[range]:
    """A day's vehicles cut into tasks: ``batch_size`` each if given, else
    ``BATCHES_PER_WORKER`` per worker whose sizes differ by one at most. (Cut
    by a fixed size, 20 vehicles on 2 workers made 7 tasks, six of 3 and one
    of 2: one worker ran a fourth task while the other waited for the night.)"""
    if batch_size:
        return [range(i, min(i + batch_size, vehicles)) for i in range(0, vehicles, batch_size)]
    tasks = min(vehicles, BATCHES_PER_WORKER * workers)
    size, larger = divmod(vehicles, tasks)
    starts = np.cumsum([0] + [size + (k < larger) for k in range(tasks)])
    return [range(int(a), int(b)) for a, b in zip(starts[:-1], starts[1:])]


def run_batch(simulate: str, specs: list[dict], shipped: dict[str, bytes]) -> list[dict]:
    """On a worker: the batch's vehicle-days one after the other."""
    module_name, _, function_name = simulate.partition(":")
    function = getattr(importlib.import_module(module_name), function_name)
    fmus = {name: unpacked(name, data) for name, data in shipped.items()}  # once per worker
    rows = []
    for spec in specs:
        try:
            result = function(spec, fmus)
            rows.append({**spec, **result, "error": ""})
        except Exception as error:  # one vehicle-day's failure is a row, not the fleet's end
            rows.append({**spec, "error": f"{type(error).__name__}: {error}"})
    return rows


@dataclass
class _State:
    """Where the fleet stands at the start of ``day``: each vehicle's plant
    (carried in the previous day's rows) and the cloud's beliefs."""

    settings: FleetSettings
    vehicles: list[Vehicle]
    day: int
    beliefs: dict[str, Belief]
    carried: dict[int, dict]
    # the plant's value at each day's end (vehicles x days; nan: the day failed), to judge the aging rates by
    truth: dict[str, np.ndarray] = field(default_factory=dict)

    def spec(self, vehicle: Vehicle, day: int) -> dict:
        spec = {"vehicle": vehicle.index, "day": day, "seed": self.settings.seed,
                "aging_acceleration": self.settings.aging_acceleration,
                "distance_km": daily_distance_km(vehicle, self.settings.seed, day),
                **{f"vehicle_{k}": v for k, v in vehicle.as_dict().items() if k != "index"},
                **self.carried.get(vehicle.index, {})}
        for quantity in self.settings.quantities:
            belief = self.beliefs[quantity.name]
            spec[f"prior_{quantity.name}"] = float(belief.prior_mean[vehicle.index])
            spec[f"prior_{quantity.name}_std"] = float(belief.prior_std[vehicle.index])
        return spec

    def night(self, day_rows: list[dict]) -> list[dict]:
        """The cloud's night over the day's rows; the rows gain its figures."""
        ran = np.array([not row["error"] for row in day_rows])
        for row, ok in zip(day_rows, ran):
            row["workshop_capacity"] = self._workshop(row) if ok else None
        for quantity in self.settings.quantities:
            q = quantity.name
            column = lambda key, default: np.array([row.get(key, default) if ok else default  # noqa: E731
                                                    for row, ok in zip(day_rows, ran)], dtype=float)
            reference = column(f"workshop_{q}", np.nan)
            own = OwnDay(*(column(f"own_{q}{key}", default) for key, default in
                           (("", np.nan), ("_std", np.inf), ("_prior", np.nan), ("_prior_std", np.inf), ("_aging", np.nan))),
                         kinds=tuple(row_kind(row) for row in day_rows))
            belief, figures = night(quantity, self.beliefs[q], own, ran, reference, WORKSHOP_CAPACITY_STD * reference)
            self.beliefs[q] = belief
            true_rate = self._true_rate(q, column(f"true_{q}", np.nan), belief.history.predicted)
            rate = figures.rates
            for i, row in enumerate(day_rows):
                # null until a vehicle has two days of evidence
                row.update({f"individual_{q}_rate_beyond_law": _known(rate.individual_mean[i]),
                            f"individual_{q}_rate_beyond_law_std": _known(rate.individual_std[i]),
                            f"shrunk_{q}_rate_beyond_law": _known(rate.shrunk_mean[i]),
                            f"shrunk_{q}_rate_beyond_law_std": _known(rate.shrunk_std[i]),
                            f"fleet_{q}_rate_beyond_law_spread": _known(rate.fleet_spread),
                            f"true_{q}_rate_beyond_law": _known(true_rate[i])})
                row.update({f"individual_{q}": float(figures.individual_mean[i]),
                            f"individual_{q}_std": float(figures.individual_std[i]),
                            f"shrunk_{q}": float(figures.shrunk_mean[i]),
                            f"shrunk_{q}_std": float(figures.shrunk_std[i]),
                            f"shrinkage_{q}": float(figures.shrinkage[i]),
                            f"fleet_{q}_mean": figures.fleet_mean,
                            f"fleet_{q}_spread": figures.fleet_spread,
                            f"shrunk_{q}_uncorrected": float(figures.pooled_mean[i]),
                            f"twin_bias_{q}": figures.twin.bias,
                            f"twin_error_std_{q}": float(np.sqrt(figures.twin.bias_variance)),
                            f"twin_error_scale_{q}": figures.twin.scale,
                            f"workshop_checks_{q}": figures.twin.checks})
        for row, ok in zip(day_rows, ran):
            if ok:
                self.carried[row["vehicle"]] = {k: row[k] for k in row if k.startswith("carry_")}
        self.day += 1
        return day_rows

    def _true_rate(self, quantity: str, today: np.ndarray, predicted: np.ndarray) -> np.ndarray:
        """The plant's own rate beyond the law so far: the slope of its true values less the law's
        accumulated change over the days the evidence's is fitted on (``cloud.rates_from_second_day``),
        every day weighed alike."""
        history = self.truth.get(quantity, np.zeros((today.size, 0)))
        self.truth[quantity] = history = np.column_stack([history, today])
        return rates_from_second_day(history, np.ones(history.shape), predicted)[0]

    def _workshop(self, row: dict) -> float | None:
        """The workshop's capacity reading if the vehicle is checked today, else None (a null in the
        table, NaN in pandas)."""
        checked = workshop_day(self.settings.seed, row["vehicle"], self.settings.days, self.settings.workshop_share)
        return workshop_capacity(self.settings.seed, row["vehicle"], row["day"], row["true_capacity"]) \
            if checked == row["day"] else None


def _known(value: float) -> float | None:
    """A finite value, or None (a null in the table: not known yet)."""
    return float(value) if np.isfinite(value) else None


def _replay(settings: FleetSettings, vehicles: list[Vehicle], rows: list[dict]) -> _State:
    state = _State(settings, vehicles, 0, {q.name: Belief.start(q, len(vehicles)) for q in settings.quantities},
                   {})
    days = sorted({row["day"] for row in rows})
    if days != list(range(len(days))):
        raise FleetError(f"{TABLE} holds days {days}; expected 0 to {len(days) - 1} without gaps")
    for day in days:
        day_rows = sorted((dict(row) for row in rows if row["day"] == day), key=lambda row: row["vehicle"])
        if [row["vehicle"] for row in day_rows] != list(range(len(vehicles))):
            raise FleetError(f"{TABLE} day {day} does not hold one row per vehicle")
        for row in day_rows:
            row.setdefault("error", "")
        state.night(day_rows)
    return state


def _claim(out: Path, settings: FleetSettings) -> None:
    """Refuse an --out that holds another fleet run; record this one's settings."""
    path = out / SETTINGS
    identity = settings.identity()
    if path.exists():
        recorded = json.loads(path.read_text(encoding="utf-8"))
        if recorded != identity:
            differing = sorted(k for k in identity.keys() | recorded.keys() if identity.get(k) != recorded.get(k))
            raise FleetError(f"{out} holds a fleet run with other settings ({', '.join(differing)}); "
                             "use another --out or remove it")
    else:
        _replace(path, (json.dumps(identity, indent=2) + "\n").encode())


def _read_rows(path: Path) -> list[dict]:
    if not path.exists():
        return []
    import pyarrow.parquet as pq
    return pq.read_table(path).to_pylist()


def _write_rows(path: Path, rows: list[dict]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq
    columns = list(dict.fromkeys(key for row in rows for key in row))
    table = pa.Table.from_pylist([{key: row.get(key) for key in columns} for row in rows])
    temporary = path.with_suffix(".parquet.part")
    pq.write_table(table, temporary)
    os.replace(temporary, path)


def _replace(path: Path, data: bytes) -> None:
    temporary = path.with_suffix(path.suffix + ".part")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def _token() -> str:
    return os.urandom(4).hex()


def _bar(settings: FleetSettings, done_days: int, progress: bool):
    if not progress:
        return None
    from tqdm import tqdm
    return tqdm(total=settings.vehicles * settings.days, initial=settings.vehicles * done_days,
                unit="vehicle-day", desc="fleet")
