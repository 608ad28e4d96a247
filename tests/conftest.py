"""Shared fixtures: FMUs are built once per test session into a temporary folder."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from btwin.fmus.build import build, build_slaves

HERE = Path(__file__).parent


@pytest.fixture(scope="session")
def fmu_dir(tmp_path_factory) -> Path:
    """Every FMU of the catalogue, plus the test-only Heater, freshly built."""
    from tests.fmus.heater_slave import Heater

    out = tmp_path_factory.mktemp("fmus")
    build(None, out)
    build_slaves({"Heater": Heater}, out)
    return out


@pytest.fixture(scope="session")
def c_host(tmp_path_factory) -> Path:
    """The plain C host of tests/fmus/c_host.c, compiled with gcc."""
    compiler = shutil.which("gcc") or shutil.which("cc")
    if compiler is None:
        pytest.fail("a C compiler is needed for the plain C host tests")
    binary = tmp_path_factory.mktemp("c_host") / "c_host"
    subprocess.run([compiler, "-O2", "-o", str(binary), str(HERE / "fmus" / "c_host.c"), "-ldl"], check=True)
    return binary


@pytest.fixture(scope="session")
def native_dir(tmp_path_factory) -> Path:
    """The native FMUs, FMI 2.0 and 3.0 (DIR/fmi2, DIR/fmi3), freshly built."""
    from btwin.fmus.native.build import build_native

    out = tmp_path_factory.mktemp("native")
    build_native(None, out)
    return out
