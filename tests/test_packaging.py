"""What pyproject.toml ships is really in the source tree."""

import tomllib
from pathlib import Path

import humanadd

ROOT = Path(__file__).parent.parent
PACKAGE = Path(humanadd.__file__).parent


def test_every_package_data_entry_names_an_existing_file() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    entries = project["tool"]["setuptools"]["package-data"]["humanadd"]

    assert [entry for entry in entries if not list(PACKAGE.glob(entry))] == []
