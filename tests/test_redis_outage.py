"""A Redis outage degrades the rate limits to per-process counters and never fails a request:
a real Redis server of the test's own, stopped and started again under traffic, and a Redis
that accepts connections but never answers."""

import asyncio
import logging
import shutil
import subprocess
import time
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import redis

from humanadd.config import Settings
from humanadd.ratelimit import REDIS_RETRY_SECONDS
from tests.conftest import MakeAccount, client_for
from tests.servers import free_port

CALLS = "/api/v1/calls"


class OwnRedis:
    """`redis-server` on a port of its own, which the test may stop and start again."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self._process = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "",
             "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        client = redis.Redis(port=self.port)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        assert self._process is not None
        self._process.kill()
        self._process.wait()
        self._process = None

    def keys(self) -> int:
        return len(redis.Redis(port=self.port).keys("humanadd*"))


@pytest.fixture
def own_redis() -> Iterator[OwnRedis]:
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    server = OwnRedis()
    server.start()
    yield server
    if server._process is not None:
        server.stop()


@pytest.fixture
async def shared_client(
    settings: Settings, own_redis: OwnRedis
) -> AsyncIterator[httpx.AsyncClient]:
    # A budget that this test's traffic does not exhaust: what it checks is that nothing fails.
    shared = settings.model_copy(
        update={"redis_url": own_redis.url, "rate_limit_per_minute": 10**6}
    )
    async with client_for(shared) as client:
        yield client


async def test_stopping_redis_under_traffic_fails_no_request_and_it_is_shared_again_once_back(
    shared_client: httpx.AsyncClient,
    own_redis: OwnRedis,
    make_account: MakeAccount,
    caplog: pytest.LogCaptureFixture,
) -> None:
    account = await make_account()
    statuses: list[int] = []

    async def traffic(seconds: float, until_back: bool = False) -> None:
        ends = time.monotonic() + seconds
        while time.monotonic() < ends and not (until_back and "Redis is back" in caplog.text):
            response = await shared_client.get(f"{CALLS}?limit=1", headers=account.headers)
            statuses.append(response.status_code)
            assert "x-ratelimit-remaining" in response.headers
            await asyncio.sleep(0.02)

    await traffic(0.2)
    assert own_redis.keys() > 0  # counted in Redis
    with caplog.at_level(logging.INFO, logger="humanadd.ratelimit"):
        running = asyncio.create_task(traffic(REDIS_RETRY_SECONDS + 1))
        await asyncio.sleep(0.3)
        own_redis.stop()
        await running
        own_redis.start()
        # Requests go on; one of them, at most a retry interval or two later, finds it back.
        await traffic(10 * REDIS_RETRY_SECONDS, until_back=True)

    assert statuses
    assert set(statuses) == {200}, "no request failed, and none was refused"
    messages = [(record.levelname, record.getMessage()) for record in caplog.records]
    assert messages == [
        ("WARNING", "Redis is out: rate limits are counted per process until it is back"),
        ("INFO", "Redis is back: rate limits are shared again"),
    ]
    assert own_redis.keys() > 0  # the new, empty Redis counts again


async def test_a_redis_that_never_answers_holds_no_request_for_long(
    settings: Settings, make_account: MakeAccount
) -> None:
    silent_connections: list[asyncio.StreamWriter] = []

    async def accept_and_say_nothing(
        _reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        silent_connections.append(writer)

    silent = await asyncio.start_server(accept_and_say_nothing, "127.0.0.1", 0)
    port = silent.sockets[0].getsockname()[1]
    account = await make_account()
    try:
        async with client_for(
            settings.model_copy(update={"redis_url": f"redis://127.0.0.1:{port}/0"})
        ) as client:
            started = time.monotonic()
            responses = [await client.get(CALLS, headers=account.headers) for _ in range(5)]
            took = time.monotonic() - started
    finally:
        for writer in silent_connections:
            writer.close()
        silent.close()

    assert [response.status_code for response in responses] == [200] * 5
    assert [response.headers["x-ratelimit-remaining"] for response in responses] == [
        "59", "58", "57", "56", "55"
    ]  # fmt: skip
    # Only the first request waited for Redis (a quarter of a second); a generous bound, so
    # that a busy machine does not fail it, against the minutes a hung connection would take.
    assert took < 5
