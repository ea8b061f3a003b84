"""Connecting accounts to an upstream provider, and storing what the provider says of calls."""

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from humanadd.accounts import service as accounts
from humanadd.accounts.models import Provider
from humanadd.audit import service as audit
from humanadd.calls import repository as calls
from humanadd.calls.models import Stage
from humanadd.calls.records import CallRecord
from humanadd.calls.schemas import MAX_TAG_LENGTH
from humanadd.kb import push_state as kb
from humanadd.providers import repository
from humanadd.providers.base import CallEvent, ProviderCall
from humanadd.providers.errors import ProviderSettingsError

logger = logging.getLogger(__name__)

MAX_AGENT_ID_LENGTH = 128
MAX_ANALYSIS_KEY_LENGTH = 64
MAX_DISCONNECTION_REASON = 64
YES = frozenset({"yes", "true", "y", "1"})


EVENT_STAGES = {
    "call_started": Stage.STARTED,
    "call_ended": Stage.ENDED,
    "call_analyzed": Stage.ANALYZED,
}


@dataclass(frozen=True)
class ProviderSettings:
    provider: str | None
    agent_ids: list[str]
    tags_key: str
    booked_key: str
    llm_id: str | None


def _check_key(name: str, value: str, limit: int = MAX_ANALYSIS_KEY_LENGTH) -> str:
    value = value.strip()
    if not value or len(value) > limit:
        raise ProviderSettingsError(f"{name} must be 1 to {limit} characters")
    return value


async def set_provider(
    session: AsyncSession,
    account_id: str,
    provider: str | None,
    *,
    agent_ids: list[str],
    tags_key: str | None = None,
    booked_key: str | None = None,
    llm_id: str | None = None,
    actor: str,
) -> ProviderSettings:
    """Connect the account to `provider` (None: to none) with these upstream agents, replacing
    its former ones. An agent can belong to one account only. `llm_id` names the provider's
    LLM that the account's knowledge base is attached to ("none": no longer any); the keys
    and the LLM are unchanged when not given."""
    account = await accounts.require(session, account_id)
    if provider is not None and provider not in {p.value for p in Provider}:
        choices = ", ".join(p.value for p in Provider)
        raise ProviderSettingsError(
            f"unknown provider {provider!r} (choose one of: {choices}, none)"
        )
    agents = list(dict.fromkeys(agent.strip() for agent in agent_ids))
    if any(not agent or len(agent) > MAX_AGENT_ID_LENGTH for agent in agents):
        raise ProviderSettingsError(f"an agent id is 1 to {MAX_AGENT_ID_LENGTH} characters")
    if provider == Provider.RETELL and not agents:
        raise ProviderSettingsError("a retell account needs at least one --agent-id")
    if provider is None and agents:
        raise ProviderSettingsError("an account without a provider has no agents")
    taken = {
        agent: owner
        for agent, owner in (await repository.owners(session, agents)).items()
        if owner != account_id
    }
    if taken:
        agent, owner = next(iter(taken.items()))
        raise ProviderSettingsError(f"agent {agent!r} already belongs to account {owner}")
    previous = (account.provider, account.llm_id)
    account.provider = provider
    if tags_key is not None:
        account.tags_key = _check_key("--tags-key", tags_key)
    if booked_key is not None:
        account.booked_key = _check_key("--booked-key", booked_key)
    if llm_id is not None:
        account.llm_id = (
            None if llm_id == "none" else _check_key("--llm-id", llm_id, MAX_AGENT_ID_LENGTH)
        )
    if provider != Provider.RETELL:
        account.llm_id = None
    if previous != (provider, account.llm_id):
        await kb.provider_changed(
            session, account_id, provider, new_provider=previous[0] != provider
        )
    await repository.replace_agents(session, account_id, agents)
    audit.record(
        session,
        "account.provider_set",
        account_id=account_id,
        actor=actor,
        provider=provider,
        agent_ids=agents,
        tags_key=account.tags_key,
        booked_key=account.booked_key,
        llm_id=account.llm_id,
    )
    return ProviderSettings(provider, agents, account.tags_key, account.booked_key, account.llm_id)


def stage_of(call: ProviderCall) -> Stage:
    """The stage a call shows, for calls that come without an event (sync)."""
    if call.analysed:
        return Stage.ANALYZED
    if call.status in ("ended", "error"):
        return Stage.ENDED
    return Stage.STARTED


def tags_of(value: Any) -> list[str]:
    """Tags from a list or a comma-separated string: trimmed, lower case, each once."""
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list):
        return []
    tags = (str(item).strip().lower() for item in items if isinstance(item, str | int))
    return list(dict.fromkeys(tag for tag in tags if tag and len(tag) <= MAX_TAG_LENGTH))


def booked_of(value: Any) -> bool | None:
    """The provider's `booked`; None when it said nothing (ours to decide)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    return isinstance(value, str) and value.strip().lower() in YES


def to_record(
    call: ProviderCall, *, tags_key: str, booked_key: str, received_at_ms: int
) -> CallRecord:
    """What we store of `call`, the account's keys picking its tags and booked out of the
    provider's analysis. A call not yet started takes `received_at_ms` as its start: every
    stored call needs one, and it is replaced once the provider sends it."""
    reason = call.disconnection_reason
    return CallRecord(
        call_id=call.call_id,
        direction=call.direction,
        started_at=call.started_at if call.started_at is not None else received_at_ms,
        ended_at=call.ended_at,
        from_number=call.from_number,
        to_number=call.to_number,
        duration_seconds=call.duration_seconds,
        status=call.status,
        disconnection_reason=reason[:MAX_DISCONNECTION_REASON] if reason else None,
        sentiment=call.sentiment,
        summary=call.summary,
        tags=tags_of(call.analysis_data.get(tags_key)),
        booked=booked_of(call.analysis_data.get(booked_key)),
        transcript=call.transcript,
        transcript_object=call.transcript_object,
        recording_ref=call.recording_ref,
    )


def queue_analysis(record: CallRecord, stage: Stage, *, now_ms: int, timeout_ms: int) -> None:
    """When the worker is to analyse the call (then send its `call_ended`): at once when the
    provider's analysis is in, else `timeout_ms` after we learnt that the call ended (by our
    clock, not the provider's); never while the call goes on."""
    if record.status == "ongoing":
        return
    record.notify_when_analysed = True
    record.analysis_due_at = now_ms if stage == Stage.ANALYZED else now_ms + timeout_ms


async def store_call(
    session: AsyncSession,
    call: ProviderCall,
    stage: Stage,
    *,
    received_at_ms: int,
    analysis_timeout_ms: int,
) -> bool:
    """Store what the provider says of a call at `stage`, in the caller's transaction, and
    queue its analysis (`queue_analysis`). False when nothing was stored: the agent belongs to
    no account, or the call already holds a later stage's data."""
    owner = await repository.account_of_agent(session, call.agent_id)
    if owner is None:
        logger.warning(
            "provider call of an unknown agent ignored",
            extra={"agent_id": call.agent_id, "call_id": call.call_id},
        )
        return False
    record = to_record(
        call, tags_key=owner.tags_key, booked_key=owner.booked_key, received_at_ms=received_at_ms
    )
    queue_analysis(record, stage, now_ms=received_at_ms, timeout_ms=analysis_timeout_ms)
    return await calls.upsert(session, owner.account_id, record, stage=stage) is not None


async def ingest(
    session: AsyncSession, event: CallEvent, *, received_at_ms: int, analysis_timeout_ms: int
) -> bool:
    """Store one provider event in the caller's transaction: the one path of every event,
    whether a provider's webhook brought it or the simulated provider made it. Its
    `call_ended` goes out once the worker has analysed it."""
    return await store_call(
        session,
        event.call,
        EVENT_STAGES[event.name],
        received_at_ms=received_at_ms,
        analysis_timeout_ms=analysis_timeout_ms,
    )
