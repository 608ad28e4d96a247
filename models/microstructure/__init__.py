"""From an electrode's 3-D image to the cell model's transport parameters.

    from btwin.models.microstructure import analyse, sphere_pack, image_of
    pack = sphere_pack(64, mean_radius=4.0, porosity=0.35, binder_fraction=0.04)
    result = analyse(image_of(pack.labels, snr=5.0), voxel_size=0.5e-6)
    result.battery_cell_parameters("negative")
"""
