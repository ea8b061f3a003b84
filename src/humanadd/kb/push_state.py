"""The bookkeeping of knowledge-base pushes: which version is on its way to the account's
provider, which one it has, and when a failed push is tried again (the push itself is
`kb.push`)."""

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from humanadd.accounts import service as accounts
from humanadd.db import utcnow
from humanadd.kb import repository
from humanadd.kb.models import KbChangeStatus, KnowledgeBase


@dataclass(frozen=True)
class PushJob:
    """A version to push to the account's provider, and what the provider needs to know."""

    account_id: str
    provider: str
    llm_id: str | None
    provider_kb_id: str | None
    version: int
    entries: list[tuple[str, str]]
    """(entry id, text), in order."""


_NOT_PUSHED = (KbChangeStatus.APPROVED, KbChangeStatus.PUSHING, KbChangeStatus.PUSH_FAILED)


async def _leased(session: AsyncSession, account_id: str, lease: int) -> KnowledgeBase | None:
    """The account's locked knowledge base, if the push lease is still `lease`."""
    base = await repository.lock(session, account_id)
    return base if base.push_lease_until == lease else None


async def start_push(session: AsyncSession, account_id: str, lease: int) -> PushJob | None:
    """The push of the account's current version, its changes now `pushing`; None when the
    lease is lost or there is nothing to push (or no provider to push to)."""
    base = await _leased(session, account_id, lease)
    if base is None:
        return None
    account = await accounts.require(session, account_id)
    if account.provider is None:
        await _without_provider(session, base)
        return None
    if base.version <= base.pushed_version:
        base.push_lease_until = None
        return None
    await repository.set_changes(
        session,
        account_id,
        up_to_version=base.version,
        statuses=(KbChangeStatus.APPROVED, KbChangeStatus.PUSH_FAILED),
        status=KbChangeStatus.PUSHING,
    )
    entries = await repository.version_entries(session, account_id, base.version)
    return PushJob(
        account_id=account_id,
        provider=account.provider,
        llm_id=account.llm_id,
        provider_kb_id=base.provider_kb_id,
        version=base.version,
        entries=[(entry.id, entry.text) for entry in entries],
    )


async def push_succeeded(
    session: AsyncSession, job: PushJob, provider_kb_id: str | None, *, lease: int
) -> bool:
    """The provider has `job`'s version: it and every change up to it are pushed. False (and
    nothing recorded) when the lease was lost."""
    base = await _leased(session, job.account_id, lease)
    if base is None:
        return False
    now = utcnow()
    if job.version > base.pushed_version:
        base.pushed_version, base.pushed_at = job.version, now
    base.provider_kb_id = provider_kb_id or base.provider_kb_id
    base.push_lease_until = None
    if base.version == job.version:
        base.push_attempts = 0
    await repository.set_changes(
        session,
        job.account_id,
        up_to_version=job.version,
        statuses=_NOT_PUSHED,
        status=KbChangeStatus.PUSHED,
        pushed_at=now,
        error=None,
    )
    return True


RETRY_SECONDS = (2, 5, 15, 30, 60, 120, 300, 900)
"""The wait after each failed push of a version; after the last, every 15 minutes until the
provider takes it (or a newer version replaces it, which is tried at once)."""


def retry_delay_ms(failures: int) -> int:
    return RETRY_SECONDS[min(failures, len(RETRY_SECONDS)) - 1] * 1000


async def push_failed(
    session: AsyncSession, job: PushJob, message: str, *, lease: int, now_ms: int
) -> bool:
    """The push failed with the provider's `message`; the version is tried again after a
    backoff (a newer version at once). False (and nothing recorded) when the lease was lost."""
    base = await _leased(session, job.account_id, lease)
    if base is None:
        return False
    base.push_lease_until = None
    await repository.set_changes(
        session,
        job.account_id,
        up_to_version=job.version,
        statuses=(KbChangeStatus.PUSHING,),
        status=KbChangeStatus.PUSH_FAILED,
        error=message,
    )
    if base.version == job.version:
        base.push_attempts += 1
        base.next_push_at = now_ms + retry_delay_ms(base.push_attempts)
    return True


async def _without_provider(session: AsyncSession, base: KnowledgeBase) -> None:
    """No provider to push to: changes on their way wait, approved, for the next provider."""
    base.push_lease_until = None
    await repository.set_changes(
        session,
        base.account_id,
        up_to_version=base.version,
        statuses=(KbChangeStatus.PUSHING, KbChangeStatus.PUSH_FAILED),
        status=KbChangeStatus.APPROVED,
        error=None,
    )


async def provider_changed(
    session: AsyncSession, account_id: str, provider: str | None, *, new_provider: bool
) -> None:
    """The account's provider or its LLM changed: push the current version again, at once
    (with `new_provider`, to a knowledge base the new provider makes)."""
    base = await repository.lock(session, account_id)
    base.pushed_version, base.push_attempts, base.next_push_at = 0, 0, 0
    if new_provider:
        base.provider_kb_id = None
    if provider is None:
        await _without_provider(session, base)
