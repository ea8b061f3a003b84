"""Repairing what lost webhooks missed: the provider's list of calls against ours.

Sync pages through an account's upstream calls since a moment and fetches, in full, each one
that is missing here or stale (the provider knows a later stage of it than we hold). It then
re-fetches the account's calls still `ongoing` an hour after they started, whatever their
start, and settles them with what the provider says now (a call the provider no longer knows
ends as `error`). Each call is stored in a short transaction of its own, never held open while
the provider is asked, through the ingest path's own store. A failure of the provider's API is
its `ProviderError`, whatever the provider; the calls stored before it stay stored.
"""

import logging
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from humanadd.accounts import service as accounts
from humanadd.calls import repository as calls
from humanadd.providers import repository
from humanadd.providers.base import CallSource, ProviderCall
from humanadd.providers.service import stage_of, store_call

logger = logging.getLogger(__name__)

STUCK_AFTER_MS = 3600 * 1000
"""A call `ongoing` this long after it started is re-fetched."""
BATCH = 500
"""Listed calls compared with ours in one query."""


@dataclass
class SyncReport:
    listed: int = 0
    fetched: int = 0
    stored: int = 0
    settled: int = 0
    missing_upstream: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Store:
    """Fetching one call in full and storing it, counted in `report`."""

    upstream: CallSource
    report: SyncReport
    now_ms: int
    analysis_timeout_ms: int

    async def fetch(self, sessions: async_sessionmaker[AsyncSession], call_id: str) -> bool:
        """False when the provider no longer knows the call."""
        call: ProviderCall | None = await self.upstream.get_call(call_id)
        self.report.fetched += 1
        if call is None:
            self.report.missing_upstream.append(call_id)
            return False
        async with sessions.begin() as session:
            if await store_call(
                session,
                call,
                stage_of(call),
                received_at_ms=self.now_ms,
                analysis_timeout_ms=self.analysis_timeout_ms,
            ):
                self.report.stored += 1
        return True


async def sync_account(
    sessions: async_sessionmaker[AsyncSession],
    upstream: CallSource,
    account_id: str,
    *,
    since_ms: int,
    now_ms: int,
    analysis_timeout_ms: int,
) -> SyncReport:
    """Bring the account's calls since `since_ms` up to date with the provider (the calls
    stored are queued for analysis as ingest queues them: `analysis_timeout_ms`)."""
    report = SyncReport()
    store = _Store(upstream, report, now_ms, analysis_timeout_ms)
    async with sessions() as session:
        await accounts.require(session, account_id)
        agent_ids = await repository.agents_of(session, account_id)
    if not agent_ids:
        return report
    batch: list[ProviderCall] = []
    async for listed in upstream.list_calls(agent_ids, since_ms):
        report.listed += 1
        batch.append(listed)
        if len(batch) == BATCH:
            await _store_stale(sessions, store, account_id, batch)
            batch = []
    await _store_stale(sessions, store, account_id, batch)
    async with sessions() as session:
        stuck = await calls.stuck_calls(session, account_id, now_ms - STUCK_AFTER_MS)
    for call_id in stuck:
        if not await store.fetch(sessions, call_id):
            async with sessions.begin() as session:
                await calls.settle_as_error(session, account_id, call_id)
        report.settled += 1
    return report


async def _store_stale(
    sessions: async_sessionmaker[AsyncSession],
    store: _Store,
    account_id: str,
    listed: list[ProviderCall],
) -> None:
    """Fetch and store those of the listed calls that are missing here or stale, comparing
    them with ours in one query."""
    if not listed:
        return
    async with sessions() as session:
        held = await calls.stages_held(session, account_id, [call.call_id for call in listed])
    for call in listed:
        stage = held.get(call.call_id)
        if stage is None or stage < stage_of(call):
            await store.fetch(sessions, call.call_id)
