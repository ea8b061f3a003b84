"""Database helpers shared by every repository."""

from sqlalchemy.dialects import postgresql, sqlite

from humanadd.db import dialect_insert, is_sqlite
from humanadd.dependencies import Services
from humanadd.idempotency.models import IdempotencyRecord


async def test_dialect_insert_is_the_sessions_own_dialects_insert(services: Services) -> None:
    async with services.sessions() as session:
        insert = dialect_insert(session)

    expected = sqlite.insert if is_sqlite(services.settings.database_url) else postgresql.insert
    assert insert is expected
    assert "ON CONFLICT DO NOTHING" in str(insert(IdempotencyRecord).on_conflict_do_nothing())
