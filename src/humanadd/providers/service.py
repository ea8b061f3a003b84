"""Connecting accounts to an upstream provider, and storing what the provider says of calls."""

import logging
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from humanadd.accounts import service as accounts
from humanadd.accounts.models import Provider
from humanadd.audit import service as audit
from humanadd.calls import repository as calls
from humanadd.calls.models import Stage
from humanadd.errors import InvalidRequest, describe_validation_error
from humanadd.kb import push_state as kb
from humanadd.providers import repository
from humanadd.providers.errors import ProviderSettingsError
from humanadd.providers.retell.calls import RetellCall, to_record
from humanadd.webhooks import service as webhooks

logger = logging.getLogger(__name__)

MAX_AGENT_ID_LENGTH = 128
MAX_ANALYSIS_KEY_LENGTH = 64


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


def stage_of(call: RetellCall) -> Stage:
    """The stage a call object shows, for calls that come without an event (sync)."""
    if call.call_analysis is not None:
        return Stage.ANALYZED
    if call.call_status in ("ended", "not_connected", "error"):
        return Stage.ENDED
    return Stage.STARTED


async def store_call(
    session: AsyncSession, call: RetellCall, stage: Stage, *, received_at_ms: int
) -> bool:
    """Store what the provider says of a call at `stage`, in the caller's transaction. False
    when nothing was stored: the agent belongs to no account, or the call already holds a
    later stage's data."""
    owner = await repository.account_of_agent(session, call.agent_id)
    if owner is None:
        logger.warning(
            "provider call of an unknown agent ignored",
            extra={"agent_id": call.agent_id, "call_id": call.call_id},
        )
        return False
    account_id, tags_key, booked_key = owner
    record = to_record(
        call, tags_key=tags_key, booked_key=booked_key, received_at_ms=received_at_ms
    )
    if await calls.upsert(session, account_id, record, stage=stage) is None:
        return False
    await webhooks.call_changed(session, account_id, record, analysed=stage == Stage.ANALYZED)
    return True


async def ingest(session: AsyncSession, payload: Any, *, received_at_ms: int) -> bool:
    """Store one provider event, `{"event": …, "call": {…}}` as Retell sends it, in the
    caller's transaction: the one path of every event, whether Retell's webhook brought it or
    the simulated provider made it. Events this service does not use are ignored (False)."""
    event = payload.get("event") if isinstance(payload, dict) else None
    if event not in EVENT_STAGES:
        logger.info("provider event ignored", extra={"event": str(event)[:64]})
        return False
    try:
        call = RetellCall.model_validate(payload.get("call"))
    except ValidationError as error:
        problem = describe_validation_error(error.errors(), ("body", "call"))
        raise InvalidRequest(problem) from None
    return await store_call(session, call, EVENT_STAGES[event], received_at_ms=received_at_ms)
