"""What the service asks of an account's voice provider, and which implementation serves it."""

from collections.abc import AsyncIterator, Sequence
from typing import Protocol

from humanadd.accounts.models import Provider
from humanadd.config import Settings
from humanadd.errors import NotConfigured
from humanadd.providers.retell.calls import RetellCall
from humanadd.providers.retell.client import RetellClient


class Upstream(Protocol):
    """A provider's call records. Calls are Retell-shaped whatever the provider: Retell's call
    object is the one format the ingest path reads."""

    def list_calls(self, agent_ids: Sequence[str], since_ms: int) -> AsyncIterator[RetellCall]:
        """The agents' calls started at or after `since_ms`, oldest first; perhaps without
        transcripts (fetch the call for them)."""
        ...

    async def get_call(self, call_id: str) -> RetellCall | None:
        """The call in full, or None when the provider has no such call."""
        ...

    async def close(self) -> None: ...


def upstream_for(settings: Settings, provider: str) -> Upstream:
    if provider == Provider.RETELL:
        if settings.retell_api_key is None:
            raise NotConfigured("HUMANADD_RETELL_API_KEY is not set.")
        return RetellClient(settings.retell_api_key.get_secret_value(), settings.retell_base_url)
    raise NotConfigured(f"The {provider} provider has no upstream to read calls from.")
