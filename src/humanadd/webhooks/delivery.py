"""Sending the outbox: `humanadd worker` claims due deliveries and POSTs them.

- **Claiming** takes due `pending` deliveries and leases them (`FOR UPDATE SKIP LOCKED` on
  PostgreSQL; SQLite runs one write at a time), so any number of workers send each attempt
  once. A worker that dies mid-delivery loses nothing: its lease runs out and another worker
  tries again, with the same `webhook-id`.
- **A request**: `POST`, the event's JSON (`recording_url` made absolute with
  HUMANADD_PUBLIC_URL), `User-Agent: humanadd-webhooks/<version>`, `X-Webhook-Secret` when the
  customer set one, and the Standard Webhooks headers signed with every valid signing secret.
  15 s in all; redirects are not followed (a 3xx is a failure); at most 4 KB of the answer is
  read. The address actually connected to passes the SSRF check (`destinations`).
- **Outcome**: 2xx is delivered. Otherwise the next attempt follows `SCHEDULE` (±20 % jitter);
  after a 429 or a timeout it waits at least 60 s, and longer if `Retry-After` says so; a 410
  disables the endpoint. After the last attempt the delivery is `failed`. An endpoint with
  nothing but failures for 5 days is disabled, and the audit log says so. Every attempt is
  logged (`webhook_attempts`), a failure's error in words (`failures`).
- **Trigger**: the first attempt of a delivery someone asked for (a redelivery, a recovery, a
  test event) is `manual`; the outbox's own attempts, retries of those included, are
  `scheduled`.
"""

import asyncio
import logging
import random
import socket
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import aiohttp
import orjson
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from humanadd import __version__
from humanadd.audit import service as audit
from humanadd.clock import now_ms
from humanadd.config import Settings
from humanadd.db import utcnow
from humanadd.webhooks import failures, repository, signing
from humanadd.webhooks.destinations import check_address, check_url
from humanadd.webhooks.errors import RefusedDestination
from humanadd.webhooks.models import ERROR_LENGTH, WebhookAttempt

logger = logging.getLogger(__name__)

SCHEDULE_SECONDS = (0, 5, 300, 1800, 7200, 18000, 36000, 36000)
"""Delay before each attempt after the one before it failed: 8 attempts over about 27.5 h."""
JITTER = 0.2
SLOW_DOWN_SECONDS = 60
"""At least this long after a 429 or a timeout."""
TOTAL_TIMEOUT_SECONDS = 15.0
MAX_RESPONSE_BYTES = 4096
LEASE_MS = 60_000
"""Longer than any attempt takes: a lease that runs out means its worker is gone."""
DISABLE_AFTER = timedelta(days=5)
USER_AGENT = f"humanadd-webhooks/{__version__}"


def next_delay_ms(
    attempts: int, rng: random.Random, *, slow_down: bool, retry_after: float | None
) -> int | None:
    """How long after failed attempt number `attempts` to try again; None when it was the
    last."""
    if attempts >= len(SCHEDULE_SECONDS):
        return None
    delay = SCHEDULE_SECONDS[attempts] * rng.uniform(1 - JITTER, 1 + JITTER)
    if slow_down:
        delay = max(delay, SLOW_DOWN_SECONDS)
    if retry_after is not None:
        delay = max(delay, retry_after)
    return round(delay * 1000)


def _retry_after(value: str | None) -> float | None:
    if value is None or not value.strip().isdigit():
        return None
    return float(value.strip())


class PublicOnlyResolver(AbstractResolver):
    """Resolves as usual, then refuses names that lead to addresses webhooks may not reach: the
    connection is made only to addresses checked here."""

    def __init__(self, allow_private: bool) -> None:
        self._resolver = DefaultResolver()
        self._allow_private = allow_private

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        found = await self._resolver.resolve(host, port, family)
        for item in found:
            check_address(item["host"], allow_private=self._allow_private)
        return found

    async def close(self) -> None:
        await self._resolver.close()


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    error: str | None
    """What went wrong, in words (`failures`); None when it was delivered."""
    body: str | None
    latency_ms: int
    retry_after: float | None = None
    timed_out: bool = False

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class Sender:
    """POSTs events; one per worker, with its connection pool."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.timeout_seconds = TOTAL_TIMEOUT_SECONDS
        self._http: aiohttp.ClientSession | None = None

    def _session(self) -> aiohttp.ClientSession:
        if self._http is None:
            connector = aiohttp.TCPConnector(
                resolver=PublicOnlyResolver(self.settings.webhooks_allow_private),
                limit=0,
                use_dns_cache=False,
            )
            self._http = aiohttp.ClientSession(
                connector=connector,
                timeout=aiohttp.ClientTimeout(total=self.timeout_seconds),
                auto_decompress=False,
            )
        return self._http

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()

    def body(self, payload: str) -> bytes:
        """The stored event as sent (`as_sent`)."""
        return orjson.dumps(as_sent(orjson.loads(payload), self.settings.public_url))

    async def send(self, url: str, body: bytes, headers: dict[str, str]) -> Outcome:
        started = time.perf_counter()

        def took() -> int:
            return round((time.perf_counter() - started) * 1000)

        try:
            host, _ = check_url(url, allow_insecure=self.settings.webhooks_allow_insecure)
            if _is_ip(host):
                check_address(host, allow_private=self.settings.webhooks_allow_private)
            async with self._session().post(
                url, data=body, headers=headers, allow_redirects=False
            ) as response:
                answer = await response.content.read(MAX_RESPONSE_BYTES)
                return Outcome(
                    response.status,
                    failures.answered(response.status),
                    answer.decode("utf-8", "replace"),
                    took(),
                    _retry_after(response.headers.get("Retry-After")),
                )
        except (RefusedDestination, TimeoutError, aiohttp.ClientError) as error:
            described = failures.describe(error, timeout_seconds=self.timeout_seconds)
            return Outcome(None, described, None, took(), timed_out=isinstance(error, TimeoutError))


def as_sent(payload: dict[str, Any], public_url: str) -> dict[str, Any]:
    """An event's fields as sent: `recording_url` made absolute, nothing else changed."""
    shown = dict(payload)
    if isinstance(shown.get("recording_url"), str) and shown["recording_url"].startswith("/"):
        shown["recording_url"] = public_url.rstrip("/") + shown["recording_url"]
    return shown


def _is_ip(host: str) -> bool:
    try:
        socket.inet_pton(socket.AF_INET6 if ":" in host else socket.AF_INET, host)
    except OSError:
        return False
    return True


async def deliver_one(
    sessions: async_sessionmaker[AsyncSession],
    sender: Sender,
    delivery_id: str,
    *,
    now: int,
    rng: random.Random,
) -> Outcome | None:
    """Make one attempt of a claimed delivery and record it; None when there was nothing to
    send (the delivery or its endpoint is gone)."""
    async with sessions() as session:
        found = await _prepare(session, delivery_id)
    if found is None:
        return None
    if not found.sendable:
        async with sessions.begin() as session:
            await repository.release(session, delivery_id, now + LEASE_MS)
        return None
    outcome = await _send(sender, found, now)
    async with sessions.begin() as session:
        await _record(session, found, outcome, now, rng)
    return outcome


@dataclass(frozen=True)
class _Prepared:
    """A delivery about to be attempted: its rows and the secrets that sign it now."""

    delivery: repository.DeliveryWithEvent
    secrets: list[str]

    @property
    def sendable(self) -> bool:
        endpoint = self.delivery.endpoint
        return endpoint is not None and endpoint.enabled


async def _prepare(session: AsyncSession, delivery_id: str) -> _Prepared | None:
    found = await repository.delivery_with_event(session, delivery_id)
    if found is None:
        return None
    secrets = await repository.signing_secrets(session, found.event.account_id, utcnow())
    return _Prepared(found, [row.secret for row in secrets])


async def _send(sender: Sender, found: _Prepared, now: int) -> Outcome:
    delivery, event, endpoint = found.delivery
    assert endpoint is not None
    body = sender.body(event.payload)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        **signing.headers(found.secrets, event.id, now // 1000, body),
    }
    if endpoint.secret:
        headers["X-Webhook-Secret"] = endpoint.secret
    outcome = await sender.send(endpoint.url, body, headers)
    logger.info(
        "webhook attempt",
        extra={
            "delivery_id": delivery.id,
            "status_code": outcome.status_code,
            "error": outcome.error,
            "latency_ms": outcome.latency_ms,
        },
    )
    return outcome


async def _record(
    session: AsyncSession, found: _Prepared, outcome: Outcome, now: int, rng: random.Random
) -> None:
    """Store the attempt, then what follows from it: delivered, failed, or the next try."""
    delivery, event, endpoint = found.delivery
    assert endpoint is not None
    delivery_id = delivery.id
    attempts = delivery.attempts + 1
    await repository.add(
        session,
        WebhookAttempt(
            delivery_id=delivery_id,
            # Only the attempt someone asked for is theirs: what follows is the schedule's.
            trigger=delivery.trigger if delivery.attempts == 0 else "scheduled",
            status_code=outcome.status_code,
            latency_ms=outcome.latency_ms,
            error=_fitted(outcome.error),
            response_body=outcome.body,
        ),
    )
    if outcome.delivered:
        await repository.finish(session, delivery_id, "delivered", attempts)
        await repository.mark_endpoint(session, event.account_id, failing_since=None)
        return
    if outcome.status_code == 410:
        await repository.finish(session, delivery_id, "failed", attempts)
        await _disable(session, event.account_id, "the endpoint answered 410 Gone")
        return
    delay = next_delay_ms(
        attempts,
        rng,
        slow_down=outcome.status_code == 429 or outcome.timed_out,
        retry_after=outcome.retry_after,
    )
    if delay is None:
        await repository.finish(session, delivery_id, "failed", attempts)
    else:
        await repository.retry_at(session, delivery_id, attempts, now + delay)
    failing_since = endpoint.failing_since or utcnow()
    await repository.mark_endpoint(session, event.account_id, failing_since=failing_since)
    if utcnow() - failing_since >= DISABLE_AFTER:
        await _disable(session, event.account_id, "nothing but failures for 5 days")


def _fitted(error: str | None) -> str | None:
    """The error cut to fit its column (a long host name can make it longer)."""
    if error is None or len(error) <= ERROR_LENGTH:
        return error
    return error[: ERROR_LENGTH - 1] + "…"


async def _disable(session: AsyncSession, account_id: str, reason: str) -> None:
    await repository.disable_endpoint(session, account_id, reason)
    audit.record(session, "webhook.disabled", account_id=account_id, actor="worker", reason=reason)


async def claim(sessions: async_sessionmaker[AsyncSession], limit: int, now: int) -> list[str]:
    """Lease up to `limit` deliveries due at `now` to this worker; their ids."""
    async with sessions.begin() as session:
        return await repository.claim_due(session, now, now + LEASE_MS, limit)


async def deliver_due(
    sessions: async_sessionmaker[AsyncSession],
    sender: Sender,
    *,
    now: int | None = None,
    limit: int = 100,
    rng: random.Random | None = None,
) -> int:
    """Claim the deliveries due at `now` (the clock by default) and attempt them concurrently;
    how many were attempted."""
    moment = now_ms() if now is None else now
    claimed = await claim(sessions, limit, moment)
    chooser = rng or random.Random()
    await asyncio.gather(
        *(
            deliver_one(sessions, sender, delivery_id, now=moment, rng=chooser)
            for delivery_id in claimed
        )
    )
    return len(claimed)
