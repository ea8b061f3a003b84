"""Real `humanadd serve` processes on one database: rotation, shared rate limits, probes, logs."""

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
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

CALLS = "/api/v1/calls"
STARTUP_SECONDS = 60


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def log_lines(self) -> list[str]:
        """The complete lines written so far (a line being written has no newline yet)."""
        lines = self.log.read_text().split("\n")[:-1]
        return [line for line in lines if line.strip()]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _environment(database_url: str, data_dir: Path, redis_url: str | None) -> dict[str, str]:
    """This machine's environment without any HUMANADD_* setting, plus ours."""
    environment = {
        name: value for name, value in os.environ.items() if not name.startswith("HUMANADD_")
    }
    environment.update(HUMANADD_DATABASE_URL=database_url, HUMANADD_DATA_DIR=str(data_dir))
    if redis_url:
        environment["HUMANADD_REDIS_URL"] = redis_url
    return environment


def _start(environment: dict[str, str], log: Path) -> Server:
    for _attempt in range(3):  # another process may take the free port before we bind it
        port = _free_port()
        with log.open("wb") as stderr:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "humanadd",
                    "serve",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                ],
                env=environment,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
            )
        server = Server(process, f"http://127.0.0.1:{port}", log)
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if (
                    httpx.get(f"{server.url}/healthz", timeout=1, trust_env=False).status_code
                    == 200
                ):
                    return server
            except httpx.TransportError:
                time.sleep(0.1)
        _stop(server)
    raise AssertionError(f"humanadd serve did not start:\n{log.read_text()}")


def _stop(server: Server) -> None:
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()


def _pair(
    database_url: str, directory: Path, redis_url: str | None = None
) -> Iterator[tuple[Server, Server]]:
    environment = _environment(database_url, directory / "data", redis_url)
    first = _start(environment, directory / "first.log")
    try:
        second = _start(environment, directory / "second.log")
    except BaseException:
        _stop(first)
        raise
    try:
        yield first, second
    finally:
        _stop(first)
        _stop(second)


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
