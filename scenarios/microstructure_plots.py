"""Slice plots of the microstructure pipeline's stages."""
from __future__ import annotations

from pathlib import Path

import numpy as np

_PHASE_COLOURS = ("#1f3b73", "#d9a21b", "#6aa84f")  # pore, active material, CBD


def plot_stages(stages, path: Path, title: str = "") -> Path:
    """One through-thickness slice (axis 0 vertical, the middle of axis 1) of
    every stage: grey levels, denoised, segmented, cleaned, the percolating
    pore, the steady-state concentration."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap

    middle = stages.raw.shape[1] // 2
    phases = ListedColormap(_PHASE_COLOURS)
    panels = (
        ("grey levels", stages.raw, "gray", None),
        ("non-local means", stages.denoised, "gray", None),
        ("GMM phases", stages.segmented, phases, (0, 2)),
        ("after cleanup", stages.phases, phases, (0, 2)),
        ("percolating pore", stages.percolating_pore.astype(float), "Blues", (0, 1)),
        ("steady-state c (axis 0)", stages.concentration, "viridis", (0, 1)),
    )
    fig, axes = plt.subplots(1, len(panels), figsize=(3.0 * len(panels), 3.4))
    for ax, (name, image, cmap, limits) in zip(axes, panels):
        section = np.take(image, middle, axis=1)
        kwargs = {} if limits is None else {"vmin": limits[0], "vmax": limits[1]}
        ax.imshow(section, cmap=cmap, interpolation="nearest", **kwargs)
        ax.set_title(name, fontsize=10)
        ax.set_xticks([])
        ax.set_yticks([])
    axes[0].set_ylabel("thickness (separator at top)")
    if title:
        fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
