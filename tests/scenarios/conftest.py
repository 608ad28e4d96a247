"""A hand-started Dask cluster for the fleet's tests, shared by the session."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from .dask_cluster import external_cluster

EVENTS = "BTWIN_TEST_FLEET_DIR"  # where the fleet's test stand-ins record what the workers did


@pytest.fixture(scope="session")
def dask_cluster(tmp_path_factory):
    """(address, events folder) of a scheduler and two one-thread workers."""
    folder = tmp_path_factory.mktemp("dask_cluster")
    events = folder / "events"
    events.mkdir()
    # the workers import the tests' stand-ins (tests.scenarios.fleet_double) from this checkout
    path = os.pathsep.join(filter(None, [str(Path(__file__).parents[2]), os.environ.get("PYTHONPATH")]))
    with external_cluster(2, folder, env={EVENTS: str(events), "PYTHONPATH": path}) as address:
        yield address, events
