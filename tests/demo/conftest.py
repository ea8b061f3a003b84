"""The demo prepared as `humanadd demo` prepares it, on the test database."""

from collections.abc import Awaitable, Callable

import pytest

from humanadd.analytics.embedding import Embedder
from humanadd.demo.service import DemoAccess, prepare
from humanadd.dependencies import Services

Seed = Callable[..., Awaitable[DemoAccess]]
"""Prepares the demo as of `now` (by default the present)."""


@pytest.fixture
def seed(services: Services, embedder: Embedder) -> Seed:
    async def prepared(now: int | None = None) -> DemoAccess:
        async with services.sessions.begin() as session:
            return await prepare(session, embedder, now=now)

    return prepared
