"""An FMU given as the folder it was unpacked into (how a fleet worker runs
many instances of one FMU) runs as its archive does, and the master neither
unpacks it again nor removes it."""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from btwin.master import Master, System
from btwin.master import slave as slave_module
from btwin.master.unpack import unpack

from .conftest import rc_pair


def _run(structure) -> np.ndarray:
    return Master(System(structure), algorithm="jacobi", correction="nepce").run(stop_time=1.0, step=0.01).values


def test_an_unpacked_folder_runs_as_its_archive_and_is_kept(fmus, tmp_path, private_tmp, monkeypatch):
    from_archives = rc_pair(fmus)
    expected = _run(from_archives)
    folders = {c.name: unpack(c.source, "", into=tmp_path / c.name) for c in from_archives.components}
    from_folders = replace(from_archives, components=[replace(c, source=folders[c.name])
                                                      for c in from_archives.components])

    def no_unpacking(*args, **kwargs):
        raise AssertionError("an unpacked FMU was unpacked again")

    monkeypatch.setattr(slave_module, "unpack", no_unpacking)
    for _ in range(2):  # instance after instance from the same folders
        np.testing.assert_array_equal(_run(from_folders), expected)
    assert all((folder / "modelDescription.xml").is_file() for folder in folders.values())
    assert list(private_tmp.iterdir()) == []


def test_pooled_instances_are_reset_and_reused_and_give_the_same_run(fmus, tmp_path):
    # a fleet worker's case: the same folders run again and again; a kept instance is reset to its
    # instantiated state, so a second and third run match a fresh instance's even with other parameters between
    from btwin.master import InstancePool

    base = rc_pair(fmus)
    folders = {c.name: unpack(c.source, "", into=tmp_path / c.name) for c in base.components}
    structure = replace(base, components=[replace(c, source=folders[c.name]) for c in base.components])
    expected = _run(structure)
    changed = replace(structure, components=[replace(c, parameters={"E": 12.0}) if c.name == "source" else c
                                             for c in structure.components])  # V, the source's EMF
    pool = InstancePool()
    created = []
    real_instantiate = slave_module.Slave._instantiate

    def counting(self, identity):
        created.append(self.name)
        real_instantiate(self, identity)

    try:
        slave_module.Slave._instantiate = counting
        first = Master(System(structure), algorithm="jacobi", correction="nepce", pool=pool).run(
            stop_time=1.0, step=0.01).values
        other = Master(System(changed), algorithm="jacobi", correction="nepce", pool=pool).run(
            stop_time=1.0, step=0.01).values
        again = Master(System(structure), algorithm="jacobi", correction="nepce", pool=pool).run(
            stop_time=1.0, step=0.01).values
    finally:
        slave_module.Slave._instantiate = real_instantiate
        pool.close()
    assert sorted(created) == sorted(c.name for c in structure.components)  # instantiated once each
    np.testing.assert_array_equal(first, expected)
    np.testing.assert_array_equal(again, expected)
    assert not np.array_equal(other, expected)  # the parameters in between did take

