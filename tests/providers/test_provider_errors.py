"""One `ProviderError` for every vendor: Retell's SDK errors map to it (with whether a retry
may help), and the worker, sync, recording proxy and KB push treat it alike whoever raised it."""

import logging
from collections.abc import AsyncIterator, Sequence

import httpx
import pytest
import retell

from humanadd import worker
from humanadd.config import Settings
from humanadd.dependencies import Services
from humanadd.errors import FetchFailed, NotConfigured
from humanadd.providers import registry
from humanadd.providers.base import CallEvents, ProviderCall, ProviderError
from humanadd.providers.recording_proxy import fresh_recording_url
from humanadd.providers.retell import errors
from humanadd.providers.retell.client import RetellClient
from humanadd.recordings import CallKey
from tests.conftest import Cli, TestAccount
from tests.kb.support import change, queue
from tests.providers.retell_fake import RETELL_API_KEY, FakeRetell
from tests.providers.test_kb_push import HOURS, push_now

REQUEST = httpx.Request("GET", "https://api.retellai.com/v2/get-call/call_x")


def status_error(status: int) -> retell.APIStatusError:
    body = {"error_message": "nope"}
    response = httpx.Response(status, request=REQUEST, json=body)
    return retell.APIStatusError("nope", response=response, body=body)


@pytest.mark.parametrize(
    ("error", "retryable"),
    [
        (retell.APIConnectionError(request=REQUEST), True),
        (retell.APITimeoutError(request=REQUEST), True),
        *((status_error(status), True) for status in (408, 409, 429, 500, 502, 503, 504)),
        *((status_error(status), False) for status in (400, 401, 403, 404, 410, 422)),
        (
            retell.APIResponseValidationError(
                httpx.Response(200, request=REQUEST), body=None, message="unexpected"
            ),
            False,
        ),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, Exception) else str(value),
)
def test_retell_errors_say_whether_retrying_may_help(
    error: retell.APIError, retryable: bool
) -> None:
    mapped = errors.provider_error(error)
    assert (type(mapped), mapped.retryable) == (ProviderError, retryable)


def test_the_message_is_what_retell_answered() -> None:
    assert errors.provider_error(status_error(422)).message == "Retell answered 422: nope"
    assert errors.provider_error(retell.APIConnectionError(request=REQUEST)).message == (
        "Retell could not be reached: Connection error."
    )


@pytest.mark.parametrize(("status", "retryable"), [(503, True), (403, False)])
async def test_retells_api_failing_is_a_provider_error(
    fake_retell: FakeRetell, status: int, retryable: bool
) -> None:
    fake_retell.fail_with = status
    client = RetellClient(RETELL_API_KEY, fake_retell.base_url)
    try:
        with pytest.raises(ProviderError) as raised:
            await client.get_call("call_any")
        with pytest.raises(ProviderError):
            [call async for call in client.list_calls(["agent_any"], 0)]
    finally:
        await client.close()
    assert (raised.value.message, raised.value.retryable) == (
        f"Retell answered {status}: upstream failure",
        retryable,
    )


class Down:
    """A vendor whose API fails every request with `error`."""

    name = "down"

    def __init__(self, error: ProviderError) -> None:
        self.error = error

    def call_events(self, settings: Settings) -> CallEvents:
        raise NotConfigured("no webhooks")

    def calls(self, settings: Settings) -> "Down":
        return self

    recordings = knowledge = calls

    async def list_calls(
        self, agent_ids: Sequence[str], since_ms: int
    ) -> AsyncIterator[ProviderCall]:
        raise self.error
        yield  # an async generator, as a call source's listing is

    async def get_call(self, call_id: str) -> ProviderCall | None:
        raise self.error

    async def recording_url(self, call_id: str) -> str | None:
        raise self.error

    async def push(self, *_: object) -> str | None:
        raise self.error

    async def close(self) -> None:
        pass


@pytest.fixture(params=[True, False], ids=["retryable", "final"])
def down(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Down:
    """Retell's registry line replaced by a vendor that is down."""
    vendor = Down(ProviderError("the vendor is down", retryable=request.param))
    monkeypatch.setitem(registry.PROVIDERS, "retell", vendor)  # type: ignore[index]
    return vendor


async def test_a_failed_push_is_recorded_with_the_vendors_message(
    services: Services, settings: Settings, retell_account: TestAccount, down: Down
) -> None:
    queued = await queue(services, retell_account, HOURS)

    assert not await push_now(services, settings, retell_account)

    failed = await change(services, queued)
    assert (failed.status, failed.error) == ("push_failed", "the vendor is down")


async def test_sync_cli_says_the_providers_api_failed(
    cli: Cli, retell_account: TestAccount, down: Down
) -> None:
    result = await cli("sync", retell_account.id)

    assert result.exit_code == 1
    assert "the provider's API failed: the vendor is down" in result.stderr


async def test_the_worker_logs_a_failed_sync_and_carries_on(
    services: Services,
    settings: Settings,
    retell_account: TestAccount,
    down: Down,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO, logger="humanadd.worker"):
        await worker.sync_all(settings, services.sessions)

    ours = [
        (record.message, record.__dict__.get("error"), record.__dict__.get("retryable"))
        for record in caplog.records
        if record.__dict__.get("account_id") == retell_account.id
    ]
    assert ours == [("sync failed", "the vendor is down", down.error.retryable)]


async def test_the_recording_proxy_answers_fetch_failed(
    services: Services, settings: Settings, retell_account: TestAccount, down: Down
) -> None:
    with pytest.raises(FetchFailed):
        await fresh_recording_url(
            services.sessions, settings, CallKey(retell_account.id, "call_recorded")
        )
