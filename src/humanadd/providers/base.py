"""What the service asks of a voice provider, in its own terms: one base per capability.

A vendor's package (`providers/retell/`, `providers/simulated/`) implements these and is named
in `providers.registry`; everything else sees only this module. A call comes in as a
`ProviderCall` (our fields, whatever the vendor's object looked like), and every failure of the
vendor's API as one `ProviderError`. A capability a vendor does not offer in this process, or
lacks the settings for, is `errors.NotConfigured` from its factory.
"""

from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

from humanadd.config import Settings

EventName = Literal["call_started", "call_ended", "call_analyzed"]
"""How far a provider's event says a call has got."""

SPEAKERS = {"agent": "AI", "user": "Caller"}
"""The roles of a conversation's turns, and how the API's transcript names them."""


@dataclass(frozen=True)
class ProviderCall:
    """A call as its provider knows it now, in our terms: `status` is `ongoing`, `ended` or
    `error`; `sentiment` is lower case or None; `transcript` is in `AI:`/`Caller:` lines and
    `transcript_object` holds the agent's and the caller's turns only; `analysis_data` is the
    provider's free-form analysis, from which the account's keys pick `tags` and `booked`."""

    call_id: str
    agent_id: str
    status: str
    analysed: bool = False
    direction: str = "inbound"
    started_at: int | None = None
    """Epoch ms; None for a call that has not started yet."""
    ended_at: int | None = None
    from_number: str | None = None
    to_number: str | None = None
    duration_seconds: int = 0
    disconnection_reason: str | None = None
    sentiment: str | None = None
    summary: str | None = None
    analysis_data: Mapping[str, Any] = field(default_factory=dict)
    transcript: str | None = None
    transcript_object: list[dict[str, Any]] | None = None
    recording_ref: str | None = None


@dataclass(frozen=True)
class CallEvent:
    """One provider event: the call as it was when the event was sent."""

    name: EventName
    call: ProviderCall


class ProviderError(Exception):
    """The provider's API refused or failed a request; the message says what it answered.
    `retryable`: whether the same request may succeed later (the provider was down, slow or
    overloaded), as opposed to a refusal that repeats until something is changed."""

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = retryable


def transcript_of(turns: Sequence[Mapping[str, Any]]) -> str:
    """The API's transcript of a conversation's turns: one `AI:`/`Caller:` line per turn."""
    return "\n".join(f"{SPEAKERS[turn['role']]}: {turn['content']}" for turn in turns)


@runtime_checkable
class CallEvents(Protocol):
    """A provider's call webhooks: checking that a request is the provider's, and reading it."""

    def verify(self, body: bytes, headers: Mapping[str, str], now_ms: int) -> bool:
        """Whether the request is signed by the provider, recently enough to be taken."""
        ...

    def parse(self, body: bytes) -> CallEvent | None:
        """The event of a verified request; None for events the service does not use.
        `errors.InvalidRequest` for a body that is not a valid event."""
        ...


@runtime_checkable
class CallSource(Protocol):
    """A provider's call records, for sync."""

    def list_calls(self, agent_ids: Sequence[str], since_ms: int) -> AsyncIterator[ProviderCall]:
        """The agents' calls started at or after `since_ms`, oldest first; perhaps without
        transcripts (fetch the call for them)."""
        ...

    async def get_call(self, call_id: str) -> ProviderCall | None:
        """The call in full, or None when the provider has no such call."""
        ...

    async def close(self) -> None: ...


@runtime_checkable
class Recordings(Protocol):
    """Where a provider keeps a call's recording now (its URLs expire)."""

    async def recording_url(self, call_id: str) -> str | None:
        """The call's current recording URL; None when the provider has no recording of it."""
        ...

    async def close(self) -> None: ...


@runtime_checkable
class KnowledgePush(Protocol):
    """Where an account's knowledge base goes: its provider."""

    async def push(
        self,
        account_id: str,
        provider_kb_id: str | None,
        entries: Sequence[tuple[str, str]],
        llm_id: str | None,
    ) -> str | None:
        """Make the provider's knowledge base of the account exactly `entries` ((id, text)
        pairs); its id there (None when the provider has no ids)."""
        ...

    async def close(self) -> None: ...


@runtime_checkable
class Provider(Protocol):
    """A vendor: a factory per capability, each from the process's settings."""

    name: str

    def call_events(self, settings: Settings) -> CallEvents: ...

    def calls(self, settings: Settings) -> CallSource: ...

    def recordings(self, settings: Settings) -> Recordings: ...

    def knowledge(self, settings: Settings) -> KnowledgePush: ...
