"""Knowledge bases as customers and operators read and change them: queueing a change (once
per `Idempotency-Key`), the current knowledge base, the changes and the versions.

What happens to a queued change is `kb.review`; the bookkeeping of pushes is `kb.push_state`.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from humanadd.accounts import service as accounts
from humanadd.cursors.codec import CursorCodec
from humanadd.idempotency import service as idempotency
from humanadd.idempotency.service import Answer
from humanadd.kb import repository
from humanadd.kb.diff import DiffLine, proposed_diff
from humanadd.kb.errors import KbError
from humanadd.kb.models import KbChange, KbEntry, KbVersion
from humanadd.kb.schemas import KbChangeQueued, KbChangeRequest, change_body

API_PATH = "/api/v1/kb"


async def queue_change(
    session: AsyncSession, account_id: str, request: KbChangeRequest, submitted_by: str = "api"
) -> KbChangeQueued:
    """Store the change as `pending_review`; the worker reviews it. `submitted_by` is `api`,
    or the dashboard user who sent it (`user:<id>`)."""
    change = await repository.add_change(
        session, account_id, text=request.text, replace=request.replace, submitted_by=submitted_by
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


@dataclass(frozen=True)
class KbView:
    version: int
    entries: list[KbEntry]
    pushed: bool
    pushed_at: datetime | None


CHANGES_CURSOR = "kb_changes"


@dataclass(frozen=True)
class ChangesSlice:
    """A page of an account's changes, newest first, and the cursor of the next (older) one."""

    changes: list[KbChange]
    has_more: bool
    next_cursor: str | None


async def changes_slice(
    session: AsyncSession,
    codec: CursorCodec,
    account_id: str,
    *,
    limit: int,
    cursor: str | None,
) -> ChangesSlice:
    """The account's changes newest first, from the cursor on (an invalid cursor is the
    codec's `InvalidRequest`)."""
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
    return ChangesSlice(changes, has_more, next_cursor)


async def changes_page(
    session: AsyncSession,
    codec: CursorCodec,
    account_id: str,
    *,
    limit: int,
    cursor: str | None,
) -> dict[str, Any]:
    """A `KbChangeList` page: the account's changes newest first, from the cursor on."""
    found = await changes_slice(session, codec, account_id, limit=limit, cursor=cursor)
    return {
        "ok": True,
        "changes": [change_body(change) for change in found.changes],
        "has_more": found.has_more,
        "next_cursor": found.next_cursor,
    }


async def view(session: AsyncSession, account_id: str) -> KbView:
    """The account's current knowledge base, and whether the provider has it."""
    base = await repository.knowledge_base(session, account_id)
    if base is None:
        return KbView(version=0, entries=[], pushed=False, pushed_at=None)
    pushed = base.version > 0 and base.pushed_version == base.version
    return KbView(
        version=base.version,
        entries=await repository.version_entries(session, account_id, base.version),
        pushed=pushed,
        pushed_at=base.pushed_at if pushed else None,
    )


async def pushed_texts(session: AsyncSession, account_id: str) -> list[str]:
    """The texts of the version the provider has (what the AI receptionist knows)."""
    base = await repository.knowledge_base(session, account_id)
    if base is None:
        return []
    return [
        entry.text
        for entry in await repository.version_entries(session, account_id, base.pushed_version)
    ]


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


@dataclass(frozen=True)
class HeldChange:
    """A change waiting for an operator, and what it would do to its account's current text."""

    change: KbChange
    current_version: int
    diff: list[list[DiffLine]]


async def review_queue(session: AsyncSession) -> list[HeldChange]:
    """Every account's held changes, oldest first, each with its diff against the current text."""
    current: dict[str, KbView] = {}
    queue = []
    for held in await repository.held_changes(session, None):
        if held.account_id not in current:
            current[held.account_id] = await view(session, held.account_id)
        base = current[held.account_id]
        texts = [entry.text for entry in base.entries]
        diff = proposed_diff(texts, held.text or "", replace=held.replace)
        queue.append(HeldChange(held, base.version, diff))
    return queue
