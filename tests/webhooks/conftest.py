from pathlib import Path

import pytest

from humanadd.config import Settings


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """The test receivers listen on 127.0.0.1 over plain HTTP: both allowed here only."""
    return Settings(
        database_url=database_url,
        data_dir=tmp_path / "data",
        redis_url=None,
        webhooks_allow_insecure=True,
        webhooks_allow_private=True,
        public_url="https://api.humanadd.test",
    )
