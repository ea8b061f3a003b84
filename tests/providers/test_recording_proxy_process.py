"""The recording proxy in a real `humanadd serve` process: memory stays flat while a large
recording streams through, and an upstream that breaks mid-stream aborts the response."""

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from humanadd.config import Settings
from tests.conftest import TestAccount
from tests.providers.retell_fake import RETELL_API_KEY, FakeRetell, retell_call, webhook
from tests.servers import Server, serve_environment, start_serve, stop_serve

pytestmark = pytest.mark.slow

MB = 1024 * 1024


@pytest.fixture
def server(settings: Settings, tmp_path: Path, fake_retell: FakeRetell) -> Iterator[Server]:
    environment = serve_environment(settings.database_url, tmp_path / "data", None)
    environment.update(
        HUMANADD_RETELL_API_KEY=RETELL_API_KEY,
        HUMANADD_RETELL_BASE_URL=fake_retell.base_url,
        HUMANADD_RECORDING_HOSTS=f"127.0.0.1:{fake_retell.port}",
    )
    process = start_serve(environment, tmp_path / "serve.log")
    yield process
    stop_serve(process)


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(trust_env=False, timeout=60) as client:
        yield client


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


async def recorded_call(
    http: httpx.AsyncClient, server: Server, fake: FakeRetell, call_id: str, size: int
) -> str:
    fake.add_call(retell_call(call_id), recording=size)
    body, headers = webhook("call_analyzed", fake.as_sent(call_id))
    response = await http.post(f"{server.url}/ingest/retell", content=body, headers=headers)
    assert response.status_code == 204
    return f"{server.url}/api/v1/calls/{call_id}/recording"


async def test_streaming_200_mb_raises_the_servers_memory_by_less_than_30_mb(
    http: httpx.AsyncClient, server: Server, fake_retell: FakeRetell, retell_account: TestAccount
) -> None:
    size = 200 * MB
    url = await recorded_call(http, server, fake_retell, "call_big", size)
    warm_up = await http.get(url, headers={**retell_account.headers, "Range": "bytes=0-1023"})
    assert warm_up.status_code == 206
    pid = server.process.pid
    baseline = peak = rss_bytes(pid)

    received = 0
    async with http.stream("GET", url, headers=retell_account.headers) as response:
        assert response.status_code == 200
        assert response.headers["content-length"] == str(size)
        async for chunk in response.aiter_raw():
            received += len(chunk)
            if received % (8 * MB) < len(chunk):
                peak = max(peak, rss_bytes(pid))

    assert received == size
    assert peak - baseline < 30 * MB, f"RSS grew by {(peak - baseline) / MB:.1f} MB"


async def test_an_upstream_that_breaks_mid_stream_aborts_the_response(
    http: httpx.AsyncClient, server: Server, fake_retell: FakeRetell, retell_account: TestAccount
) -> None:
    url = await recorded_call(http, server, fake_retell, "call_broken", 4 * MB)
    fake_retell.break_after = 1 * MB

    received = bytearray()

    async def read_all(response: httpx.Response) -> None:
        async for chunk in response.aiter_raw():
            received.extend(chunk)

    async with http.stream("GET", url, headers=retell_account.headers) as response:
        assert response.status_code == 200
        assert response.headers["content-length"] == str(4 * MB)
        with pytest.raises(httpx.RemoteProtocolError):
            await read_all(response)
    assert 0 < len(received) < 4 * MB

    await asyncio.sleep(0.2)
    log = "\n".join(server.log_lines())
    assert "recording upstream failed mid-stream; the response is aborted" in log
    assert "/recordings/" not in log
    assert "sig=" not in log


async def test_a_304_over_a_real_connection_has_no_body(
    http: httpx.AsyncClient, server: Server, fake_retell: FakeRetell, retell_account: TestAccount
) -> None:
    url = await recorded_call(http, server, fake_retell, "call_cached", 1 * MB)
    etag = fake_retell.validators_of("call_cached")["etag"]

    for method in ("GET", "HEAD", "GET"):
        response = await http.request(
            method, url, headers={**retell_account.headers, "If-None-Match": etag}
        )
        assert (response.status_code, response.content) == (304, b"")
        assert response.headers["etag"] == etag
    whole = await http.get(url, headers=retell_account.headers)
    assert (whole.status_code, len(whole.content)) == (200, 1 * MB)
