"""Knowledge bases: queueing changes, reviewing and applying them in order, rolling back, and
the bookkeeping of pushes (DESIGN.md §6; the push itself is `kb.push`).

A change goes `pending_review` → (checks) → `held` or `approved` → (applied: a new version) →
`pushing` → `pushed` or `push_failed`; an operator takes a held change to `approved` or
`rejected`. An account's changes apply in the order they were made: a held change keeps the
later ones waiting. Whoever applies changes locks the account's `knowledge_bases` row first, so
versions are made one at a time whichever process makes them.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from humanadd.accounts import service as accounts
from humanadd.accounts.service import AccountError
from humanadd.audit import service as audit
from humanadd.cursors.codec import CursorCodec
from humanadd.db import utcnow
from humanadd.idempotency import service as idempotency
from humanadd.idempotency.service import Answer
from humanadd.kb import checks, repository
from humanadd.kb.models import (
    KbChange,
    KbChangeStatus,
    KbEntry,
    KbPolicy,
    KbVersion,
    KnowledgeBase,
)
from humanadd.kb.schemas import KbChangeQueued, KbChangeRequest, change_body

API_PATH = "/api/v1/kb"
AUTO = "auto"
"""Who decided, when the automatic checks approved a change."""


class KbError(AccountError):
    """An operator asked for something the knowledge base cannot do (unknown change or
    version, a change that is not held)."""


async def queue_change(
    session: AsyncSession, account_id: str, request: KbChangeRequest
) -> KbChangeQueued:
    """Store the change as `pending_review`; the worker reviews it."""
    change = await repository.add_change(
        session, account_id, text=request.text, replace=request.replace
    )
    return KbChangeQueued(change_id=change.id)


async def submit_change(
    session: AsyncSession,
    account_id: str,
    request: KbChangeRequest,
    idempotency_key: str | None,
) -> Answer:
    """`POST /kb`: queue the change once per `Idempotency-Key`, replaying the answer to retries."""
    idempotent = idempotency.request_for(
        idempotency_key, "POST", API_PATH, request.model_dump(mode="json")
    )

    async def queue() -> Answer:
        return Answer.of(await queue_change(session, account_id, request))

    return await idempotency.perform(session, account_id, idempotent, queue)


# -- reading ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class KbView:
    version: int
    entries: list[KbEntry]
    pushed: bool
    pushed_at: datetime | None


CHANGES_CURSOR = "kb_changes"


async def changes_page(
    session: AsyncSession,
    codec: CursorCodec,
    account_id: str,
    *,
    limit: int,
    cursor: str | None,
) -> dict[str, Any]:
    """A `KbChangeList` page: the account's changes newest first, from the cursor on."""
    after = None
    if cursor is not None:
        created_at, change_id = await codec.open(CHANGES_CURSOR, account_id, cursor)
        after = (datetime.fromisoformat(created_at), change_id)
    changes = await repository.changes_page(session, account_id, after, limit + 1)
    has_more = len(changes) > limit
    changes = changes[:limit]
    next_cursor = None
    if has_more:
        last = changes[-1]
        position = [last.created_at.isoformat(), last.id]
        next_cursor = await codec.seal(CHANGES_CURSOR, account_id, position)
    return {
        "ok": True,
        "changes": [change_body(change) for change in changes],
        "has_more": has_more,
        "next_cursor": next_cursor,
    }


async def _entries_of(session: AsyncSession, account_id: str, number: int) -> list[KbEntry]:
    if number == 0:
        return []
    version = await repository.version(session, account_id, number)
    return (
        [] if version is None else await repository.entries(session, account_id, version.entry_ids)
    )


async def view(session: AsyncSession, account_id: str) -> KbView:
    """The account's current knowledge base, and whether the provider has it."""
    base = await repository.knowledge_base(session, account_id)
    if base is None:
        return KbView(version=0, entries=[], pushed=False, pushed_at=None)
    pushed = base.version > 0 and base.pushed_version == base.version
    return KbView(
        version=base.version,
        entries=await _entries_of(session, account_id, base.version),
        pushed=pushed,
        pushed_at=base.pushed_at if pushed else None,
    )


async def pushed_texts(session: AsyncSession, account_id: str) -> list[str]:
    """The texts of the version the provider has (what the AI receptionist knows)."""
    base = await repository.knowledge_base(session, account_id)
    if base is None:
        return []
    return [entry.text for entry in await _entries_of(session, account_id, base.pushed_version)]


async def change(session: AsyncSession, change_id: str) -> KbChange:
    """A change of any account, for operators."""
    found = await repository.find_change(session, change_id)
    if found is None:
        raise KbError(f"no knowledge-base change {change_id}")
    return found


async def pending(session: AsyncSession, account_id: str | None) -> list[KbChange]:
    """Changes held for an operator, oldest first."""
    if account_id is not None:
        await accounts.require(session, account_id)
    return await repository.held_changes(session, account_id)


async def versions(session: AsyncSession, account_id: str) -> list[KbVersion]:
    await accounts.require(session, account_id)
    return await repository.versions(session, account_id)


# -- review and apply -------------------------------------------------------------------------


def _decide(
    session: AsyncSession,
    change: KbChange,
    status: KbChangeStatus,
    by: str,
    *,
    action: str | None = None,
    **details: Any,
) -> None:
    """Approve or reject `change` as `by`, and write the decision to the audit log (as
    `kb.change_<status>` unless `action` names it)."""
    change.status = status
    change.decided_by = by
    change.decided_at = utcnow()
    audit.record(
        session,
        action or f"kb.change_{status}",
        account_id=change.account_id,
        actor=by,
        change_id=change.id,
        **details,
    )


async def _apply(session: AsyncSession, base: KnowledgeBase, change: KbChange) -> None:
    """Make the approved `change`'s version: the next after the current one."""
    current = await repository.version(session, base.account_id, base.version)
    if change.rollback_to is not None:
        restored = await repository.version(session, base.account_id, change.rollback_to)
        if restored is None:
            raise KbError(f"account {base.account_id} has no version {change.rollback_to}")
        kind, entry_ids, characters = "rollback", restored.entry_ids, restored.characters
    else:
        assert change.text is not None
        entry = await repository.add_entry(session, change, change.text)
        kind = "replace" if change.replace else "append"
        if change.replace or current is None:
            entry_ids, characters = [entry.id], len(entry.text)
        else:
            entry_ids = [*current.entry_ids, entry.id]
            characters = current.characters + len(entry.text)
    number = base.version + 1
    await repository.add_version(
        session,
        KbVersion(
            account_id=base.account_id,
            number=number,
            change_id=change.id,
            kind=kind,
            entry_ids=entry_ids,
            characters=characters,
            created_by=change.decided_by or AUTO,
            created_at=utcnow(),
        ),
    )
    change.version = number
    base.version = number
    # New content: push it at once, whatever the previous version's retries were at.
    base.push_attempts, base.next_push_at = 0, 0


async def _advance(session: AsyncSession, base: KnowledgeBase) -> None:
    """Take the account's changes as far as they can go, in order: review each queued one,
    apply each approved one, and stop at the first held one."""
    account = await accounts.require(session, base.account_id)
    while (change := await repository.next_unapplied(session, base.account_id)) is not None:
        if change.status == KbChangeStatus.HELD:
            return
        if change.status == KbChangeStatus.PENDING_REVIEW:
            assert change.text is not None
            current = await _entries_of(session, base.account_id, base.version)
            findings = checks.review(
                change.text, replace=change.replace, current=[entry.text for entry in current]
            )
            change.findings = [finding.value for finding in findings]
            if findings or account.kb_policy == KbPolicy.MANUAL:
                change.status = KbChangeStatus.HELD
                audit.record(
                    session,
                    "kb.change_held",
                    account_id=base.account_id,
                    actor=AUTO,
                    change_id=change.id,
                    findings=change.findings,
                    policy=account.kb_policy,
                )
                return
            _decide(session, change, KbChangeStatus.APPROVED, AUTO)
        await _apply(session, base, change)


async def review(session: AsyncSession, account_id: str) -> None:
    """Run the checks on the account's queued changes and apply what they approve."""
    await _advance(session, await repository.lock(session, account_id))


async def _held(session: AsyncSession, change_id: str) -> tuple[KnowledgeBase, KbChange]:
    """The held change and its account's locked knowledge base."""
    found = await change(session, change_id)
    base = await repository.lock(session, found.account_id)
    await session.refresh(found)
    if found.status != KbChangeStatus.HELD:
        raise KbError(f"change {change_id} is {found.status}: only a held change can be decided")
    return base, found


async def approve(session: AsyncSession, change_id: str, *, actor: str) -> KbChange:
    """An operator approves a held change: it applies (when no earlier change is held), and the
    changes behind it go on."""
    base, held = await _held(session, change_id)
    _decide(session, held, KbChangeStatus.APPROVED, actor)
    await _advance(session, base)
    return held


async def reject(session: AsyncSession, change_id: str, *, actor: str, reason: str) -> KbChange:
    """An operator rejects a held change: it never applies, and the changes behind it go on."""
    if not reason.strip():
        raise KbError("a rejection needs a reason (the customer sees it)")
    base, held = await _held(session, change_id)
    held.error = reason.strip()
    _decide(session, held, KbChangeStatus.REJECTED, actor, reason=held.error)
    await _advance(session, base)
    return held


async def rollback(session: AsyncSession, account_id: str, to: int, *, actor: str) -> KbChange:
    """Queue a change that makes a new version equal to version `to`, approved by `actor`; it
    applies after any earlier change still waiting, and is pushed like any other."""
    await accounts.require(session, account_id)
    base = await repository.lock(session, account_id)
    if await repository.version(session, account_id, to) is None:
        raise KbError(f"account {account_id} has no knowledge-base version {to}")
    queued = await repository.add_change(
        session, account_id, text=None, replace=True, submitted_by=actor, rollback_to=to
    )
    _decide(session, queued, KbChangeStatus.APPROVED, actor, action="kb.rollback", to_version=to)
    await _advance(session, base)
    return queued


# -- pushing ----------------------------------------------------------------------------------


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
    entries = await _entries_of(session, account_id, base.version)
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


async def set_policy(session: AsyncSession, account_id: str, policy: str, *, actor: str) -> str:
    """Set the account's review policy; the previous one."""
    try:
        chosen = KbPolicy(policy)
    except ValueError:
        raise KbError(f"unknown policy {policy!r} (choose auto or manual)") from None
    account = await accounts.require(session, account_id)
    previous = account.kb_policy
    account.kb_policy = chosen
    audit.record(
        session,
        "account.kb_policy_set",
        account_id=account_id,
        actor=actor,
        policy=chosen.value,
        previous=previous,
    )
    return previous
