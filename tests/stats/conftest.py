"""Stats computed by the service for one account, at a fixed moment."""

from collections.abc import Awaitable, Callable

import pytest

from humanadd.dependencies import Services
from humanadd.stats import service
from humanadd.stats.schemas import Stats
from tests.conftest import TestAccount
from tests.stats.builders import at

NOW = at("2026-11-15T12:00:00Z")  # a Sunday
ComputeStats = Callable[..., Awaitable[Stats]]


@pytest.fixture
def stats_of(services: Services) -> ComputeStats:
    async def compute(
        account: TestAccount, *, days: int = 30, now: int = NOW, timezone: str = "UTC"
    ) -> Stats:
        async with services.sessions.begin() as session:
            return await service.compute(session, account.id, timezone, days=days, now_ms=now)

    return compute
