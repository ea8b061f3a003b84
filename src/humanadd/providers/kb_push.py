"""The worker's knowledge-base job: review queued changes, and push each account's newest
version to its provider.

Pushing is per account, not per change: a push sends the whole current version, so changes
approved while a push is under way go out together with the next one. The worker leases the
account's knowledge base (`knowledge_bases.push_lease_until`) as webhook deliveries are leased:
a worker that dies mid-push loses nothing, its lease runs out within a minute and the push is
done again; the Retell push compares with what Retell holds, so doing it twice is harmless. The
lease is the claim's token: a push whose lease was taken over is not recorded.
"""

import asyncio
import logging
from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from humanadd.clock import now_ms
from humanadd.config import Settings
from humanadd.errors import NotConfigured
from humanadd.kb import push_state, repository, review
from humanadd.providers.base import KnowledgePush, ProviderError
from humanadd.providers.registry import provider_for

logger = logging.getLogger(__name__)

LEASE_MS = 60_000
RENEW_SECONDS = 20.0
"""A push renews its lease this often, so a lease that runs out means its worker is gone."""


async def review_queued(sessions: async_sessionmaker[AsyncSession]) -> None:
    """Review every account's queued changes (and apply the approved ones)."""
    async with sessions() as session:
        account_ids = await repository.accounts_to_review(session)
    for account_id in account_ids:
        async with sessions.begin() as session:
            await review.review(session, account_id)


async def claim(
    sessions: async_sessionmaker[AsyncSession], now_ms: int, limit: int
) -> list[tuple[str, int]]:
    """Lease up to `limit` knowledge bases due at `now_ms`: (account id, lease) pairs. The
    lease (its expiry, in epoch ms) is the claim's token: only its holder records the push."""
    lease = now_ms + LEASE_MS
    async with sessions.begin() as session:
        account_ids = await repository.claim_pushes(session, now_ms, lease, limit)
    return [(account_id, lease) for account_id in account_ids]


class _Lease:
    """A claimed push's lease, renewed while the push runs, so that a push may take as long as
    the provider needs while a dead worker's lease still runs out within a minute."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        account_id: str,
        token: int,
        clock: Callable[[], int],
    ) -> None:
        self.sessions, self.account_id, self.token, self.clock = sessions, account_id, token, clock

    async def keep(self) -> None:
        while True:
            await asyncio.sleep(RENEW_SECONDS)
            renewed = self.clock() + LEASE_MS
            try:
                async with self.sessions.begin() as session:
                    kept = await repository.renew_push_lease(
                        session, self.account_id, self.token, renewed
                    )
            except Exception as error:  # the database is away: try again at the next renewal
                logger.warning("lease renewal failed", extra={"error": type(error).__name__})
                continue
            if not kept:
                return  # another worker holds it now: this push will not be recorded
            self.token = renewed


async def push_one(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    account_id: str,
    lease: int,
    clock: Callable[[], int] = now_ms,
) -> bool:
    """Push the account's current version under the claimed `lease`; whether the provider took
    it (and it was recorded)."""
    async with sessions.begin() as session:
        job = await push_state.start_push(session, account_id, lease)
    if job is None:
        return False
    held = _Lease(sessions, account_id, lease, clock)
    keeping = asyncio.create_task(held.keep())
    target: KnowledgePush | None = None
    provider_kb_id: str | None = None
    failure: str | None = None
    try:
        target = provider_for(job.provider).knowledge(settings)
        provider_kb_id = await target.push(account_id, job.provider_kb_id, job.entries, job.llm_id)
    except (ProviderError, NotConfigured) as error:
        # Retried after a backoff either way: a refusal may be lifted, a setting given.
        failure = error.message
    except Exception as error:  # a bug or a provider answer nobody foresaw: retried all the same
        logger.exception("knowledge base push failed unexpectedly")
        failure = f"unexpected error ({type(error).__name__}); the push will be retried"
    finally:
        keeping.cancel()
        if target is not None:
            await target.close()
    async with sessions.begin() as session:
        if failure is None:
            recorded = await push_state.push_succeeded(
                session, job, provider_kb_id, lease=held.token
            )
        else:
            recorded = await push_state.push_failed(
                session, job, failure, lease=held.token, now_ms=clock()
            )
    extra = {"account_id": account_id, "version": job.version}
    if not recorded:
        logger.warning("knowledge base push not recorded: lease lost", extra=extra)
    elif failure is not None:
        logger.warning("knowledge base push failed", extra={**extra, "error": failure})
    else:
        logger.info("knowledge base pushed", extra=extra)
    return recorded and failure is None
