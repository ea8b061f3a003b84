"""60 requests per rolling minute per key; 30 failed authentications per minute per address."""

import math
import re
import secrets
import time
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from hypothesis import given
from hypothesis import settings as settings_for_hypothesis
from hypothesis import strategies as st
from limits import RateLimitItemPerMinute
from limits.strategies import MovingWindowRateLimiter

from humanadd.calls.records import CallRecord
from humanadd.config import Settings
from humanadd.ratelimit import RateLimiter, WindowLogStorage
from tests.conftest import AddCalls, MakeAccount, client_for, require_redis_url
from tests.openapi_check import OpenApiChecker

CALLS = "/api/v1/calls"
RATE_LIMITED = {
    "ok": False,
    "error": "rate_limited",
    "message": "Too many requests. Retry after the number of seconds in Retry-After.",
}
AUTH_LIMITED = {
    "ok": False,
    "error": "rate_limited",
    "message": "Too many failed authentication attempts from this address.",
}


def assert_rate_headers(response: httpx.Response, *, limit: int, remaining: int) -> None:
    """The `X-RateLimit-*` fields and the IETF draft's `RateLimit-Policy`/`RateLimit`."""
    headers = response.headers
    assert headers["x-ratelimit-limit"] == str(limit)
    assert headers["x-ratelimit-remaining"] == str(remaining)
    reset = int(headers["x-ratelimit-reset"])
    now = time.time()
    assert now - 1 <= reset <= now + 61, "X-RateLimit-Reset is epoch seconds"
    assert headers["ratelimit-policy"] == f'"default";q={limit};w=60'
    match = re.fullmatch(r'"default";r=(\d+);t=(\d+)', headers["ratelimit"])
    assert match is not None, headers["ratelimit"]
    assert int(match[1]) == remaining
    assert 0 <= int(match[2]) <= 60
    assert abs(int(match[2]) - (reset - now)) <= 2


async def test_61st_request_in_a_minute_is_429_with_retry_after_and_headers(
    client: httpx.AsyncClient, make_account: MakeAccount, openapi: OpenApiChecker
) -> None:
    account = await make_account()
    started = time.time()
    for number in range(1, 61):
        response = await client.get(CALLS, headers=account.headers)
        assert response.status_code == 200, (number, response.text)
        assert_rate_headers(response, limit=60, remaining=60 - number)
        assert "retry-after" not in response.headers
        if number == 1:
            first_reset = int(response.headers["x-ratelimit-reset"])
            assert math.ceil(started + 60) <= first_reset <= math.ceil(time.time() + 60)
        else:
            # The oldest counted request is still the first: the reset does not move.
            assert int(response.headers["x-ratelimit-reset"]) == first_reset

    response = await client.get(CALLS, headers=account.headers)
    assert response.status_code == 429
    assert response.json() == RATE_LIMITED
    openapi.check(response)
    assert response.headers["x-request-id"].startswith("req_")
    assert_rate_headers(response, limit=60, remaining=0)
    assert int(response.headers["x-ratelimit-reset"]) == first_reset
    retry_after = int(response.headers["retry-after"])
    assert 1 <= retry_after <= 60
    assert abs(time.time() + retry_after - first_reset) <= 2

    # Refused requests do not extend the lock-out.
    again = await client.get(CALLS, headers=account.headers)
    assert again.status_code == 429
    assert int(again.headers["x-ratelimit-reset"]) == first_reset


async def test_every_authenticated_response_counts_and_carries_the_headers(
    client: httpx.AsyncClient,
    make_account: MakeAccount,
    add_calls: AddCalls,
    openapi: OpenApiChecker,
) -> None:
    account = await make_account()
    await add_calls(account, [CallRecord(call_id="call_1", direction="inbound", started_at=1)])
    requests = [
        (CALLS, 200),
        (f"{CALLS}/call_1", 200),
        (f"{CALLS}/call_nope", 404),
        (f"{CALLS}/call_1/recording", 404),
        (f"{CALLS}?limit=0", 400),
        (f"{CALLS}?cursor=nonsense", 400),
    ]
    for number, (path, status) in enumerate(requests, start=1):
        response = await client.get(path, headers=account.headers)
        assert response.status_code == status, (path, response.text)
        openapi.check(response)
        assert_rate_headers(response, limit=60, remaining=60 - number)

    starter = await make_account(plan="starter")
    response = await client.get(CALLS, headers=starter.headers)
    assert response.status_code == 403
    assert_rate_headers(response, limit=60, remaining=59)


async def test_unauthenticated_responses_carry_no_key_budget(client: httpx.AsyncClient) -> None:
    for response in (await client.get(CALLS), await client.get("/healthz")):
        assert "x-ratelimit-limit" not in response.headers
        assert "ratelimit" not in response.headers


async def test_one_key_over_its_limit_does_not_affect_other_keys(
    client: httpx.AsyncClient, make_account: MakeAccount
) -> None:
    busy = await make_account(name="Busy")
    quiet = await make_account(name="Quiet")
    for _ in range(60):
        assert (await client.get(CALLS, headers=busy.headers)).status_code == 200
    assert (await client.get(CALLS, headers=busy.headers)).status_code == 429
    response = await client.get(CALLS, headers=quiet.headers)
    assert response.status_code == 200
    assert_rate_headers(response, limit=60, remaining=59)


async def test_the_limit_is_a_setting(
    settings: Settings, make_account: MakeAccount, openapi: OpenApiChecker
) -> None:
    account = await make_account()
    async with client_for(settings.model_copy(update={"rate_limit_per_minute": 5})) as client:
        for number in range(1, 6):
            response = await client.get(CALLS, headers=account.headers)
            assert response.status_code == 200
            assert_rate_headers(response, limit=5, remaining=5 - number)
        response = await client.get(CALLS, headers=account.headers)
        assert response.status_code == 429
        assert_rate_headers(response, limit=5, remaining=0)
        openapi.check(response)


@pytest.fixture
async def client_from_elsewhere(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the same app that connects from another address."""
    transport = httpx.ASGITransport(app=app, client=("198.51.100.7", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


async def test_31st_failed_authentication_from_an_address_is_429(
    client: httpx.AsyncClient,
    client_from_elsewhere: httpx.AsyncClient,
    make_account: MakeAccount,
    openapi: OpenApiChecker,
) -> None:
    account = await make_account()
    wrong = [{}, {"Authorization": "Bearer hak_wrong"}, {"Authorization": "Basic eDp5"}]
    for number in range(30):
        response = await client.get(CALLS, headers=wrong[number % 3])
        assert response.status_code == 401, number

    response = await client.get(CALLS, headers={"Authorization": "Bearer hak_wrong"})
    assert response.status_code == 429
    assert response.json() == AUTH_LIMITED
    openapi.check(response)
    assert 1 <= int(response.headers["retry-after"]) <= 60
    assert_rate_headers(response, limit=30, remaining=0)
    response = await client.get(f"{CALLS}/call_x")
    assert response.status_code == 429

    # A valid key from the same address still works, with its own budget.
    response = await client.get(CALLS, headers=account.headers)
    assert response.status_code == 200
    assert_rate_headers(response, limit=60, remaining=59)

    # Another address has its own failure budget.
    response = await client_from_elsewhere.get(CALLS)
    assert response.status_code == 401
    assert response.json()["error"] == "missing_api_key"


class FakeClock:
    def __init__(self, start: float) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


async def test_window_is_rolling_so_there_is_no_double_burst_at_a_minute_boundary(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FakeClock(1_800_000_000.0)
    monkeypatch.setattr(time, "time", clock)
    limiter = RateLimiter(settings)
    key_id = 7

    for _ in range(30):
        assert (await limiter.hit_key(key_id)).allowed
    clock.now += 30
    for _ in range(30):
        assert (await limiter.hit_key(key_id)).allowed

    clock.now += 29.5  # 59.5 s after the first burst: a fixed window would have reset.
    verdict = await limiter.hit_key(key_id)
    assert not verdict.allowed
    assert verdict.headers()["X-RateLimit-Reset"] == str(1_800_000_060)
    assert verdict.headers()["Retry-After"] == "1"

    clock.now += 0.6  # The first 30 leave the window; the next 30 do not.
    for _ in range(30):
        assert (await limiter.hit_key(key_id)).allowed
    verdict = await limiter.hit_key(key_id)
    assert not verdict.allowed
    assert verdict.remaining == 0
    assert verdict.headers()["X-RateLimit-Reset"] == str(1_800_000_090)
    assert verdict.headers()["Retry-After"] == "30"
    assert (await limiter.hit_key(key_id + 1)).allowed


async def test_limiters_on_redis_share_one_budget(settings: Settings) -> None:
    shared = settings.model_copy(
        update={"redis_url": require_redis_url(), "rate_limit_per_minute": 4}
    )
    first, second = RateLimiter(shared), RateLimiter(shared)
    key_id = secrets.randbelow(2**62) + 2**62  # No real key has such an id: no collisions.
    try:
        verdicts = [await (first if n % 2 else second).hit_key(key_id) for n in range(5)]
    finally:
        await first.close()
        await second.close()
    assert [verdict.allowed for verdict in verdicts] == [True, True, True, True, False]
    assert [verdict.remaining for verdict in verdicts] == [3, 2, 1, 0, 0]


@settings_for_hypothesis(max_examples=300, deadline=None)
@given(
    limit=st.integers(min_value=1, max_value=5),
    steps=st.lists(
        st.tuples(st.sampled_from([0.0, 0.5, 1.0, 30.0, 59.5, 60.0, 61.0]), st.sampled_from("ab")),
        max_size=40,
    ),
)
def test_the_window_log_is_a_moving_window(limit: int, steps: list[tuple[float, str]]) -> None:
    """Through `limits`' own strategy, every verdict and figure is the moving window's: a hit
    is allowed while fewer than `limit` hits of the key are younger than a minute, and the
    window resets a minute after its oldest hit."""
    clock = FakeClock(1_800_000_000.0)
    item = RateLimitItemPerMinute(limit)
    allowed_hits: dict[str, list[float]] = {"a": [], "b": []}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(time, "time", clock)
        limiter = MovingWindowRateLimiter(WindowLogStorage())
        for advance, key in steps:
            clock.now += advance
            in_window = [hit for hit in allowed_hits[key] if clock.now - hit < 60]
            expected = len(in_window) < limit
            assert limiter.hit(item, key) == expected
            if expected:
                in_window.append(clock.now)
            allowed_hits[key] = in_window
            stats = limiter.get_window_stats(item, key)
            assert stats.remaining == limit - len(in_window)
            assert stats.reset_time == in_window[0] + 60 if in_window else clock.now + 60


def test_the_window_log_forgets_keys_nobody_uses(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = FakeClock(1_800_000_000.0)
    monkeypatch.setattr(time, "time", clock)
    storage = WindowLogStorage()
    limiter = MovingWindowRateLimiter(storage)
    item = RateLimitItemPerMinute(60)
    for address in range(100):
        assert limiter.hit(item, "auth-failure", f"192.0.2.{address}")
    clock.now += 59
    assert limiter.hit(item, "key", "1")
    assert len(storage._windows) == 101
    clock.now += 2  # Past the sweep time: the addresses' windows are empty, the key's is not.
    assert limiter.hit(item, "key", "1")
    assert list(storage._windows) == ["LIMITER/key/1/60/1/minute"]
    assert limiter.get_window_stats(item, "key", "1").remaining == 58
