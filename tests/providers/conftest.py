from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import delete

from humanadd.config import Settings
from humanadd.dependencies import Services
from humanadd.providers import service as providers
from humanadd.providers.models import ProviderAgent
from tests.conftest import MakeAccount, TestAccount
from tests.providers.retell_fake import AGENT_ID, RETELL_API_KEY, FakeRetell


@pytest.fixture
def fake_retell() -> Iterator[FakeRetell]:
    """Retell, as a real HTTP server on 127.0.0.1 (see `retell_fake.FakeRetell`)."""
    fake = FakeRetell().start()
    yield fake
    fake.stop()


@pytest.fixture
def settings(database_url: str, tmp_path: Path, fake_retell: FakeRetell) -> Settings:
    return Settings(
        database_url=database_url,
        data_dir=tmp_path / "data",
        redis_url=None,
        retell_api_key=SecretStr(RETELL_API_KEY),
        retell_base_url=fake_retell.base_url,
        recording_hosts=f"127.0.0.1:{fake_retell.port}",
    )


async def provider_account(
    make_account: MakeAccount, services: Services, provider: str, agent_id: str
) -> TestAccount:
    """A new Enterprise account whose calls `agent_id` of `provider` takes (taken from the
    account of an earlier test: the database outlives a test)."""
    account = await make_account()
    async with services.sessions.begin() as session:
        await session.execute(delete(ProviderAgent).where(ProviderAgent.agent_id == agent_id))
        await providers.set_provider(
            session, account.id, provider, agent_ids=[agent_id], actor="test"
        )
    return account


@pytest.fixture
async def retell_account(make_account: MakeAccount, services: Services) -> TestAccount:
    """An account whose calls Retell's agent AGENT_ID takes."""
    return await provider_account(make_account, services, "retell", AGENT_ID)
