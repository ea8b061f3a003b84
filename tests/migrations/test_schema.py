"""The migrations and the models describe one schema, on SQLite and PostgreSQL alike."""

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection

from humanadd.dependencies import Services
from humanadd.models import Base


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


async def test_migrated_database_matches_the_models(services: Services) -> None:
    async with services.engine.connect() as connection:
        differences = await connection.run_sync(_differences)

    assert differences == []
