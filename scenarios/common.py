"""What the scenarios share: where FMUs and results live, and how results are written."""
from __future__ import annotations

import json
import math
from pathlib import Path

FMU_DIR = Path("build/fmus")
NATIVE_DIR = Path("build/native")
RESULTS_DIR = Path("results")


def fmu_path(name: str, fmu_dir: Path = FMU_DIR) -> Path:
    """``fmu_dir/NAME.fmu``, built first if it is not there yet."""
    path = Path(fmu_dir) / f"{name}.fmu"
    if not path.is_file():
        from btwin.fmus.build import build
        build([name], fmu_dir)
    return path


def native_fmu_path(name: str, fmi_version: int, native_dir: Path = NATIVE_DIR) -> Path:
    """``native_dir/fmiV/NAME.fmu`` (a native FMU), built first if it is not there yet."""
    path = Path(native_dir) / f"fmi{fmi_version}" / f"{name}.fmu"
    if not path.is_file():
        from btwin.fmus.native.build import build_native
        build_native([name], native_dir, (fmi_version,))
    return path


def output_dir(out_dir: str | Path | None, scenario: str) -> Path:
    """``out_dir``, or ``results/SCENARIO`` when none is given; created."""
    out = Path(out_dir) if out_dir is not None else RESULTS_DIR / scenario
    out.mkdir(parents=True, exist_ok=True)
    return out


def write_summary(out_dir: Path, summary: dict) -> Path:
    """``out_dir/summary.json``: the summary a scenario prints (numbers and
    strings, nested by topic; numpy scalars become plain numbers, and a number
    not known, NaN or infinite, becomes null, so that any JSON reader takes
    the file)."""
    path = Path(out_dir) / "summary.json"
    path.write_text(json.dumps(_strict(summary), indent=2, default=_plain, allow_nan=False) + "\n",
                    encoding="utf-8")
    return path


def _strict(value):
    """``value`` with every non-finite float, at any depth, replaced by None."""
    if isinstance(value, dict):
        return {key: _strict(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_strict(item) for item in value]
    if hasattr(value, "item") and getattr(value, "ndim", None) == 0:  # numpy scalar
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _plain(value):
    if hasattr(value, "item"):  # numpy scalar
        return value.item()
    raise TypeError(f"summary value {value!r} of type {type(value).__name__} is not a number or a string")


def write_csv(path: Path, columns: dict[str, "list[float]"]) -> None:
    import numpy as np
    path.parent.mkdir(parents=True, exist_ok=True)
    names = list(columns)
    data = np.column_stack([np.asarray(columns[n], dtype=float) for n in names])
    np.savetxt(path, data, delimiter=",", header=",".join(names), comments="", fmt="%.10g")
