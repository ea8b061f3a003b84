"""The demo's live calls, played through the simulated provider (built in, for the demo and
development).

It makes realistic receptionist calls for one business (the demo's), laid out as Retell lays
out its call objects (the one format both the demo's data and this player write): transcripts,
`transcript_object` with word timings, analysis, and a recording exactly as long as the call
whose voices follow those timings (a `demo:` reference: the audio is made when it is asked for,
see `demo.source`). Played "live", a call starts, ends and is analysed over real time, each
step a `CallEvent` through `providers.service.ingest`, the path of every provider's webhooks.
Its `call_analysis` is what Retell's built-in analysis sends when no custom analysis is set up:
the summary and the caller's sentiment (now and then "Unknown"), no custom analysis data. So the
call's tags and `booked` (and an unknown sentiment) are filled by our analysis, which the worker
runs before the call's `call_ended` goes out; the caller's questions are always ours.
The receptionist knows the account's pushed knowledge base: a caller's question is answered
from it, in the receptionist's words, where it says something on the question. As a
`CallSource` it answers for the calls it has played in this process.
"""

import asyncio
import logging
import random
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from humanadd.clock import now_ms
from humanadd.demo import conversations
from humanadd.demo.businesses import HVAC, Business
from humanadd.demo.generator import ANSWERED_ENDINGS, FIRST_NAMES, recording_ref
from humanadd.kb import changes as kb
from humanadd.providers import repository as providers
from humanadd.providers.base import CallEvent, EventName, ProviderCall, transcript_of
from humanadd.providers.service import ingest

logger = logging.getLogger(__name__)

SENTIMENTS = {"positive": "Positive", "neutral": "Neutral", "negative": "Negative"}


def provider_call(call: dict[str, Any]) -> ProviderCall:
    """A call this player made (or a step of it), in our terms."""
    analysis = call.get("call_analysis")
    turns = call.get("transcript_object")
    sentiment = None if analysis is None else analysis["user_sentiment"].lower()
    return ProviderCall(
        call_id=call["call_id"],
        agent_id=call["agent_id"],
        status="ongoing" if call["call_status"] == "ongoing" else "ended",
        analysed=analysis is not None,
        direction=call["direction"],
        started_at=call["start_timestamp"],
        ended_at=call.get("end_timestamp"),
        from_number=call["from_number"],
        to_number=call["to_number"],
        duration_seconds=call.get("duration_ms", 0) // 1000,
        disconnection_reason=call.get("disconnection_reason"),
        sentiment=None if sentiment == "unknown" else sentiment,
        summary=None if analysis is None else analysis["call_summary"],
        analysis_data={} if analysis is None else analysis.get("custom_analysis_data", {}),
        transcript=None if turns is None else transcript_of(turns),
        transcript_object=turns,
        recording_ref=call.get("recording_url"),
    )


class SimulatedProvider:
    """Calls of one simulated agent answering for `business`. `seed` makes a run reproducible."""

    def __init__(self, agent_id: str, seed: int | None = None, business: Business = HVAC) -> None:
        self.agent_id = agent_id
        self.business = business
        self.calls: dict[str, dict[str, Any]] = {}
        self._rng = random.Random(seed)
        self._count = 0
        self._analysis_timeout_ms = 0

    # -- making calls -------------------------------------------------------------------

    def new_call(self, started_ms: int, knowledge: Sequence[str] = ()) -> dict[str, Any]:
        """A finished call with a built-in analysis (no custom data) that starts at
        `started_ms`, lasting whole seconds, whose receptionist answers from `knowledge` (the
        knowledge base's texts) where it can."""
        rng = self._rng
        self._count += 1
        business = self.business
        reason = rng.choice(business.reasons)
        started = datetime.fromtimestamp(started_ms / 1000, UTC)
        caller = f"+1555{rng.randrange(10**7):07d}"
        name = rng.choice(FIRST_NAMES)
        conversation = conversations.inbound(business, reason, started, name, rng, knowledge)
        turns, end = conversation.timed(rng)
        duration_ms = conversations.whole_seconds(end, rng) * 1000
        call_id = f"call_sim{started_ms:x}{self._count:04x}"
        call: dict[str, Any] = {
            "call_type": "phone_call",
            "call_id": call_id,
            "agent_id": self.agent_id,
            "call_status": "ended",
            "direction": "inbound",
            "from_number": caller,
            "to_number": business.phone,
            "start_timestamp": started_ms,
            "end_timestamp": started_ms + duration_ms,
            "duration_ms": duration_ms,
            "transcript": "\n".join(
                f"{'Agent' if role == 'agent' else 'User'}: {content}"
                for role, content in conversation.turns
            ),
            "transcript_object": turns,
            "recording_url": recording_ref(call_id),
            "disconnection_reason": rng.choice(ANSWERED_ENDINGS),
            "call_analysis": {
                "call_summary": conversation.summary,
                "user_sentiment": SENTIMENTS.get(conversation.sentiment or "", "Unknown"),
                "call_successful": True,
                "in_voicemail": False,
            },
        }
        return call

    # -- events -------------------------------------------------------------------------

    @staticmethod
    def started(call: dict[str, Any]) -> dict[str, Any]:
        """The call as `call_started` carries it (no recording yet)."""
        kept = ("call_type", "call_id", "agent_id", "direction", "from_number", "to_number")
        return {**{name: call[name] for name in kept}, "call_status": "ongoing",
                "start_timestamp": call["start_timestamp"]}  # fmt: skip

    @staticmethod
    def ended(call: dict[str, Any]) -> dict[str, Any]:
        """The call as `call_ended` carries it: everything but the analysis."""
        return {name: value for name, value in call.items() if name != "call_analysis"}

    async def play(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        every_seconds: float,
        analysis_delay_seconds: float = 3.0,
        calls: int | None = None,
        speed: float = 1.0,
        analysis_timeout_ms: int,
    ) -> None:
        """Start a call every `every_seconds` (for ever, or `calls` of them) and play each
        through its events: in real time, or `speed` times faster. `analysis_timeout_ms` is
        the service's (`Settings.analysis_timeout_ms`)."""
        self._analysis_timeout_ms = analysis_timeout_ms
        running: set[asyncio.Task[None]] = set()
        started = 0
        try:
            while calls is None or started < calls:
                task = asyncio.create_task(
                    self._play_one(sessions, analysis_delay_seconds / speed, speed)
                )
                running.add(task)
                task.add_done_callback(running.discard)
                started += 1
                await asyncio.sleep(every_seconds)
            await asyncio.gather(*running)
        finally:
            for task in running:
                task.cancel()

    async def _play_one(
        self,
        sessions: async_sessionmaker[AsyncSession],
        analysis_delay_seconds: float,
        speed: float,
    ) -> None:
        call = self.new_call(now_ms(), await self.knowledge(sessions))
        self.calls[call["call_id"]] = self.started(call)
        await self._send(sessions, "call_started", self.started(call))
        await asyncio.sleep(call["duration_ms"] / 1000 / speed)
        self.calls[call["call_id"]] = self.ended(call)
        await self._send(sessions, "call_ended", self.ended(call))
        await asyncio.sleep(analysis_delay_seconds)
        self.calls[call["call_id"]] = call
        await self._send(sessions, "call_analyzed", call)

    async def knowledge(self, sessions: async_sessionmaker[AsyncSession]) -> list[str]:
        """The texts of the knowledge base last pushed to this agent's account."""
        async with sessions() as session:
            owner = await providers.account_of_agent(session, self.agent_id)
            return [] if owner is None else await kb.pushed_texts(session, owner.account_id)

    @staticmethod
    def event(name: EventName, call: dict[str, Any]) -> CallEvent:
        """The event that says `call` (a step of a played call) has got as far as `name`."""
        return CallEvent(name, provider_call(call))

    async def _send(
        self, sessions: async_sessionmaker[AsyncSession], name: EventName, call: dict[str, Any]
    ) -> None:
        async with sessions.begin() as session:
            await ingest(
                session,
                self.event(name, call),
                received_at_ms=now_ms(),
                analysis_timeout_ms=self._analysis_timeout_ms,
            )
        logger.info("simulated call event", extra={"event": name, "call_id": call["call_id"]})

    # -- as a call source ---------------------------------------------------------------

    async def list_calls(
        self, agent_ids: Sequence[str], since_ms: int
    ) -> AsyncIterator[ProviderCall]:
        played = sorted(self.calls.values(), key=lambda call: call["start_timestamp"])
        for call in played:
            if call["agent_id"] in agent_ids and call["start_timestamp"] >= since_ms:
                yield provider_call(call)

    async def get_call(self, call_id: str) -> ProviderCall | None:
        call = self.calls.get(call_id)
        return None if call is None else provider_call(call)

    async def close(self) -> None:
        pass
