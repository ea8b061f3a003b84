"""The worker's knowledge-base job: review queued changes, and push each account's newest
version to its provider.

Pushing is per account, not per change: a push sends the whole current version, so changes
approved while a push is under way go out together with the next one. The worker leases the
account's knowledge base (`knowledge_bases.push_lease_until`) as webhook deliveries are leased:
a worker that dies mid-push loses nothing, its lease runs out and the push is done again; the
Retell push compares with what Retell holds, so doing it twice is harmless.
"""

import logging
from collections.abc import Sequence
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from humanadd.accounts.models import Provider
from humanadd.config import Settings
from humanadd.kb import repository, service
from humanadd.providers.retell.knowledge import PushFailed, RetellKnowledge

logger = logging.getLogger(__name__)

LEASE_MS = 15 * 60 * 1000
"""Longer than any push takes (Retell's processing included): a lease that runs out means its
worker is gone."""
CLAIM_LIMIT = 10


class KnowledgeTarget(Protocol):
    """Where an account's knowledge base goes: its provider."""

    async def push(
        self,
        account_id: str,
        provider_kb_id: str | None,
        entries: Sequence[tuple[str, str]],
        llm_id: str | None,
    ) -> str | None:
        """Make the provider's knowledge base of the account exactly `entries`; its id there
        (None when the provider has no ids). PushFailed with the provider's message."""
        ...

    async def close(self) -> None: ...


class Acknowledged:
    """The simulated provider's knowledge base is the pushed version in our own database, which
    its receptionist reads for new calls: pushing it is acknowledging it."""

    async def push(
        self,
        account_id: str,
        provider_kb_id: str | None,
        entries: Sequence[tuple[str, str]],
        llm_id: str | None,
    ) -> str | None:
        return None

    async def close(self) -> None:
        pass


def target_for(settings: Settings, provider: str) -> KnowledgeTarget:
    if provider == Provider.RETELL:
        if settings.retell_api_key is None:
            raise PushFailed("HUMANADD_RETELL_API_KEY is not set: no Retell account to push to")
        return RetellKnowledge(settings.retell_api_key.get_secret_value(), settings.retell_base_url)
    return Acknowledged()


async def review_queued(sessions: async_sessionmaker[AsyncSession]) -> int:
    """Review every account's queued changes (and apply the approved ones); how many accounts
    had some."""
    async with sessions() as session:
        account_ids = await repository.accounts_to_review(session)
    for account_id in account_ids:
        async with sessions.begin() as session:
            await service.review(session, account_id)
    return len(account_ids)


async def claim(sessions: async_sessionmaker[AsyncSession], now_ms: int) -> list[str]:
    async with sessions.begin() as session:
        return await repository.claim_pushes(session, now_ms, now_ms + LEASE_MS, CLAIM_LIMIT)


async def push_one(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, account_id: str, now_ms: int
) -> bool:
    """Push the account's current version (it was claimed); whether the provider took it."""
    async with sessions.begin() as session:
        job = await service.start_push(session, account_id)
    if job is None:
        return False
    target: KnowledgeTarget | None = None
    try:
        target = target_for(settings, job.provider)
        provider_kb_id = await target.push(account_id, job.provider_kb_id, job.entries, job.llm_id)
    except PushFailed as error:
        async with sessions.begin() as session:
            failures = await service.push_failed(session, job, str(error), now_ms=now_ms)
        logger.warning(
            "knowledge base push failed",
            extra={
                "account_id": account_id,
                "version": job.version,
                "failures": failures,
                "error": str(error),
            },
        )
        return False
    finally:
        if target is not None:
            await target.close()
    async with sessions.begin() as session:
        await service.push_succeeded(session, job, provider_kb_id)
    logger.info("knowledge base pushed", extra={"account_id": account_id, "version": job.version})
    return True


async def run_once(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, now_ms: int
) -> int:
    """One round: review what is queued, then push what is due; how many pushes succeeded."""
    await review_queued(sessions)
    pushed = 0
    for account_id in await claim(sessions, now_ms):
        pushed += await push_one(sessions, settings, account_id, now_ms)
    return pushed
