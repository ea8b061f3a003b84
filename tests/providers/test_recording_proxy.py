"""The recording proxy: a provider-held recording streamed through, Range and all."""

import logging
import time
from typing import Any

import httpx
import pytest

from humanadd.config import Settings
from humanadd.dependencies import Services
from humanadd.providers import recording_proxy
from tests.conftest import TestAccount, client_for
from tests.openapi_check import OpenApiChecker
from tests.providers.retell_fake import FakeRetell, retell_call, wav_bytes, webhook

SIZE = 300_000
AUDIO = wav_bytes(SIZE, 0, SIZE)
FETCH_FAILED = {"ok": False, "error": "fetch_failed", "message": "Upstream error. Retry."}


async def deliver(client: httpx.AsyncClient, call: dict[str, Any]) -> None:
    body, headers = webhook("call_analyzed", call)
    assert (await client.post("/ingest/retell", content=body, headers=headers)).status_code == 204


@pytest.fixture
async def recorded(
    client: httpx.AsyncClient, fake_retell: FakeRetell, retell_account: TestAccount
) -> str:
    """A call whose recording Retell holds; its id."""
    fake_retell.add_call(retell_call("call_recorded"), recording=AUDIO)
    await deliver(client, fake_retell.as_sent("call_recorded"))
    fake_retell.requests.clear()
    return "/api/v1/calls/call_recorded/recording"


def no_upstream_url(response: httpx.Response, caplog: pytest.LogCaptureFixture) -> None:
    shown = response.text + str(response.headers) + caplog.text
    assert "/recordings/" not in shown
    assert "sig=" not in shown


async def test_the_whole_recording_streams_through(
    client: httpx.AsyncClient,
    retell_account: TestAccount,
    recorded: str,
    openapi: OpenApiChecker,
    caplog: pytest.LogCaptureFixture,
) -> None:
    response = await client.get(recorded, headers=retell_account.headers)

    assert response.status_code == 200
    assert response.content == AUDIO
    assert response.headers["content-type"] == "audio/wav"
    assert response.headers["content-length"] == str(SIZE)
    assert response.headers["accept-ranges"] == "bytes"
    openapi.check(response)
    no_upstream_url(response, caplog)
    detail = await client.get("/api/v1/calls/call_recorded", headers=retell_account.headers)
    assert detail.json()["call"]["recording_url"] == "/api/v1/calls/call_recorded/recording"


@pytest.mark.parametrize(
    ("requested", "content_range", "part"),
    [
        ("bytes=100-199", "bytes 100-199/300000", slice(100, 200)),
        ("bytes=299990-", "bytes 299990-299999/300000", slice(299_990, None)),
        ("bytes=-44", "bytes 299956-299999/300000", slice(-44, None)),
    ],
)
async def test_a_range_is_forwarded_and_answered_206(
    client: httpx.AsyncClient,
    retell_account: TestAccount,
    recorded: str,
    requested: str,
    content_range: str,
    part: slice,
) -> None:
    headers = {**retell_account.headers, "Range": requested}
    response = await client.get(recorded, headers=headers)

    assert response.status_code == 206
    assert response.headers["content-range"] == content_range
    assert response.content == AUDIO[part]
    assert response.headers["content-length"] == str(len(AUDIO[part]))

    head = await client.head(recorded, headers=headers)
    assert (head.status_code, head.content) == (206, b"")
    assert head.headers["content-range"] == content_range


async def test_a_range_past_the_end_is_416(
    client: httpx.AsyncClient, retell_account: TestAccount, recorded: str
) -> None:
    response = await client.get(
        recorded, headers={**retell_account.headers, "Range": "bytes=400000-"}
    )
    assert response.status_code == 416
    assert response.json()["error"] == "range_not_satisfiable"
    assert response.headers["content-range"] == "bytes */300000"


async def test_an_expired_url_is_replaced_by_a_fresh_one_from_the_provider(
    client: httpx.AsyncClient,
    retell_account: TestAccount,
    fake_retell: FakeRetell,
    recorded: str,
) -> None:
    expired = fake_retell.as_sent("call_recorded")
    expired["recording_url"] = fake_retell.recording_url(
        "call_recorded", expires_ms=round(time.time() * 1000) - 1000
    )
    await deliver(client, expired)
    fake_retell.requests.clear()

    response = await client.get(recorded, headers=retell_account.headers)

    assert (response.status_code, response.content) == (200, AUDIO)
    assert fake_retell.requests == ["recording", "get-call", "recording"]
    fake_retell.requests.clear()
    again = await client.get(recorded, headers=retell_account.headers)
    assert again.status_code == 200
    assert fake_retell.requests == ["recording"]  # the fresh URL was stored


async def test_a_recording_the_upstream_no_longer_has_is_500_fetch_failed(
    client: httpx.AsyncClient,
    retell_account: TestAccount,
    fake_retell: FakeRetell,
    recorded: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    del fake_retell.recordings["call_recorded"]  # the store answers 404
    fake_retell.calls["call_recorded"]["recording_url"] = None  # and the call has none now

    with caplog.at_level(logging.WARNING, logger="humanadd.providers.recording_proxy"):
        response = await client.get(recorded, headers=retell_account.headers)

    assert response.status_code == 500
    assert response.json() == FETCH_FAILED
    assert fake_retell.requests == ["recording", "get-call"]
    no_upstream_url(response, caplog)


async def test_a_host_off_the_allowlist_is_never_fetched(
    client: httpx.AsyncClient,
    retell_account: TestAccount,
    fake_retell: FakeRetell,
    caplog: pytest.LogCaptureFixture,
) -> None:
    call = retell_call("call_elsewhere", recording_url="https://evil.example:8443/a/secret.wav")
    await deliver(client, call)

    with caplog.at_level(logging.WARNING, logger="humanadd.providers.recording_proxy"):
        response = await client.get(
            "/api/v1/calls/call_elsewhere/recording", headers=retell_account.headers
        )

    assert response.status_code == 500
    assert response.json() == FETCH_FAILED
    (record,) = caplog.records
    assert (record.getMessage(), record.host) == ("recording host not allowed", "evil.example")  # type: ignore[attr-defined]
    assert "secret" not in caplog.text + response.text


@pytest.mark.parametrize("status", [500, 503])
async def test_an_upstream_error_is_500_fetch_failed(
    client: httpx.AsyncClient,
    retell_account: TestAccount,
    fake_retell: FakeRetell,
    recorded: str,
    status: int,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake_retell.fail_with = status
    with caplog.at_level(logging.WARNING):
        response = await client.get(recorded, headers=retell_account.headers)

    assert response.status_code == 500
    assert response.json() == FETCH_FAILED
    assert "content-range" not in response.headers
    no_upstream_url(response, caplog)
    assert "recording upstream refused" in caplog.text


async def test_an_upstream_timeout_is_500_fetch_failed(
    settings: Settings,
    retell_account: TestAccount,
    fake_retell: FakeRetell,
    recorded: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(recording_proxy, "READ_TIMEOUT_SECONDS", 0.3)
    fake_retell.recording_delay = 2.0
    async with client_for(settings) as other:
        response = await other.get(recorded, headers=retell_account.headers)
    assert response.status_code == 500
    assert response.json() == FETCH_FAILED


async def test_an_upstream_that_refuses_connections_is_500_fetch_failed(
    client: httpx.AsyncClient,
    retell_account: TestAccount,
    fake_retell: FakeRetell,
    services: Services,
) -> None:
    call = retell_call("call_down", recording_url=fake_retell.recording_url("call_recorded"))
    await deliver(client, call)
    fake_retell.stop()

    response = await client.get("/api/v1/calls/call_down/recording", headers=retell_account.headers)

    assert response.status_code == 500
    assert response.json() == FETCH_FAILED


# --- validators and conditional requests --------------------------------------------------


@pytest.fixture(params=[True, False], ids=["upstream-honours", "upstream-ignores"])
def conditional_upstream(request: pytest.FixtureRequest, fake_retell: FakeRetell) -> FakeRetell:
    """The store, answering `If-None-Match` and `If-Range` itself or ignoring them: the answer
    is the same either way."""
    fake_retell.honours_conditions = request.param
    return fake_retell


async def test_the_upstreams_etag_and_date_pass_through(
    client: httpx.AsyncClient,
    retell_account: TestAccount,
    fake_retell: FakeRetell,
    recorded: str,
    openapi: OpenApiChecker,
) -> None:
    expected = fake_retell.validators_of("call_recorded")
    for headers in ({}, {"Range": "bytes=0-9"}):
        for method in ("GET", "HEAD"):
            response = await client.request(
                method, recorded, headers={**retell_account.headers, **headers}
            )
            assert response.status_code == (206 if headers else 200)
            assert response.headers["etag"] == expected["etag"]
            assert response.headers["last-modified"] == expected["last-modified"]
            if method == "GET":
                openapi.check(response)


@pytest.mark.parametrize("method", ["GET", "HEAD"])
async def test_a_matching_if_none_match_is_304(
    client: httpx.AsyncClient,
    retell_account: TestAccount,
    conditional_upstream: FakeRetell,
    recorded: str,
    method: str,
) -> None:
    etag = conditional_upstream.validators_of("call_recorded")["etag"]
    for sent in (etag, f'"other", W/{etag}', "*"):
        headers = {**retell_account.headers, "If-None-Match": sent, "Range": "bytes=0-9"}
        response = await client.request(method, recorded, headers=headers)

        assert (response.status_code, response.content) == (304, b"")
        assert response.headers["etag"] == etag
        assert "content-length" not in response.headers
        assert "content-type" not in response.headers
    other = await client.get(recorded, headers={**retell_account.headers, "If-None-Match": '"x"'})
    assert (other.status_code, other.content) == (200, AUDIO)


async def test_if_range_serves_the_range_only_while_it_is_current(
    client: httpx.AsyncClient,
    retell_account: TestAccount,
    conditional_upstream: FakeRetell,
    recorded: str,
) -> None:
    validators = conditional_upstream.validators_of("call_recorded")
    ranged = {**retell_account.headers, "Range": "bytes=100-199"}
    for current in validators.values():
        response = await client.get(recorded, headers={**ranged, "If-Range": current})
        assert (response.status_code, response.content) == (206, AUDIO[100:200])
        assert response.headers["content-range"] == "bytes 100-199/300000"

    conditional_upstream.requests.clear()
    stale = await client.get(recorded, headers={**ranged, "If-Range": '"stale"'})
    assert (stale.status_code, stale.content) == (200, AUDIO)
    assert stale.headers["content-length"] == str(SIZE)
    assert "content-range" not in stale.headers
    # An upstream that ignored If-Range sent the range: it is asked again for the whole.
    honoured = conditional_upstream.honours_conditions
    assert conditional_upstream.requests == ["recording"] * (1 if honoured else 2)


async def test_without_validators_upstream_there_are_none_and_only_a_star_matches(
    client: httpx.AsyncClient,
    retell_account: TestAccount,
    conditional_upstream: FakeRetell,
    recorded: str,
) -> None:
    conditional_upstream.validators = False
    plain = await client.get(recorded, headers=retell_account.headers)
    assert plain.status_code == 200
    assert "etag" not in plain.headers
    assert "last-modified" not in plain.headers

    headers = retell_account.headers
    star = await client.get(recorded, headers={**headers, "If-None-Match": "*"})
    assert (star.status_code, star.content, dict(star.headers).get("etag")) == (304, b"", None)
    tagged = await client.get(recorded, headers={**headers, "If-None-Match": '"x"'})
    assert (tagged.status_code, tagged.content) == (200, AUDIO)
    ranged = {**headers, "Range": "bytes=0-9", "If-Range": "Wed, 15 Jan 2025 18:25:31 GMT"}
    whole = await client.get(recorded, headers=ranged)
    assert (whole.status_code, whole.content) == (200, AUDIO)
