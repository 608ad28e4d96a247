"""What the scenarios share: where FMUs and results live."""
from __future__ import annotations

from pathlib import Path

FMU_DIR = Path("build/fmus")
RESULTS_DIR = Path("results")


def fmu_path(name: str, fmu_dir: Path = FMU_DIR) -> Path:
    """``fmu_dir/NAME.fmu``, built first if it is not there yet."""
    path = Path(fmu_dir) / f"{name}.fmu"
    if not path.is_file():
        from btwin.fmus.build import build
        build([name], fmu_dir)
    return path


def write_csv(path: Path, columns: dict[str, "list[float]"]) -> None:
    import numpy as np
    path.parent.mkdir(parents=True, exist_ok=True)
    names = list(columns)
    data = np.column_stack([np.asarray(columns[n], dtype=float) for n in names])
    np.savetxt(path, data, delimiter=",", header=",".join(names), comments="", fmt="%.10g")
