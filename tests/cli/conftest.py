"""Running `humanadd` commands in-process against the test database."""

import asyncio
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from humanadd.cli.main import app
from humanadd.config import Settings


@dataclass
class Cli:
    """`humanadd` pointed at the test database through HUMANADD_* variables."""

    runner: CliRunner

    def run(self, *args: str) -> Result:
        return self.runner.invoke(app, list(args), catch_exceptions=False)

    async def __call__(self, *args: str) -> Result:
        """Run in a worker thread: commands call asyncio.run, which a running loop forbids."""
        return await asyncio.to_thread(self.run, *args)


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, settings: Settings, tmp_path: Path) -> Cli:
    monkeypatch.setenv("HUMANADD_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("HUMANADD_DATA_DIR", str(settings.data_dir))
    monkeypatch.delenv("HUMANADD_REDIS_URL", raising=False)
    return Cli(CliRunner())
