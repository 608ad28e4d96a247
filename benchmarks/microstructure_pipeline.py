"""Accuracy and speed of the microstructure pipeline (issue 16), on synthetic
structures that are not the tests' (other seeds, sizes and porosities).

    .venv/bin/python benchmarks/microstructure_pipeline.py [--size 200] [--skip-speed] [--skip-accuracy]

Accuracy: segmentation of noisy packs (two phases and three, SNR 3 and 5)
against the truth; steady-state tortuosity along straight channels; random
walk against steady state on sphere packs; steady state against the
independent finite-volume solve of the tests (tests/models/microstructure/
reference_fv.py). Speed: a SIZE^3 grey-level image through the whole
pipeline, stage by stage, and the steady-state tortuosity of its pore space
alone. Times are wall clock and CPU time of this process (the stages are
single-threaded; on a shared machine the CPU time is what the wall time would
be on an idle core).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from btwin.models.microstructure import pipeline  # noqa: E402
from btwin.models.microstructure.connectivity import connectivity  # noqa: E402
from btwin.models.microstructure.metrics import interface_area_density, mean_particle_radius  # noqa: E402
from btwin.models.microstructure.segmentation import clean, denoise, segment  # noqa: E402
from btwin.models.microstructure.synthetic import (ACTIVE, BINDER, PORE, image_of, sphere_pack,  # noqa: E402
                                                   straight_channels)
from btwin.models.microstructure.tortuosity import random_walk, steady_state  # noqa: E402
from tests.models.microstructure.reference_fv import tortuosity_fv  # noqa: E402


def segmentation_accuracy() -> None:
    print("segmentation (64^3 packs, mean radius 4 voxels, porosity 0.36, NLM + GMM + cleanup)")
    print(f"{'phases':>7} {'SNR':>4} {'seed':>5} {'BIC n':>6} {'accuracy':>9} {'porosity err':>13}")
    for binder, snr in ((0.0, 3.0), (0.03, 3.0), (0.03, 5.0)):
        for seed in (201, 202, 203):
            pack = sphere_pack(64, 4.0, 0.36, binder_fraction=binder, seed=seed)
            raw = image_of(pack.labels, snr, seed=seed + 1000)
            result = segment(raw, denoise(raw))
            phases = pipeline.phases_by_grey(clean(result.labels), len(result.means))
            print(f"{2 if binder == 0 else 3:>7} {snr:>4g} {seed:>5} {len(result.means):>6} "
                  f"{np.mean(phases == pack.labels):>9.4f} {np.mean(phases == PORE) - pack.porosity:>+13.4f}")


def tortuosity_accuracy() -> None:
    print("\nsteady-state tortuosity along straight channels (exact: 1)")
    for width, spacing, shape in ((1, 4, (50, 30, 30)), (3, 8, (64, 40, 40)), (5, 6, (40, 36, 36))):
        pore = straight_channels(shape, width, spacing) == PORE
        print(f"  width {width}, spacing {spacing}, {shape}: tau = {steady_state(pore).tortuosity:.6f}")
    print("\nrandom walk vs steady state, axis 0 (48^3 packs; walk 10000 walkers, 12000 steps)")
    for seed, porosity, radius, binder in ((301, 0.35, 3.5, 0.0), (302, 0.45, 3.0, 0.0), (303, 0.4, 4.0, 0.02)):
        pore = sphere_pack(48, radius, porosity, binder_fraction=binder, seed=seed).labels == PORE
        ss = steady_state(pore).tortuosity
        walk = random_walk(pore, walkers=10_000, steps=12_000, seed=seed)
        print(f"  eps {porosity}, R {radius}, CBD {binder}: steady {ss:.3f}, walk {walk.tortuosity[0]:.3f} "
              f"+- {walk.error[0]:.3f}  (walk/steady - 1 = {walk.tortuosity[0] / ss - 1:+.3f})")
    print("\nsteady state vs the independent finite-volume solve (30 x 26 x 26 packs)")
    for seed, porosity, radius in ((401, 0.3, 3.0), (402, 0.4, 2.5), (403, 0.5, 4.0)):
        pore = sphere_pack((30, 26, 26), radius, porosity, binder_fraction=0.02, seed=seed).labels == PORE
        ours, reference = steady_state(pore).tortuosity, tortuosity_fv(pore)
        print(f"  eps {porosity}: ours {ours:.5f}, independent {reference:.5f}, "
              f"difference {ours / reference - 1:+.2e}")


def speed(size: int) -> None:
    print(f"\nspeed: a {size}^3 image (pack radius 8 voxels, porosity 0.35, CBD 0.03, SNR 5)")
    pack = sphere_pack(size, 8.0, 0.35, binder_fraction=0.03, seed=501)
    raw = image_of(pack.labels, 5.0, seed=502)
    stages = {}

    def timed(name, call):
        started, cpu = time.perf_counter(), time.process_time()
        value = call()
        stages[name] = (time.perf_counter() - started, time.process_time() - cpu)
        return value

    smooth = timed("denoise (NLM)", lambda: denoise(raw))
    seg = timed("segment (GMM, BIC)", lambda: segment(raw, smooth))
    phases = timed("cleanup", lambda: pipeline.phases_by_grey(clean(seg.labels), len(seg.means)))
    pore = phases == PORE
    timed("connectivity (pore, solid)", lambda: (connectivity(pore), connectivity(~pore)))
    radius = timed("metrics (area, radius)", lambda: (interface_area_density(pore),
                                                     mean_particle_radius(phases == ACTIVE)))[1]
    tensor = timed("steady state, 3 axes", lambda: [steady_state(pore, axis).tortuosity for axis in range(3)])
    walk = timed("random walk", lambda: random_walk(pore, walkers=10_000,
                                                    steps=pipeline._walk_steps(radius), seed=1))
    print(f"  {'stage':<28} {'wall':>7} {'CPU':>7}")
    for name, (wall, cpu) in stages.items():
        print(f"  {name:<28} {wall:7.1f} {cpu:7.1f} s")
    wall, cpu = (sum(times) for times in zip(*stages.values()))
    print(f"  {'whole pipeline':<28} {wall:7.1f} {cpu:7.1f} s   (target <= 60 s)")
    started, cpu = time.perf_counter(), time.process_time()
    single = steady_state(pack.labels == PORE)
    print(f"  steady state of the pore space alone (axis 0): {time.perf_counter() - started:.1f} s wall, "
          f"{time.process_time() - cpu:.1f} s CPU (target <= 20 s); tau {single.tortuosity:.3f}")
    print(f"  accuracy {np.mean(phases == pack.labels):.4f}, porosity {pore.mean():.4f} (truth "
          f"{pack.porosity:.4f}), tau {np.round(tensor, 3)}, walk {walk.tortuosity[0]:.3f} "
          f"+- {walk.error[0]:.3f} ({walk.window[1]} steps)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=200)
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--skip-accuracy", action="store_true")
    args = parser.parse_args()
    if not args.skip_accuracy:
        segmentation_accuracy()
        tortuosity_accuracy()
    if not args.skip_speed:
        speed(args.size)


if __name__ == "__main__":
    main()
