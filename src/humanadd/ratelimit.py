"""Rate limits as moving windows (no double burst across a minute boundary), via `limits`.

Counters live in process memory by default and in Redis when `HUMANADD_REDIS_URL` is set, so
that every `serve` process shares one budget per key. A Redis that fails or is slow (beyond
`REDIS_TIMEOUT_SECONDS`) never fails a request: the process counts in its own memory until Redis
answers again, trying it again every `REDIS_RETRY_SECONDS`, and logs one warning per outage.

In memory, `limits`' synchronous storage is used (`WindowLogStorage`, below): its operations
never wait on anything. The asyncio flavour of that storage starts a clean-up task on nearly
every hit, each one hopping to a worker thread (`asyncio.to_thread`) for every key: measured at
30 to 70 µs a request against a few µs for the synchronous one.
"""

import asyncio
import hashlib
import logging
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import TypeVar

from limits import RateLimitItemPerMinute, WindowStats
from limits.aio.storage import RedisStorage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter as MemoryMovingWindowRateLimiter
from redis.asyncio import ConnectionPool

from humanadd.config import Settings

logger = logging.getLogger(__name__)
T = TypeVar("T")

WINDOW_SECONDS = 60
REDIS_TIMEOUT_SECONDS = 0.25
"""The longest a request waits on Redis before it is counted in memory instead."""
REDIS_RETRY_SECONDS = 1.0
"""While Redis is out, how often a request tries it again (the others go straight to memory)."""
LOGIN_WINDOW_MINUTES = 15
LOGIN_FAILURES_PER_EMAIL = 10
LOGIN_FAILURES_PER_ADDRESS = 50
"""Failed dashboard logins allowed per LOGIN_WINDOW_MINUTES, then every login is refused."""


class WindowLogStorage(MemoryStorage):
    """`limits`' memory storage, with moving windows kept oldest first in a deque per key.

    `MemoryStorage` keeps each window as a list, newest first, and inserts every hit at its
    front: a hit costs time in proportion to the requests already in the window. At the
    default limit that is nothing, but at a limit of some thousands a minute it outweighs the
    rest of a request (87 µs a hit with 200,000 entries, against 6 µs with 1,000). Here a hit
    appends at the end and expired entries leave from the front: constant time whatever the
    limit. Only the moving-window methods change, with the library's meaning; windows nobody
    has hit for a whole window are dropped every `SWEEP_SECONDS`.

    Used from the event loop's thread only, so it takes no locks.
    """

    SWEEP_SECONDS = 60.0

    def __init__(self) -> None:
        super().__init__()
        self._windows: dict[str, deque[float]] = {}
        self._next_sweep = time.time() + self.SWEEP_SECONDS

    def _current(self, key: str, expiry: int, now: float) -> deque[float]:
        """The window of `key` without the entries that have left it (created when missing).

        An entry leaves the window when it is exactly `expiry` seconds old: the library's list
        still refuses a hit with it for that very instant, while no longer counting it.
        """
        window = self._windows.get(key)
        if window is None:
            window = self._windows[key] = deque()
        leaving = now - expiry
        while window and window[0] <= leaving:
            window.popleft()
        return window

    def _sweep(self, now: float, expiry: int) -> None:
        self._next_sweep = now + self.SWEEP_SECONDS
        for key in [key for key, window in self._windows.items() if window[-1] <= now - expiry]:
            del self._windows[key]

    def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        now = time.time()
        if now >= self._next_sweep:
            self._sweep(now, expiry)
        window = self._current(key, expiry, now)
        if len(window) + amount > limit:
            return False
        window.extend([now] * amount)
        return True

    def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[float, int]:
        """(When the oldest entry in the window was made, how many entries it holds)."""
        now = time.time()
        window = self._current(key, expiry, now)
        if not window:
            del self._windows[key]
            return now, 0
        return window[0], len(window)

    def clear(self, key: str) -> None:
        super().clear(key)
        self._windows.pop(key, None)

    def reset(self) -> int | None:
        windows = len(self._windows)
        self._windows.clear()
        return max(windows, super().reset() or 0)


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    limit: int
    remaining: int
    reset_time: float
    """Epoch time at which the oldest counted request leaves the window."""

    def headers(self) -> dict[str, str]:
        """`X-RateLimit-*`, the IETF draft's `RateLimit-Policy`/`RateLimit`, and `Retry-After`."""
        seconds_left = max(0, math.ceil(self.reset_time - time.time()))
        headers = {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(math.ceil(self.reset_time)),
            "RateLimit-Policy": f'"default";q={self.limit};w={WINDOW_SECONDS}',
            "RateLimit": f'"default";r={self.remaining};t={seconds_left}',
        }
        if not self.allowed:
            headers["Retry-After"] = str(max(1, seconds_left))
        return headers


async def _test(
    item: RateLimitItemPerMinute, identifier: str, shared: MovingWindowRateLimiter
) -> bool:
    return await shared.test(item, identifier)


class RateLimiter:
    """Per-key request budget and per-address failed-authentication budget."""

    def __init__(self, settings: Settings) -> None:
        self._redis_pool: ConnectionPool | None = None
        self._shared: MovingWindowRateLimiter | None = None
        # Always there: the counters when there is no Redis, and while Redis is out.
        self._memory = MemoryMovingWindowRateLimiter(WindowLogStorage())
        self._out_since: float | None = None
        self._retry_at = 0.0
        self.outages = 0
        """Redis outages this process has seen (each one logged once)."""
        if settings.redis_url:
            # Our own pool, so that `close()` can release its connections at shutdown; short
            # socket timeouts, so that a dead Redis fails fast instead of holding requests.
            self._redis_pool = ConnectionPool.from_url(
                settings.redis_url,
                socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
                socket_timeout=REDIS_TIMEOUT_SECONDS,
            )
            storage = RedisStorage(
                f"async+{settings.redis_url}",
                implementation="redispy",
                key_prefix="humanadd",
                connection_pool=self._redis_pool,  # type: ignore[arg-type]
                wrap_exceptions=True,
            )
            self._shared = MovingWindowRateLimiter(storage)
        self._per_key = RateLimitItemPerMinute(settings.rate_limit_per_minute)
        self._per_address = RateLimitItemPerMinute(settings.auth_failures_per_minute)
        self._logins_per_email = RateLimitItemPerMinute(
            LOGIN_FAILURES_PER_EMAIL, LOGIN_WINDOW_MINUTES
        )
        self._logins_per_address = RateLimitItemPerMinute(
            LOGIN_FAILURES_PER_ADDRESS, LOGIN_WINDOW_MINUTES
        )

    @property
    def redis_out(self) -> bool:
        """Whether Redis is configured but out: the counters are this process's own."""
        return self._out_since is not None

    async def _on_redis(
        self, operation: Callable[[MovingWindowRateLimiter], Awaitable[T]]
    ) -> T | None:
        """`operation` on the shared counters; None when there are none, or when Redis is out
        (failing, or slower than `REDIS_TIMEOUT_SECONDS`): then the caller counts in memory."""
        if self._shared is None:
            return None
        now = time.monotonic()
        if self._out_since is not None and now < self._retry_at:
            return None
        try:
            async with asyncio.timeout(REDIS_TIMEOUT_SECONDS):
                result = await operation(self._shared)
        except (StorageError, TimeoutError, OSError) as error:
            self._retry_at = now + REDIS_RETRY_SECONDS
            if self._out_since is None:
                self._out_since = now
                self.outages += 1
                logger.warning(
                    "Redis is out: rate limits are counted per process until it is back",
                    extra={"error": type(getattr(error, "storage_error", error)).__name__},
                )
            return None
        if self._out_since is not None:
            logger.info(
                "Redis is back: rate limits are shared again",
                extra={"out_seconds": round(now - self._out_since, 1)},
            )
            self._out_since = None
        return result

    async def close(self) -> None:
        """Release the Redis connections, if any."""
        if self._redis_pool is not None:
            await self._redis_pool.aclose()

    async def hit_key(self, key_id: int) -> Verdict:
        """Count one request for this key; the verdict says whether it may proceed."""
        return await self._hit(self._per_key, "key", str(key_id))

    async def hit_failed_auth(self, address: str) -> Verdict:
        """Count one failed authentication from this client address."""
        return await self._hit(self._per_address, "auth-failure", address)

    def _login_budgets(self, email: str, address: str) -> list[tuple[RateLimitItemPerMinute, str]]:
        # The email is hashed: the counters' keys (in Redis, perhaps) carry no address.
        email_digest = hashlib.sha256(email.encode()).hexdigest()[:32]
        return [
            (self._logins_per_email, f"login-email:{email_digest}"),
            (self._logins_per_address, f"login-address:{address}"),
        ]

    async def login_locked(self, email: str, address: str) -> bool:
        """Whether this email or this address has used up its failed logins: then even the
        right password is refused until the window moves on."""
        for item, identifier in self._login_budgets(email, address):
            allowed = await self._on_redis(partial(_test, item, identifier))
            if allowed is None:
                allowed = self._memory.test(item, identifier)
            if not allowed:
                return True
        return False

    async def count_login_failure(self, email: str, address: str) -> None:
        for item, identifier in self._login_budgets(email, address):
            await self._hit(item, identifier)

    async def _hit(self, item: RateLimitItemPerMinute, *identifiers: str) -> Verdict:
        async def on_redis(shared: MovingWindowRateLimiter) -> tuple[bool, WindowStats]:
            allowed = await shared.hit(item, *identifiers)
            return allowed, await shared.get_window_stats(item, *identifiers)

        found = await self._on_redis(on_redis)
        if found is None:
            found = (
                self._memory.hit(item, *identifiers),
                self._memory.get_window_stats(item, *identifiers),
            )
        allowed, stats = found
        return Verdict(
            allowed=allowed,
            limit=item.amount,
            remaining=stats.remaining,
            reset_time=stats.reset_time,
        )
