"""The app recovers on its own when PostgreSQL drops the pool's connections (no pre-ping):
read-only requests repeat a statement that met a dropped connection on a fresh one, so none of
them fails."""

import asyncio

import asyncpg
import httpx
import pytest
from sqlalchemy.engine import make_url

from humanadd.db import is_sqlite
from humanadd.dependencies import Services
from tests.conftest import MakeAccount


async def terminate_other_backends(database_url: str) -> int:
    """Kill every connection to the test database but our own, as a server restart would."""
    url = make_url(database_url)
    connection = await asyncpg.connect(
        host=url.host,
        port=url.port,
        user=url.username,
        password=url.password,
        database=url.database,
    )
    try:
        killed = await connection.fetchval(
            "SELECT count(*) FROM ("
            " SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()) AS killed"
        )
    finally:
        await connection.close()
    return int(killed)


async def test_requests_succeed_again_after_the_database_drops_every_pooled_connection(
    services: Services, client: httpx.AsyncClient, make_account: MakeAccount
) -> None:
    if is_sqlite(services.settings.database_url):
        pytest.skip("PostgreSQL only: SQLite has no server to drop connections")
    account = await make_account()
    # Side by side, so that the pool holds several connections: all of them die at once.
    warm_up = [client.get("/api/v1/calls", headers=account.headers) for _ in range(4)]
    assert [response.status_code for response in await asyncio.gather(*warm_up)] == [200] * 4

    assert await terminate_other_backends(services.settings.database_url) >= 1

    statuses = [
        (await client.get("/api/v1/calls", headers=account.headers)).status_code for _ in range(5)
    ]
    assert statuses == [200] * 5
