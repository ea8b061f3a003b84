"""Reviewing and applying knowledge-base changes, in order, and rolling back (see
docs/knowledge-base.md).

A change goes `pending_review` → (checks) → `held` or `approved` → (applied: a new version) →
`pushing` → `pushed` or `push_failed` (`kb.push_state`); an operator takes a held change to
`approved` or `rejected`. An account's changes apply in the order they were made: a held change
keeps the later ones waiting. Whoever applies changes locks the account's `knowledge_bases` row
first, so versions are made one at a time whichever process makes them.
"""

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from humanadd.accounts import service as accounts
from humanadd.audit import service as audit
from humanadd.db import utcnow
from humanadd.kb import changes, checks, repository
from humanadd.kb.errors import KbError
from humanadd.kb.models import KbChange, KbChangeStatus, KbPolicy, KbVersion, KnowledgeBase

AUTO = "auto"
"""Who decided, when the automatic checks approved a change."""


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
            current = await repository.version_entries(session, base.account_id, base.version)
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
    found = await changes.change(session, change_id)
    base = await repository.lock(session, found.account_id)
    await repository.reread(session, found)
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
