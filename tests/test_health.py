"""/healthz and /readyz: no key needed, GET and HEAD, 503 `not_ready` when the database is not."""

import asyncio
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest

from humanadd import health
from humanadd.app import create_app
from humanadd.config import Settings
from tests.openapi_check import OpenApiChecker

PROBES = ["/healthz", "/readyz"]
NOT_READY = {"ok": False, "error": "not_ready", "message": "Database unreachable."}


@asynccontextmanager
async def client_for(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    threads_before = set(threading.enumerate())
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http
    # aiosqlite finishes a failed connection on its worker thread after the error has been
    # delivered; let it do so while this event loop is still open.
    for thread in set(threading.enumerate()) - threads_before:
        thread.join(timeout=10)


@pytest.mark.parametrize("path", PROBES)
async def test_probe_answers_ok_without_a_key(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 200
    assert response.json() == {"ok": True}
    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-request-id"].startswith("req_")
    assert "x-ratelimit-limit" not in response.headers


@pytest.mark.parametrize("path", PROBES)
async def test_probe_answers_head_with_the_headers_of_get_and_no_body(
    client: httpx.AsyncClient, path: str
) -> None:
    get = await client.get(path)
    head = await client.head(path)
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == get.headers["content-length"] == "11"
    assert head.headers["content-type"] == "application/json"
    assert head.headers["x-request-id"].startswith("req_")


@pytest.mark.parametrize("path", PROBES)
async def test_probes_are_in_the_api_document_without_a_key(
    client: httpx.AsyncClient, openapi: OpenApiChecker, path: str
) -> None:
    document = (await client.get("/api/v1/openapi.json")).json()
    operation = document["paths"][path]["get"]
    assert "security" not in operation
    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ProbeBody"
    }
    openapi.check(await client.get(path))


@pytest.mark.parametrize(
    "unreachable",
    [
        "sqlite+aiosqlite:///{tmp}/no/such/dir/db.sqlite3",
        "postgresql+asyncpg://nobody@127.0.0.1:1/x",
    ],
    ids=["sqlite", "postgresql"],
)
async def test_readyz_is_503_not_ready_when_the_database_is_unreachable(
    tmp_path: Path, unreachable: str
) -> None:
    settings = Settings(database_url=unreachable.format(tmp=tmp_path), data_dir=tmp_path)
    async with client_for(settings) as client:
        response = await client.get("/readyz")
        assert response.status_code == 503
        assert response.json() == NOT_READY
        assert response.headers["x-request-id"].startswith("req_")
        head = await client.head("/readyz")
        assert head.status_code == 503
        assert head.content == b""
        assert head.headers["content-length"] == response.headers["content-length"]
        # The process itself is alive.
        response = await client.get("/healthz")
        assert response.status_code == 200
        assert response.json() == {"ok": True}


async def test_readyz_gives_up_on_a_database_that_does_not_answer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server that accepts the connection and then says nothing: 503 in time, not a hang."""
    accepted: list[asyncio.StreamWriter] = []

    async def silent(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(writer)

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    monkeypatch.setattr(health, "PING_TIMEOUT_SECONDS", 0.2)
    settings = Settings(
        database_url=f"postgresql+asyncpg://nobody@127.0.0.1:{port}/x", data_dir=tmp_path
    )
    try:
        async with client_for(settings) as client:
            started = asyncio.get_running_loop().time()
            response = await client.get("/readyz")
            elapsed = asyncio.get_running_loop().time() - started
        assert response.status_code == 503
        assert response.json() == NOT_READY
        assert elapsed < 5
        assert accepted, "the probe did reach the server"
    finally:
        for writer in accepted:
            writer.close()
        server.close()
        await server.wait_closed()
