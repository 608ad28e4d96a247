"""Maps the top-level folders onto the `btwin` namespace (see pyproject.toml)."""
from setuptools import find_packages, setup

FOLDERS = ("models", "fmus", "master", "ontology", "scenarios")


def packages_and_dirs():
    packages, package_dir = [], {}
    for folder in FOLDERS:
        root = f"btwin.{folder}"
        packages.append(root)
        package_dir[root] = folder
        for sub in find_packages(where=folder):
            packages.append(f"{root}.{sub}")
            package_dir[f"{root}.{sub}"] = f"{folder}/{sub.replace('.', '/')}"
    return packages, package_dir


packages, package_dir = packages_and_dirs()
setup(packages=packages, package_dir=package_dir)
