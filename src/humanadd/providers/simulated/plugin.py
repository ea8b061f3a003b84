"""The simulated provider, as the registry knows it.

Its calls are played in the process that plays them (`player.SimulatedProvider`, run by
`humanadd demo`) and ingested there directly: there are no webhooks to receive, and no
upstream another process could list calls or recordings from (its recordings are `demo:`
references, made on request by `demo.source`). Its knowledge base is the pushed version in our
own database, which its receptionist reads for new calls.
"""

from collections.abc import Sequence

from humanadd.config import Settings
from humanadd.errors import NotConfigured
from humanadd.providers.base import CallEvents, CallSource, Recordings


class Acknowledged:
    """The simulated `KnowledgePush`: pushing the version is acknowledging it."""

    async def push(
        self,
        account_id: str,
        provider_kb_id: str | None,
        entries: Sequence[tuple[str, str]],
        llm_id: str | None,
    ) -> str | None:
        return None

    async def close(self) -> None:
        pass


class Simulated:
    name = "simulated"

    def call_events(self, settings: Settings) -> CallEvents:
        raise NotConfigured("The simulated provider sends no webhooks: it plays calls in process.")

    def calls(self, settings: Settings) -> CallSource:
        raise NotConfigured("The simulated provider has no upstream to read calls from.")

    def recordings(self, settings: Settings) -> Recordings:
        raise NotConfigured("The simulated provider has no upstream to read calls from.")

    def knowledge(self, settings: Settings) -> Acknowledged:
        return Acknowledged()
