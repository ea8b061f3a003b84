"""`humanadd worker`: the background jobs, in one process.

- Webhook delivery (`webhooks.delivery`): due deliveries are claimed and sent as soon as they
  are due (the outbox is polled every `POLL_SECONDS` while idle). Several workers share the
  work: each attempt is claimed by one of them.
- Call analysis (`calls.analysis`): each call queued for it is analysed as soon as it is due
  (once the provider's analysis is in, or HUMANADD_WEBHOOK_ANALYSIS_TIMEOUT_SECONDS after the
  call ended without it), then its `call_ended` event is written; an account's topic catalogue
  is re-clustered as it grows. Leased like a delivery, so several workers share the work.
- Knowledge bases (`providers.kb_push`): every `KB_POLL_SECONDS`, queued changes are reviewed (and
  applied when approved), and each account's newest version is pushed to its provider, several
  accounts at a time. A push is leased like a delivery, so several workers share the work.
- Provider sync: every `HUMANADD_SYNC_INTERVAL_SECONDS`, each Retell-backed account's calls of
  the last day (`providers.sync`), so a lost webhook is repaired within minutes. Sync is
  idempotent: several workers only repeat each other.
"""

import asyncio
import dataclasses
import functools
import logging
import random
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from humanadd.accounts import repository as accounts_repository
from humanadd.accounts.models import Provider
from humanadd.analytics.embedding import Embedder
from humanadd.calls import analysis
from humanadd.clock import now_ms
from humanadd.config import Settings
from humanadd.db import create_engine, session_factory
from humanadd.errors import NotConfigured
from humanadd.providers import kb_push
from humanadd.providers.base import ProviderError
from humanadd.providers.registry import provider_for
from humanadd.providers.sync import sync_account
from humanadd.questions import service as questions
from humanadd.webhooks import service as webhooks
from humanadd.webhooks.delivery import Sender, claim, deliver_one

logger = logging.getLogger(__name__)
T = TypeVar("T")

SYNC_WINDOW = timedelta(days=1)
"""How far back each periodic sync looks; `humanadd sync --since` reaches further."""


async def sync_all(settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> int:
    """Sync every Retell-backed account once; how many were synced without error."""
    async with sessions() as session:
        account_ids = await accounts_repository.ids_with_provider(session, Provider.RETELL)
    if not account_ids:
        return 0
    try:
        upstream = provider_for(Provider.RETELL).calls(settings)
    except NotConfigured as error:
        logger.warning("sync skipped", extra={"reason": error.message})
        return 0
    synced = 0
    try:
        for account_id in account_ids:
            now = now_ms()
            try:
                report = await sync_account(
                    sessions,
                    upstream,
                    account_id,
                    since_ms=now - int(SYNC_WINDOW.total_seconds() * 1000),
                    now_ms=now,
                    analysis_timeout_ms=settings.analysis_timeout_ms,
                )
            except ProviderError as error:
                logger.warning(
                    "sync failed",
                    extra={
                        "account_id": account_id,
                        "error": error.message,
                        "retryable": error.retryable,
                    },
                )
                continue
            synced += 1
            logger.info("synced", extra={"account_id": account_id, **dataclasses.asdict(report)})
    finally:
        await upstream.close()
    return synced


POLL_SECONDS = 0.2
"""How often an idle worker looks for due deliveries: the delay a new event may wait."""


RECOVERY_SECONDS = 1.0
"""After a job fails (the database restarting, say), it runs again this much later."""


async def _survive(job: str, work: Callable[[], Awaitable[T]]) -> T | None:
    """Run one round of a job; a failure is logged, and the worker carries on. Nothing is lost
    by it: the outbox and the provider's records are still there for the next round."""
    try:
        return await work()
    except Exception as error:
        logger.warning("job round failed", extra={"job": job, "error": type(error).__name__})
        await asyncio.sleep(RECOVERY_SECONDS)
        return None


async def run_claimed(
    job: str,
    claim: Callable[[int], Awaitable[Sequence[T]]],
    work: Callable[[T], Awaitable[object]],
    *,
    in_flight: int,
    once: bool,
    poll_seconds: float = POLL_SECONDS,
) -> None:
    """Claim work (`claim(room)` leases up to `room` items) and do each item in a task of its
    own, up to `in_flight` at a time, claiming more as soon as there is room; for ever, or with
    `once` until nothing is left to claim. A slow item holds up no other."""
    running: set[asyncio.Task[object]] = set()
    try:
        while True:
            room = in_flight - len(running)
            claimed = await _survive(job, functools.partial(claim, room)) if room else None
            for item in claimed or ():
                task = asyncio.create_task(_survive(job, functools.partial(work, item)))
                running.add(task)
                task.add_done_callback(running.discard)
            if claimed:
                continue
            if once and not running:
                return
            if running:
                await asyncio.wait(
                    running, timeout=poll_seconds, return_when=asyncio.FIRST_COMPLETED
                )
            else:
                await asyncio.sleep(poll_seconds)
    finally:
        await asyncio.gather(*running, return_exceptions=True)


IN_FLIGHT = 200
"""Deliveries one worker sends at the same time: a slow receiver does not hold up others."""


async def deliver(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], *, once: bool
) -> None:
    """Send due deliveries for ever; with `once`, until none is due."""
    sender = Sender(settings)
    rng = random.Random()
    try:
        await run_claimed(
            "deliver",
            lambda room: claim(sessions, room, now_ms()),
            lambda delivery_id: deliver_one(sessions, sender, delivery_id, now=now_ms(), rng=rng),
            in_flight=IN_FLIGHT,
            once=once,
        )
    finally:
        await sender.close()


ANALYSES_IN_FLIGHT = 4
"""Calls one worker analyses at a time: the analysis itself is CPU work, so more would only
hold more transactions open."""


async def claim_analyses(
    sessions: async_sessionmaker[AsyncSession], room: int
) -> list[tuple[int, int]]:
    async with sessions.begin() as session:
        return await analysis.claim(session, now_ms(), room)


async def analyse_one(
    sessions: async_sessionmaker[AsyncSession], embedder: Embedder, call_pk: int, leased_until: int
) -> None:
    """Analyse one leased call and write its `call_ended` event when one is owed, in one
    transaction; then, in another, re-cluster its account's topics if they have grown enough
    (seconds of work that no webhook waits for)."""
    async with sessions.begin() as session:
        found = await analysis.analyse_due(session, embedder, call_pk, leased_until)
        if found is None:
            return
        call, analysed = found
        if call.notify_when_analysed:
            await webhooks.call_changed(session, call.account_id, analysed.record)
            call.notify_when_analysed = False
        account_id = call.account_id
    if analysed.regroup:
        async with sessions.begin() as session:
            await questions.recluster_if_grown(session, embedder, account_id)


async def analyse(
    sessions: async_sessionmaker[AsyncSession], embedder: Embedder, *, once: bool
) -> None:
    """Analyse due calls for ever; with `once`, until none is due."""
    await run_claimed(
        "analysis",
        lambda room: claim_analyses(sessions, room),
        lambda claimed: analyse_one(sessions, embedder, *claimed),
        in_flight=ANALYSES_IN_FLIGHT,
        once=once,
    )


async def load_embedder(settings: Settings) -> Embedder:
    """The question embedder, its table built on first use (about half a minute, once per data
    directory), off the event loop so that deliveries start meanwhile."""
    return await asyncio.to_thread(Embedder, settings.models_dir)


async def _every(job: str, seconds: float, work: Callable[[], Awaitable[object]]) -> None:
    """One round of `work`, then again `seconds` later, for ever."""
    while True:
        await _survive(job, work)
        await asyncio.sleep(seconds)


KB_POLL_SECONDS = 1.0
"""How often the knowledge-base jobs look for queued changes and versions to push."""
PUSHES_IN_FLIGHT = 20


async def push_knowledge(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], *, once: bool
) -> None:
    """Push due knowledge-base versions for ever; with `once`, until none is due."""
    await run_claimed(
        "knowledge-base push",
        lambda room: kb_push.claim(sessions, now_ms(), room),
        lambda claimed: kb_push.push_one(sessions, settings, *claimed),
        in_flight=PUSHES_IN_FLIGHT,
        once=once,
        poll_seconds=KB_POLL_SECONDS,
    )


async def run_jobs(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    *,
    once: bool = False,
    embedder: Embedder | None = None,
) -> None:
    """Run every job until cancelled; with `once`, one round of each. The analysis uses
    `embedder`, or loads its own (`load_embedder`) when given none."""

    async def loaded() -> Embedder:
        return embedder or await load_embedder(settings)

    if once:
        await sync_all(settings, sessions)
        await kb_push.review_queued(sessions)
        await push_knowledge(settings, sessions, once=True)
        await analyse(sessions, await loaded(), once=True)
        await deliver(settings, sessions, once=True)
        return

    async def analyse_when_loaded() -> None:
        await analyse(sessions, await loaded(), once=False)

    await asyncio.gather(
        _every("sync", settings.sync_interval_seconds, lambda: sync_all(settings, sessions)),
        _every("knowledge-base review", KB_POLL_SECONDS, lambda: kb_push.review_queued(sessions)),
        push_knowledge(settings, sessions, once=False),
        analyse_when_loaded(),
        deliver(settings, sessions, once=False),
    )


async def run(settings: Settings, *, once: bool = False) -> None:
    """`humanadd worker`: the jobs on an engine of their own."""
    engine = create_engine(settings.database_url)
    try:
        await run_jobs(settings, session_factory(engine), once=once)
    finally:
        await engine.dispose()
