"""Memory of a long run: the depot (charger, 96s25p pack, its thermal model,
factory loads, feeder) for 24 simulated hours at a 1 s step, results
streamed to results.csv and not kept in memory (``keep_values=False``).
The process's resident set size (RSS, /proc/self/statm) is sampled every
``--sample`` s of wall time by a thread; memory is flat when the RSS after
the first tenth of the run grows by less than ``--tolerance-mb`` to its end.

    .venv/bin/python benchmarks/depot_memory.py [--hours 24] [--step 1] [--sample 1] [--tolerance-mb 5]

The FMUs come from build/fmus (built there first when missing).
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from btwin.master import Master, System  # noqa: E402
from btwin.scenarios import depot_charging  # noqa: E402

PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE / 1024**2


class Sampler(threading.Thread):
    """(wall time [s], RSS [MiB]) every ``period`` s until stopped."""

    def __init__(self, period: float):
        super().__init__(daemon=True)
        self.period, self.samples, self._done = period, [], threading.Event()

    def run(self) -> None:
        started = time.perf_counter()
        while not self._done.wait(self.period):
            self.samples.append((time.perf_counter() - started, rss_mb()))

    def stop(self) -> list[tuple[float, float]]:
        self._done.set()
        self.join()
        return self.samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hours", type=float, default=24.0, help="simulated time [h]")
    parser.add_argument("--step", type=float, default=1.0, help="macro step [s]")
    parser.add_argument("--sample", type=float, default=1.0, help="RSS sampling period [s of wall time]")
    parser.add_argument("--tolerance-mb", type=float, default=5.0, help="largest growth still called flat [MiB]")
    parser.add_argument("--fmus", type=Path, default=ROOT / "build" / "fmus")
    args = parser.parse_args()
    structure, _ = depot_charging.structure(args.fmus)
    system = System(structure)
    stop = args.hours * 3600.0
    print(f"depot: {stop:g} s simulated at h = {args.step:g} s ({stop / args.step:.0f} steps), results streamed")
    before = rss_mb()
    sampler = Sampler(args.sample)
    sampler.start()
    with tempfile.TemporaryDirectory(prefix="btwin-depot-memory-") as out:
        result = Master(system, algorithm="jacobi", correction="nepce", progress=False).run(
            stop_time=stop, step=args.step, out_dir=out, keep_values=False)
        csv_mb = (Path(out) / "results.csv").stat().st_size / 1024**2
    samples = sampler.stop()
    if len(samples) < 10:
        print(f"too few RSS samples ({len(samples)}); lower --sample")
        return 1
    settled = samples[len(samples) // 10:]
    start_mb, end_mb, peak_mb = settled[0][1], settled[-1][1], max(mb for _, mb in settled)
    growth = end_mb - start_mb
    print(f"{result.macro_steps} macro steps in {result.wall_time_s:.0f} s wall; results.csv {csv_mb:.0f} MiB")
    print(f"RSS: {before:.1f} MiB before loading; after the first tenth {start_mb:.1f} MiB, "
          f"at the end {end_mb:.1f} MiB, peak {peak_mb:.1f} MiB ({len(samples)} samples)")
    verdict = "met" if abs(growth) <= args.tolerance_mb else "MISSED"
    print(f"growth over the last nine tenths: {growth:+.1f} MiB (flat within {args.tolerance_mb:g} MiB: {verdict})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
