"""Retell AI as a provider: its webhooks, call records, recordings and knowledge bases, all
through the platform's one Retell API key (`HUMANADD_RETELL_API_KEY`)."""

from humanadd.config import Settings
from humanadd.errors import NotConfigured
from humanadd.providers.retell.client import RetellClient
from humanadd.providers.retell.events import RetellEvents
from humanadd.providers.retell.knowledge import RetellKnowledge


def _api_key(settings: Settings, missing: str) -> str:
    if not settings.retell_api_key:  # an empty key is no key
        raise NotConfigured(missing)
    return settings.retell_api_key.get_secret_value()


class Retell:
    """Each capability says, when the key is missing, what cannot be done without it."""

    name = "retell"

    def call_events(self, settings: Settings) -> RetellEvents:
        return RetellEvents(
            _api_key(
                settings,
                "The Retell integration is not configured (HUMANADD_RETELL_API_KEY).",
            )
        )

    def calls(self, settings: Settings) -> RetellClient:
        key = _api_key(settings, "HUMANADD_RETELL_API_KEY is not set.")
        return RetellClient(key, settings.retell_base_url)

    def recordings(self, settings: Settings) -> RetellClient:
        return self.calls(settings)

    def knowledge(self, settings: Settings) -> RetellKnowledge:
        key = _api_key(settings, "HUMANADD_RETELL_API_KEY is not set: no Retell account to push to")
        return RetellKnowledge(key, settings.retell_base_url)
