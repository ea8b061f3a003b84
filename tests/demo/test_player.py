"""The simulated provider leaves tags and `booked` to our analysis, as Retell's built-in
analysis does: the worker fills them before the call's `call_ended` goes out."""

import orjson
import pytest
from sqlalchemy import select

from humanadd.calls.models import Call
from humanadd.config import Settings
from humanadd.demo.player import SimulatedProvider
from humanadd.dependencies import Services
from humanadd.webhooks import service as webhooks
from humanadd.webhooks.models import WebhookEvent
from humanadd.worker import run_jobs
from tests.conftest import MakeAccount
from tests.providers.conftest import provider_account
from tests.webhooks.conftest import set_pending_deliveries_aside
from tests.webhooks.receiver import Receiver

AGENT = "agent_simulated_live_analysis"
BUILT_IN = {"call_summary", "user_sentiment", "call_successful", "in_voicemail"}
"""What Retell's `call_analysis` holds when no custom analysis is set up."""


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The test receiver listens on 127.0.0.1 over plain HTTP: allowed here only."""
    return settings.model_copy(
        update={"webhooks_allow_insecure": True, "webhooks_allow_private": True}
    )


def test_a_simulated_call_carries_only_the_built_in_analysis_and_is_reproducible() -> None:
    calls = [SimulatedProvider(AGENT, seed=21).new_call(1_736_965_324_000) for _ in range(2)]

    assert calls[0] == calls[1]
    assert set(calls[0]["call_analysis"]) == BUILT_IN
    assert calls[0]["call_analysis"]["call_summary"]
    played = SimulatedProvider(AGENT, seed=21)
    unknown = [played.new_call(10**12 + n) for n in range(80)]
    assert any(call["call_analysis"]["user_sentiment"] == "Unknown" for call in unknown)


async def _stored(services: Services, account_id: str) -> list[tuple[str, list[str], list[str]]]:
    """Each call's id, tags and computed fields."""
    async with services.sessions() as session:
        rows = await session.execute(
            select(Call.call_id, Call.tags, Call.computed_fields)
            .where(Call.account_id == account_id)
            .order_by(Call.call_id)
        )
        return [tuple(row) for row in rows.all()]


async def _call_ended_events(services: Services, account_id: str) -> list[str]:
    async with services.sessions() as session:
        rows = await session.execute(
            select(WebhookEvent.call_id).where(
                WebhookEvent.account_id == account_id, WebhookEvent.type == "call_ended"
            )
        )
        return sorted(str(call_id) for call_id in rows.scalars())


async def test_a_played_call_gets_tags_and_booked_from_the_worker_before_its_call_ended(
    make_account: MakeAccount, services: Services, settings: Settings, receiver: Receiver
) -> None:
    account = await provider_account(make_account, services, "simulated", AGENT)
    await set_pending_deliveries_aside(services)
    async with services.sessions.begin() as session:
        await webhooks.configure(
            session, settings, account.id, url=receiver.url, secret=None, actor="test"
        )
    provider = SimulatedProvider(AGENT, seed=8)

    await provider.play(
        services.sessions,
        every_seconds=0.01,
        analysis_delay_seconds=0.5,
        calls=3,
        speed=300,
        analysis_timeout_ms=settings.analysis_timeout_ms,
    )

    played = await _stored(services, account.id)
    assert [(tags, computed) for _, tags, computed in played] == [([], ["booked"])] * 3
    assert await _call_ended_events(services, account.id) == [], "it waits for our analysis"

    await run_jobs(settings, services.sessions, once=True)

    analysed = await _stored(services, account.id)
    assert [call_id for call_id, _, _ in analysed] == sorted(provider.calls)
    for call_id, tags, computed in analysed:
        unknown = provider.calls[call_id]["call_analysis"]["user_sentiment"] == "Unknown"
        # The provider's summary (and a sentiment it knew) stays; tags and booked are ours.
        assert computed == (["sentiment", "tags", "booked"] if unknown else ["tags", "booked"])
        assert tags, call_id
    assert await _call_ended_events(services, account.id) == sorted(provider.calls)
    bodies = {body["call_id"]: body for body in (orjson.loads(r.body) for r in receiver.received)}
    assert sorted(bodies) == sorted(provider.calls)
    for call_id, body in bodies.items():
        analysis = provider.calls[call_id]["call_analysis"]
        assert body["summary"] == analysis["call_summary"]
        if analysis["user_sentiment"] != "Unknown":
            assert body["sentiment"] == analysis["user_sentiment"].lower()
