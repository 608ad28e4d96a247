"""``btwin run``: co-simulate an SSP system and write results.csv and energy.json."""
from __future__ import annotations

import argparse
from pathlib import Path

from .master import ALGORITHMS, CORRECTIONS, EXTRAPOLATIONS, Master, System


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "run", help="co-simulate an SSP system (.ssp or .ssd)",
        description="Co-simulate an SSP 1.0 system of FMI 2.0 or 3.0 co-simulation FMUs; writes DIR/results.csv "
                    "(streamed) and DIR/energy.json.")
    parser.add_argument("system", type=Path, help="an .ssp archive or an .ssd file")
    parser.add_argument("--stop-time", type=float, help="end time [s] (default: the system's DefaultExperiment)")
    parser.add_argument("--step", type=float, help="macro step [s] (default: the system's annotation)")
    parser.add_argument("--algorithm", choices=ALGORITHMS, default="jacobi")
    parser.add_argument("--extrapolation", choices=EXTRAPOLATIONS, default="hold")
    parser.add_argument("--correction", choices=CORRECTIONS, default="none")
    parser.add_argument("--nepce-gain", type=float, default=0.5, help="NEPCE gain K in (0, 2) (default 0.5)")
    parser.add_argument("--iterations", type=int, default=1,
                        help="fixed-point iterations per step with rollback (1 = non-iterative)")
    parser.add_argument("--adaptive", action="store_true", help="energy-based PI step control")
    parser.add_argument("--rtol", type=float, default=1e-3, help="adaptive: relative energy tolerance")
    parser.add_argument("--atol", type=float, default=1e-6, help="adaptive: absolute energy tolerance [J]")
    parser.add_argument("--min-step", type=float, help="adaptive: smallest step [s]")
    parser.add_argument("--max-step", type=float, help="adaptive: largest step [s]")
    parser.add_argument("--refuse-loops", action="store_true",
                        help="refuse algebraic loops instead of solving them by fixed point")
    parser.add_argument("--recognise-bonds", action="store_true",
                        help="treat undeclared voltage/current connection pairs as power bonds")
    parser.add_argument("--out", type=Path, default=Path("results"), help="output directory (default results/)")
    parser.add_argument("--no-progress", action="store_true", help="never show a progress bar")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Errors are raised to the command line's one error path
    (``btwin.scenarios.errors``): a bad system exits 2, a failing FMU 1."""
    with System.from_ssp(args.system, recognise_bonds=args.recognise_bonds) as system:
        master = Master(system, algorithm=args.algorithm, extrapolation=args.extrapolation,
                        correction=args.correction, nepce_gain=args.nepce_gain, iterations=args.iterations,
                        adaptive=args.adaptive, rtol=args.rtol, atol=args.atol, min_step=args.min_step,
                        max_step=args.max_step, algebraic_loops="refuse" if args.refuse_loops else "iterate",
                        progress=False if args.no_progress else None)
        result = master.run(stop_time=args.stop_time, step=args.step, out_dir=args.out)
    for note in result.notes:
        print(f"note: {note}")
    print(f"{result.macro_steps} macro steps ({result.rejected_steps} rejected) to t = {result.stop_time:g} s "
          f"in {result.wall_time_s:.3f} s wall ({result.master_time_s:.3f} s in the master)")
    for bond in result.bonds:
        print(f"  {bond['name']} [{bond['kind']}]: source {bond['energy_source_J']:.6g} J, "
              f"sink {bond['energy_sink_J']:.6g} J, residual {bond['residual_J']:.3g} J "
              f"(largest running {bond['max_abs_running_residual_J']:.3g} J)")
    print(f"wrote {result.results_path} and {result.energy_path}")
    return 0
