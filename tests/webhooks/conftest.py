from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import update

from humanadd.config import Settings
from humanadd.dependencies import Services
from humanadd.webhooks.models import WebhookDelivery


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


@pytest.fixture(autouse=True)
async def no_delivery_left(services: Services) -> AsyncIterator[None]:
    """Set aside the deliveries a test leaves pending: the database outlives the test, and no
    later worker is to send them."""
    yield
    async with services.sessions.begin() as session:
        await session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.status == "pending")
            .values(status="failed")
        )
