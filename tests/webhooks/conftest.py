from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import update

from humanadd.config import Settings
from humanadd.dependencies import Services
from humanadd.webhooks.models import WebhookDelivery
from tests.webhooks.receiver import Receiver


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """The test receivers listen on 127.0.0.1 over plain HTTP: both allowed here only."""
    return Settings(
        database_url=database_url,
        data_dir=tmp_path / "data",
        redis_url=None,
        webhooks_allow_insecure=True,
        webhooks_allow_private=True,
        public_url="https://api.humanadd.test",
    )


async def set_pending_deliveries_aside(services: Services) -> None:
    """Mark every pending delivery failed: the database outlives a test, and no worker of a
    later test is to send what an earlier one left."""
    async with services.sessions.begin() as session:
        await session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.status == "pending")
            .values(status="failed")
        )


@pytest.fixture(autouse=True)
async def no_delivery_left(services: Services) -> AsyncIterator[None]:
    yield
    await set_pending_deliveries_aside(services)


@pytest.fixture
def receiver(request: pytest.FixtureRequest) -> Iterator[Receiver]:
    """A webhook receiver answering as the test's `answers` mark says (200 by default)."""
    marker = request.node.get_closest_marker("answers")
    started = Receiver(*(marker.args if marker else ())).start()
    yield started
    started.stop()
