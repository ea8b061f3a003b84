"""The provider registry: one entry per vendor, each implementing every capability's base."""

import pytest

from humanadd.accounts.models import Provider as AccountProvider
from humanadd.config import Settings
from humanadd.demo.player import SimulatedProvider
from humanadd.errors import NotConfigured
from humanadd.providers import registry
from humanadd.providers.base import CallEvents, CallSource, KnowledgePush, Provider, Recordings
from humanadd.providers.registry import PROVIDERS, UnknownProvider, provider_for


def test_an_unknown_provider_is_a_clear_error() -> None:
    with pytest.raises(UnknownProvider) as raised:
        provider_for("vonage")

    assert str(raised.value) == "unknown provider 'vonage' (registered: retell, simulated)"


def test_the_registry_serves_exactly_the_providers_an_account_may_name() -> None:
    assert sorted(PROVIDERS) == sorted(provider.value for provider in AccountProvider)
    assert all(provider_for(name).name == name for name in PROVIDERS)


@pytest.mark.parametrize("name", sorted(registry.PROVIDERS))
async def test_each_registered_provider_implements_every_base(
    name: str, settings: Settings
) -> None:
    provider = provider_for(name)
    assert isinstance(provider, Provider)
    made = []
    for factory, base in (
        (provider.call_events, CallEvents),
        (provider.calls, CallSource),
        (provider.recordings, Recordings),
        (provider.knowledge, KnowledgePush),
    ):
        try:
            capability = factory(settings)
        except NotConfigured:
            continue  # not offered by this vendor in a process like this one
        assert isinstance(capability, base), (name, base.__name__)
        made.append(capability)
    for capability in made:
        if isinstance(capability, CallSource | Recordings | KnowledgePush):
            await capability.close()
    assert made, "a vendor offers something"


def test_the_simulated_player_is_a_call_source() -> None:
    assert isinstance(SimulatedProvider("agent_registry_test"), CallSource)


@pytest.mark.parametrize(
    ("name", "offered"),
    [
        ("retell", ["call_events", "calls", "recordings", "knowledge"]),
        ("simulated", ["knowledge"]),
    ],
)
async def test_what_each_vendor_offers_and_what_it_says_of_the_rest(
    name: str, offered: list[str], settings: Settings
) -> None:
    provider = provider_for(name)
    for capability in ("call_events", "calls", "recordings", "knowledge"):
        factory = getattr(provider, capability)
        if capability in offered:
            made = factory(settings)
            if hasattr(made, "close"):
                await made.close()
        else:
            with pytest.raises(NotConfigured):
                factory(settings)


@pytest.mark.parametrize(
    ("capability", "message"),
    [
        ("call_events", "The Retell integration is not configured (HUMANADD_RETELL_API_KEY)."),
        ("calls", "HUMANADD_RETELL_API_KEY is not set."),
        ("recordings", "HUMANADD_RETELL_API_KEY is not set."),
        ("knowledge", "HUMANADD_RETELL_API_KEY is not set: no Retell account to push to"),
    ],
)
def test_without_its_key_retell_offers_nothing_and_says_why(
    capability: str, message: str, settings: Settings
) -> None:
    keyless = settings.model_copy(update={"retell_api_key": None})
    with pytest.raises(NotConfigured) as raised:
        getattr(provider_for("retell"), capability)(keyless)
    assert raised.value.message == message
