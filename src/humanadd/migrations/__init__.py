"""Alembic migrations, run by `humanadd db upgrade` (and by `demo` and the tests)."""

from pathlib import Path

from alembic import command
from alembic.config import Config

from humanadd.db import sqlite_file

HERE = Path(__file__).parent


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.set_main_option("file_template", "%%(year)d_%%(month).2d_%%(day).2d_%%(rev)s_%%(slug)s")
    config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str, revision: str = "head") -> bool:
    """Bring the database at `database_url` to `revision`; True when that created a new SQLite
    file (and its folder, if need be)."""
    file = sqlite_file(database_url)
    created = file is not None and not file.exists()
    if file is not None:
        file.parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(database_url), revision)
    return created
