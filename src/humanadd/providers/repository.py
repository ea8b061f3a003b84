"""All SQL about which account takes which provider's calls."""

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from humanadd.accounts.models import Account
from humanadd.providers.models import ProviderAgent


async def account_of_agent(session: AsyncSession, agent_id: str) -> Account | None:
    """The account whose calls the upstream agent takes."""
    statement = (
        select(Account)
        .join(ProviderAgent, ProviderAgent.account_id == Account.id)
        .where(ProviderAgent.agent_id == agent_id)
    )
    account: Account | None = (await session.execute(statement)).scalar_one_or_none()
    return account


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
