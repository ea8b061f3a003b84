"""Reading the service's own secrets."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from humanadd.cursors.models import ServerSecret


async def read_secret(engine: AsyncEngine, name: str) -> bytes:
    """The secret `name`; LookupError when the database has none (not migrated)."""
    async with engine.connect() as connection:
        value = await connection.scalar(select(ServerSecret.value).where(ServerSecret.name == name))
    if value is None:
        raise LookupError(f"the database has no {name}: run `humanadd db upgrade`")
    return bytes(value)
