"""``btwin microstructure IMAGE --voxel-size M --out params.json``: an
electrode's 3-D image through the pipeline (``btwin.models.microstructure``)
to the BatteryCell parameters of that electrode, with a slice plot of every
stage beside the JSON."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "microstructure", help="electrode image -> porosity, tortuosity, ... -> BatteryCell parameters",
        description=__doc__.split("\n\n")[0].replace("``", ""))
    parser.add_argument("image", type=Path, metavar="IMAGE",
                        help="3-D TIFF stack or .npy array of grey levels; axis 0 through the thickness")
    parser.add_argument("--voxel-size", type=float, required=True, metavar="M", help="voxel edge [m]")
    parser.add_argument("--electrode", choices=("negative", "positive"), default="negative")
    parser.add_argument("--phases", type=int, default=None, metavar="N",
                        help="number of phases, 2 or 3 (default: chosen by BIC)")
    parser.add_argument("--no-denoise", action="store_true", help="segment the raw grey levels")
    parser.add_argument("--walkers", type=int, default=10_000, metavar="N",
                        help="random walkers (statistical error ~ 1/sqrt(N); default 10000)")
    parser.add_argument("--walk-steps", type=int, default=None, metavar="N",
                        help="random-walk time steps (default: from the particle radius, 4000 to 40000)")
    parser.add_argument("--out", type=Path, required=True, metavar="params.json")
    parser.add_argument("--plot", type=Path, default=None, metavar="FILE.png",
                        help="slice plot of the stages (default: beside --out, NAME_stages.png)")
    parser.set_defaults(func=run)


def run(args) -> int:
    from btwin.models.microstructure.pipeline import MicrostructureError, analyse

    from .microstructure_plots import plot_stages

    try:
        image = read_image(args.image)
        if args.walkers < 100 or (args.walk_steps is not None and args.walk_steps < 100):
            raise MicrostructureError("--walkers and --walk-steps must be at least 100")
        result = analyse(image, args.voxel_size, n_phases=args.phases, denoised=not args.no_denoise,
                         walkers=args.walkers, walk_steps=args.walk_steps)
    except (OSError, ValueError) as error:
        print(f"btwin microstructure: {error}", file=sys.stderr)
        return 2
    summary = {"image": str(args.image), "voxel_size": args.voxel_size,
               "shape": list(image.shape), "electrode": args.electrode, **result.summary(args.electrode)}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(summary, indent=2) + "\n")
    plot = args.plot or args.out.with_name(f"{args.out.stem}_stages.png")
    plot_stages(result.stages, plot, title=f"{args.image.name}: porosity {result.porosity:.3f}, "
                                           f"tortuosity {result.tortuosity:.2f}")
    print(f"porosity {result.porosity:.4f}, tortuosity {result.tortuosity:.3f} (random walk "
          f"{result.tortuosity_random_walk:.3f} +- {result.tortuosity_random_walk_error:.3f}), "
          f"Bruggeman {result.bruggeman_exponent:.2f}")
    print(f"wrote {args.out} and {plot}")
    return 0


def read_image(path: Path) -> np.ndarray:
    """A ``.npy`` array or a TIFF stack (``.tif``/``.tiff``)."""
    path = Path(path)
    if not path.is_file():
        raise OSError(f"no such image: {path}")
    suffix = path.suffix.lower()
    if suffix == ".npy":
        return np.load(path, allow_pickle=False)
    if suffix in (".tif", ".tiff"):
        import tifffile
        return tifffile.imread(path)
    raise ValueError(f"IMAGE must be a .npy array or a .tif/.tiff stack, got {path.name}")
