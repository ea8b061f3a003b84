"""All SQL about which account takes which provider's calls."""

from typing import NamedTuple

from sqlalchemy import bindparam, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from humanadd.accounts.models import Account
from humanadd.providers.models import ProviderAgent

_ACCOUNT_OF_AGENT = (
    select(Account.id, Account.tags_key, Account.booked_key)
    .join(ProviderAgent, ProviderAgent.account_id == Account.id)
    .where(ProviderAgent.agent_id == bindparam("agent_id"))
)
"""Built once: it runs for every provider event."""


class AgentAccount(NamedTuple):
    """The account whose calls an upstream agent takes, and where its analysis keeps tags and
    `booked`."""

    account_id: str
    tags_key: str
    booked_key: str


async def account_of_agent(session: AsyncSession, agent_id: str) -> AgentAccount | None:
    """The account whose calls the upstream agent takes."""
    row = (await session.execute(_ACCOUNT_OF_AGENT, {"agent_id": agent_id})).first()
    return None if row is None else AgentAccount(row.id, row.tags_key, row.booked_key)


async def agents_of(session: AsyncSession, account_id: str) -> list[str]:
    statement = (
        select(ProviderAgent.agent_id)
        .where(ProviderAgent.account_id == account_id)
        .order_by(ProviderAgent.agent_id)
    )
    return list((await session.execute(statement)).scalars())


async def owners(session: AsyncSession, agent_ids: list[str]) -> dict[str, str]:
    """Which account each of these agents belongs to, for those that are taken."""
    statement = select(ProviderAgent.agent_id, ProviderAgent.account_id).where(
        ProviderAgent.agent_id.in_(agent_ids)
    )
    return {agent_id: account_id for agent_id, account_id in await session.execute(statement)}


async def replace_agents(session: AsyncSession, account_id: str, agent_ids: list[str]) -> None:
    await session.execute(delete(ProviderAgent).where(ProviderAgent.account_id == account_id))
    session.add_all(
        ProviderAgent(agent_id=agent_id, account_id=account_id) for agent_id in agent_ids
    )
    await session.flush()
