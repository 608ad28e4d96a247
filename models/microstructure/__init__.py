"""From an electrode's 3-D image to the cell model's transport parameters.

    from btwin.models.microstructure import analyse, image_of, sphere_pack
    pack = sphere_pack(64, mean_radius=4.0, porosity=0.35, binder_fraction=0.03)
    result = analyse(image_of(pack.labels, snr=5.0), voxel_size=1.5e-6)
    result.battery_cell_parameters("negative")   # BatteryCell parameter names -> values

Modules: ``synthetic`` (structures with known truth, the imaging model),
``segmentation`` (denoise, GMM, cleanup), ``connectivity``, ``metrics``,
``tortuosity`` (steady state, random walk), ``calendering`` (compression,
Bruggeman fit), ``pipeline`` (all of it), ``design`` (electrode design with the
cell model in the loop).
"""
from .pipeline import MicrostructureError, Microstructure, NoPercolatingPore, analyse
from .synthetic import image_of, layered, sphere_pack, straight_channels

__all__ = ["Microstructure", "MicrostructureError", "NoPercolatingPore", "analyse", "image_of", "layered",
           "sphere_pack", "straight_channels"]
