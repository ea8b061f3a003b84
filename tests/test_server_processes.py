"""Real `humanadd serve` processes on one database: rotation, shared rate limits, probes, logs."""

import json
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
import redis
from sqlalchemy import select

from humanadd.config import Settings
from humanadd.dependencies import Services
from humanadd.keys import service as keys
from humanadd.keys.models import ApiKey
from tests.conftest import MakeAccount, TestAccount, client_for, require_redis_url
from tests.openapi_check import OpenApiChecker
from tests.servers import Server, serve_environment, start_serve, stop_serve

CALLS = "/api/v1/calls"


def _pair(
    database_url: str, directory: Path, redis_url: str | None = None
) -> Iterator[tuple[Server, Server]]:
    environment = serve_environment(database_url, directory / "data", redis_url)
    first = start_serve(environment, directory / "first.log")
    try:
        second = start_serve(environment, directory / "second.log")
    except BaseException:
        stop_serve(first)
        raise
    try:
        yield first, second
    finally:
        stop_serve(first)
        stop_serve(second)


@pytest.fixture(scope="module")
def servers(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Server, Server]]:
    """Two `serve` processes on the test database, each with its own in-memory rate limits."""
    yield from _pair(database_url, tmp_path_factory.mktemp("servers"))


@pytest.fixture(scope="module")
def redis_servers(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Server, Server]]:
    """Two `serve` processes sharing their rate-limit counters through Redis."""
    yield from _pair(database_url, tmp_path_factory.mktemp("redis-servers"), require_redis_url())


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(trust_env=False, timeout=30) as client:
        yield client


async def test_rotated_key_is_refused_by_another_process_at_once(
    servers: tuple[Server, Server],
    http: httpx.AsyncClient,
    make_account: MakeAccount,
    services: Services,
    openapi: OpenApiChecker,
) -> None:
    first, second = servers
    account = await make_account()
    for server in servers:
        response = await http.get(f"{server.url}{CALLS}", headers=account.headers)
        assert response.status_code == 200
        openapi.check(response)

    async with services.sessions.begin() as session:
        new_key = await keys.rotate(session, account.id, actor="test")

    response = await http.get(f"{second.url}{CALLS}", headers=account.headers)
    assert response.status_code == 401
    assert response.json() == {
        "ok": False,
        "error": "invalid_api_key",
        "message": "API key not recognized.",
    }
    openapi.check(response)
    assert (await http.get(f"{first.url}{CALLS}", headers=account.headers)).status_code == 401
    rotated = TestAccount(account.id, new_key)
    for server in (second, first):
        response = await http.get(f"{server.url}{CALLS}", headers=rotated.headers)
        assert response.status_code == 200
        openapi.check(response)


async def _forget_counters(services: Services, account: TestAccount) -> None:
    """Delete Redis counters left under this key's id by an earlier run.

    Counters are keyed by key id, and a recreated test database hands out the same ids again.
    Only this key's counters go (not FLUSHDB): other tests may be using Redis right now.
    """
    async with services.sessions() as session:
        key_id = (
            await session.execute(select(ApiKey.id).where(ApiKey.account_id == account.id))
        ).scalar_one()
    client = redis.Redis.from_url(require_redis_url())
    try:
        for name in client.scan_iter(match=f"humanadd:*/key/{key_id}/*"):
            client.delete(name)
    finally:
        client.close()


async def test_61st_request_is_refused_whichever_process_gets_it(
    redis_servers: tuple[Server, Server],
    http: httpx.AsyncClient,
    make_account: MakeAccount,
    services: Services,
    openapi: OpenApiChecker,
) -> None:
    account = await make_account()
    await _forget_counters(services, account)
    first_reset = None
    for number in range(1, 61):
        server = redis_servers[number % 2]
        response = await http.get(f"{server.url}{CALLS}", headers=account.headers)
        assert response.status_code == 200, (number, response.text)
        assert response.headers["x-ratelimit-limit"] == "60"
        assert response.headers["x-ratelimit-remaining"] == str(60 - number)
        first_reset = first_reset or response.headers["x-ratelimit-reset"]
        assert response.headers["x-ratelimit-reset"] == first_reset

    for server in redis_servers:
        response = await http.get(f"{server.url}{CALLS}", headers=account.headers)
        assert response.status_code == 429
        assert response.json() == {
            "ok": False,
            "error": "rate_limited",
            "message": "Too many requests. Retry after the number of seconds in Retry-After.",
        }
        openapi.check(response)
        assert response.headers["x-ratelimit-limit"] == "60"
        assert response.headers["x-ratelimit-remaining"] == "0"
        assert response.headers["x-ratelimit-reset"] == first_reset
        assert 1 <= int(response.headers["retry-after"]) <= 60
        assert response.headers["ratelimit-policy"] == '"default";q=60;w=60'
        assert response.headers["ratelimit"].startswith('"default";r=0;t=')
        assert response.headers["x-request-id"].startswith("req_")

    other = await make_account(name="Other")
    await _forget_counters(services, other)
    response = await http.get(f"{redis_servers[0].url}{CALLS}", headers=other.headers)
    assert response.status_code == 200
    assert response.headers["x-ratelimit-remaining"] == "59"


async def test_probes_answer_without_a_key(
    servers: tuple[Server, Server], http: httpx.AsyncClient
) -> None:
    for server in servers:
        for path in ("/healthz", "/readyz"):
            response = await http.get(f"{server.url}{path}")
            assert response.status_code == 200
            assert response.json() == {"ok": True}
            assert response.headers["x-request-id"].startswith("req_")
            assert "x-ratelimit-limit" not in response.headers


async def test_logs_are_json_lines_carrying_the_request_id(
    servers: tuple[Server, Server], http: httpx.AsyncClient
) -> None:
    server = servers[0]
    response = await http.get(f"{server.url}{CALLS}/call_x")
    request_id = response.headers["x-request-id"]
    deadline = time.monotonic() + 10
    matching: list[dict[str, object]] = []
    while not matching and time.monotonic() < deadline:
        entries = [json.loads(line) for line in server.log_lines()]
        matching = [entry for entry in entries if entry.get("request_id") == request_id]
        time.sleep(0.05)
    assert matching, server.log.read_text()
    (entry,) = matching
    assert entry["message"] == "request"
    assert entry["method"] == "GET"
    assert entry["path"] == f"{CALLS}/call_x"
    assert entry["status"] == 401
    assert entry["level"] == "info"
    assert isinstance(entry["duration_ms"], float | int)
    assert str(entry["time"]).endswith("+00:00")
    # Every line the process wrote, uvicorn's start-up lines included, is a JSON object, and none
    # carries uvicorn's copy of the message with terminal colour escapes.
    lines = server.log_lines()
    assert any("Uvicorn running on" in line for line in lines)
    for line in lines:
        parsed = json.loads(line)
        assert isinstance(parsed, dict)
        assert "color_message" not in parsed
        assert "\\u001b" not in line  # an escaped terminal escape


@pytest.mark.parametrize(
    "unreachable",
    [
        "sqlite+aiosqlite:///{tmp}/no/such/dir/db.sqlite3",
        "postgresql+asyncpg://nobody@127.0.0.1:1/x",
    ],
    ids=["sqlite", "postgresql"],
)
async def test_readyz_is_503_when_the_database_is_unreachable(
    tmp_path: Path, unreachable: str
) -> None:
    settings = Settings(database_url=unreachable.format(tmp=tmp_path), data_dir=tmp_path)
    threads_before = set(threading.enumerate())
    async with client_for(settings) as client:
        response = await client.get("/readyz")
        assert response.status_code == 503
        assert response.json() == {
            "ok": False,
            "error": "not_ready",
            "message": "Database unreachable.",
        }
        assert response.headers["x-request-id"].startswith("req_")
        response = await client.get("/healthz")
        assert response.status_code == 200
        assert response.json() == {"ok": True}
    # aiosqlite finishes a failed connection on its worker thread after the error has been
    # delivered; let it do so while this event loop is still open.
    for thread in set(threading.enumerate()) - threads_before:
        thread.join(timeout=10)
